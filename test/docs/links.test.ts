import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// README.md and docs/ are read on GitHub and, shipped in the package, on npm and in node_modules. A relative link
// must therefore reach a file that is both in the repository and in the package (its `files`); anything else
// (examples/, src/) is linked by its absolute address in the repository, which must name a file that exists.
const root = resolve(import.meta.dirname, '../..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  files: string[];
  repository: { url: string };
};
const repository = manifest.repository.url.replace(/^git\+/, '').replace(/\.git$/, '');

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return markdownFiles(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

const pages = [
  join(root, 'README.md'),
  join(root, 'CHANGELOG.md'),
  ...markdownFiles(join(root, 'docs')),
].filter((path) => existsSync(path));

/** Links in a Markdown page, outside code blocks and code spans. */
function linksOf(text: string): string[] {
  const prose = text.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((match) => match[1]!);
}

/**
 * GitHub's heading anchors (lower case, punctuation dropped, each space a hyphen, repeats numbered; so a heading
 * ending in `})` ends in a hyphen) and explicit `<a id>` anchors.
 */
function anchorsOf(text: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const match of text.replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6}\s+(.+?)\s*$/gm)) {
    const slug = match[1]!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  for (const match of text.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(match[1]!);
  return anchors;
}

function inPackage(path: string): boolean {
  const rel = relative(root, path).split('\\').join('/');
  return manifest.files.some((entry) => rel === entry || rel.startsWith(`${entry}/`));
}

describe('links in README.md and docs/', () => {
  it('finds the pages and their links', () => {
    expect(pages.length).toBeGreaterThan(5);
    expect(pages.flatMap((page) => linksOf(readFileSync(page, 'utf8'))).length).toBeGreaterThan(50);
  });

  for (const page of pages) {
    it(`${relative(root, page)}: every link to this repository reaches a file in it (and in the package)`, () => {
      const text = readFileSync(page, 'utf8');
      const broken: string[] = [];
      for (const link of linksOf(text)) {
        let target: string;
        if (link.startsWith(`${repository}/blob/main/`) || link.startsWith(`${repository}/tree/main/`)) {
          target = join(root, link.slice(`${repository}/blob/main/`.length).split('#')[0]!);
          if (!existsSync(target)) broken.push(`${link}: no such file in the repository`);
          continue;
        }
        if (/^[a-z]+:/i.test(link)) continue; // another site
        const [path, anchor] = link.split('#') as [string, string | undefined];
        target = path === '' ? page : resolve(dirname(page), decodeURIComponent(path));
        if (!existsSync(target)) {
          broken.push(`${link}: no such file`);
          continue;
        }
        if (!target.startsWith(`${root}/`) || target.includes('/node_modules/')) {
          broken.push(`${link}: outside the repository`);
          continue;
        }
        if (inPackage(page) && !inPackage(target)) {
          broken.push(
            `${link}: not in the package's files (${manifest.files.join(', ')}); link ${repository}/blob/main/…`,
          );
          continue;
        }
        if (anchor && statSync(target).isFile() && target.endsWith('.md')) {
          if (!anchorsOf(readFileSync(target, 'utf8')).has(anchor))
            broken.push(`${link}: no heading #${anchor}`);
        }
      }
      expect(broken).toEqual([]);
    });
  }

  it('would catch a link outside the package and a missing anchor', () => {
    expect(inPackage(join(root, 'docs/batch.md'))).toBe(true);
    expect(inPackage(join(root, 'examples/quickstart.ts'))).toBe(false);
    expect(anchorsOf('## Counts: `dryRun({ countTokens: true })`\n## A\n## A\n- <a id="x"></a>')).toEqual(
      new Set(['counts-dryrun-counttokens-true-', 'a', 'a-1', 'x']),
    );
  });
});

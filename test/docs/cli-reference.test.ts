import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// docs/cli.md is true to `batchwise --help`: the same commands, the same flags, the same defaults.
const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const tsx = join(root, 'node_modules/tsx/dist/cli.mjs');

async function help(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [tsx, join(root, 'src/cli/main.ts'), ...args, '--help'], {
    cwd: root,
  });
  return stdout;
}

const flagsOf = (text: string) =>
  new Set([...text.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)].map((match) => match[0]));

/** The table rows of docs/cli.md under a heading, up to the next heading of its level. */
function section(doc: string, heading: string): string {
  const start = doc.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`docs/cli.md has no section "## ${heading}"`);
  const end = doc.indexOf('\n## ', start + 1);
  return doc
    .slice(start, end < 0 ? undefined : end)
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .join('\n');
}

describe('docs/cli.md', () => {
  it('documents every command and global flag of `batchwise --help`, and no other', async () => {
    const [output, doc] = await Promise.all([help(), readFile(join(root, 'docs/cli.md'), 'utf8')]);
    const commands = [...output.matchAll(/^\s{2}(\w[\w-]*)\s{2,}\S/gm)].map((match) => match[1]!);
    expect(commands).toContain('emulator');
    for (const command of commands) expect(doc).toContain(`## \`batchwise ${command}\``);
    expect(flagsOf(section(doc, 'Global flags'))).toEqual(flagsOf(output.slice(output.indexOf('Options:'))));
  });

  it('documents every flag of `batchwise emulator --help` with its default, and no other', async () => {
    const [output, doc] = await Promise.all([help('emulator'), readFile(join(root, 'docs/cli.md'), 'utf8')]);
    const documented = section(doc, '`batchwise emulator`');
    expect(flagsOf(documented)).toEqual(flagsOf(output.slice(output.indexOf('Options:'))));
    for (const [, flag, value] of output.matchAll(/(--[a-z-]+) <\w+>.*\(default: ([^)]+)\)/g)) {
      const row = documented.split('\n').find((line) => line.startsWith(`| \`${flag} `));
      expect(row?.split('|')[2]?.replace(/`/g, '').trim(), flag).toBe(value);
    }
  });
});

import { type Node, parseTree } from 'jsonc-parser';
import type { Citation, MappedCitation } from '../types.js';
import type { CitedBlock } from './extract-citations.js';
import { containsVariant, fieldWords, normalize, valueVariants } from './value-variants.js';

interface Leaf {
  path: string;
  /** The last named key on the path: `lineItems[2].amount` -> amount. */
  name: string;
  value: unknown;
  /** Where the value is written in the answer text, when it could be found. */
  span: [number, number] | null;
}

/**
 * Maps each field path of a parsed answer to the citations behind its value:
 *
 * 1. **Position**: when the answer's JSON is written across cited text blocks, a value whose text lies in a block
 *    is backed by that block's citations (high confidence).
 * 2. **Value**: otherwise the value's variants (number and date spellings, case, whitespace) are looked for in the
 *    cited text; with the field's name there too, high; the value alone, medium; short values (1–2 characters) count
 *    only with the field's name.
 *
 * Nested objects and arrays are walked: paths look like `address.city` and `lineItems[2].amount`. Pure.
 */
export function mapCitations(blocks: CitedBlock[], parsed: unknown): Record<string, MappedCitation[]> {
  const text = blocks.map((b) => b.text).join('');
  const leaves = collectLeaves(parsed, text);
  const all = blocks.flatMap((b) => b.citations);
  const mappings: Record<string, MappedCitation[]> = {};
  let offset = 0;
  const ranges = blocks.map((block) => {
    const range = { start: offset, end: offset + block.text.length, citations: block.citations };
    offset = range.end;
    return range;
  });

  for (const leaf of leaves) {
    const variants = valueVariants(leaf.value);
    if (variants.length === 0) continue;
    const positional = leaf.span
      ? ranges
          .filter((r) => r.citations.length > 0 && r.start < leaf.span![1] && leaf.span![0] < r.end)
          .flatMap((r) => r.citations)
          .map((c) =>
            variants.some((v) => containsVariant(normalize(c.text), v))
              ? mapped(
                  c,
                  'high',
                  'the value is written in the answer text this citation backs, and quoted in it',
                )
              : mapped(c, 'medium', 'the value is written in the answer text this citation backs'),
          )
      : [];
    // Where some of a block's citations also quote the value, the others back a neighbouring value instead.
    const quoting = positional.filter((c) => c.confidence === 'high');
    const found =
      quoting.length > 0 ? quoting : positional.length > 0 ? positional : byValue(leaf, variants, all);
    if (found.length > 0) mappings[leaf.path] = dedupe(found);
  }
  return mappings;
}

function byValue(leaf: Leaf, variants: string[], citations: Citation[]): MappedCitation[] {
  const words = fieldWords(leaf.name);
  // Judged by how the value is written, not by its padded variants ("5" is short even though "5.00" is not).
  const short = normalize(String(leaf.value)).length <= 2;
  const matches: MappedCitation[] = [];
  for (const citation of citations) {
    const cited = normalize(citation.text);
    const variant = variants.find((v) => containsVariant(cited, v));
    if (!variant) continue;
    const named =
      words.length > 0 &&
      words.every((word) => new RegExp(`(^|[^a-z0-9])${escapeRegExp(word)}([^a-z0-9]|$)`).test(cited));
    if (named)
      matches.push(mapped(citation, 'high', `the cited text has the value "${variant}" and the field name`));
    else if (!short) matches.push(mapped(citation, 'medium', `the cited text has the value "${variant}"`));
  }
  // Where some passages also name the field, the ones that do not are weaker evidence for a repeated value.
  if (matches.some((m) => m.confidence === 'high')) {
    return matches.filter((m) => m.confidence === 'high');
  }
  if (matches.length > 1)
    return matches.map((m) => ({
      ...m,
      confidence: 'low' as const,
      matchReason: `${m.matchReason}, which appears in several places`,
    }));
  return matches;
}

function mapped(
  citation: Citation,
  confidence: MappedCitation['confidence'],
  matchReason: string,
): MappedCitation {
  return { ...citation, confidence, matchReason };
}

function dedupe(citations: MappedCitation[]): MappedCitation[] {
  const seen = new Set<string>();
  return citations.filter((c) => {
    const key = `${c.text}|${c.page}|${JSON.stringify(c.metadata.startChar ?? null)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function collectLeaves(parsed: unknown, text: string): Leaf[] {
  const start = text.indexOf('{');
  const tree = start === -1 ? undefined : parseTree(text.slice(start));
  const leaves: Leaf[] = [];
  const walk = (value: unknown, path: string, name: string, node: Node | undefined) => {
    if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) {
        walk(item, `${path}[${index}]`, name, node?.type === 'array' ? node.children?.[index] : undefined);
      }
    } else if (value && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        const property =
          node?.type === 'object' ? node.children?.find((p) => p.children?.[0]?.value === key) : undefined;
        walk(child, path ? `${path}.${key}` : key, key, property?.children?.[1]);
      }
    } else if (path) {
      const span: [number, number] | null =
        node && node.type !== 'object' && node.type !== 'array'
          ? [start + node.offset, start + node.offset + node.length]
          : null;
      leaves.push({ path, name, value, span });
    }
  };
  walk(parsed, '', '', tree);
  return leaves;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

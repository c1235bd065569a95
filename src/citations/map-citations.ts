import { type Node, parseTree } from 'jsonc-parser';
import { childPath } from '../structured/field-path.js';
import type { MappedCitation } from '../types.js';
import type { CitedBlock } from './extract-citations.js';
import { words } from './normalize-text.js';
import { sameUnit } from './numbers.js';
import { indexPassages, type Passage, type PassageIndex } from './passages.js';
import { fieldWords, findVariant, type ValueProbe, valueProbe } from './value-variants.js';
import { FIELD_ALIASES, GENERIC_FIELD_WORDS } from './value-words.js';
import { setOwn } from './word-table.js';

interface Leaf {
  path: string;
  /** The path of the object or array holding it: `lineItems[2]` for `lineItems[2].amount`, '' at the top. */
  parent: string;
  /** The last named key on the path: `lineItems[2].amount` -> amount; `tags[1]` -> tags. */
  name: string;
  /** The key naming the parent: `billing` for `billing.city`; '' at the top. */
  parentName: string;
  value: unknown;
  /** Where the value is written in the answer text, when it could be found. */
  span: [number, number] | null;
}

/** Where a value was found in a passage, and whether that finding needs the field's name or a sibling near it. */
interface Match {
  passage: number;
  at: number;
  end: number;
  /** False for a short value or one found through a weak variant (country name, currency sign, yes/no word). */
  strong: boolean;
  via: string;
}

/** How much work a mapping did: each comparison of one value with one passage counts one. */
export interface MappingStats {
  comparisons: number;
}

/**
 * Maps each field path of a parsed answer to the cited passages that support its value. It reasons over values and
 * passages, not blocks, because Claude writes answers in many shapes (docs/citations.md): the whole JSON in one block
 * with two or three citations, an uncited ```json fence with cited prose or bullets around it, `**Label**: ` with the
 * value cited, joiners as blocks of their own.
 *
 * 1. Each value is looked for in every cited passage (through an index, so a value is compared with few passages) by
 *    its variants (value-variants.ts): numbers however they are written, dates in any common form, strings as
 *    written, codes by names and symbols.
 * 2. A value written inside a cited block takes that block's passages that support it (high); if none does and the
 *    block writes no other value, all of the block's passages (medium). Otherwise the passages anywhere that support
 *    it count.
 * 3. A short value (1–2 characters) or one matched only through a weak variant counts where the field's name (or the
 *    parent's, or a short form) stands near it in the passage or in the answer's label for it, or where a sibling
 *    field's value is in the same passage. A value found in several passages keeps those where the field's name or a
 *    sibling's value stands; with neither, it keeps them all with low confidence.
 *
 * Null, absent and values no passage supports are not mapped. Nested objects and arrays are walked: paths look like
 * `address.city` and `lineItems[2].amount`. Pure.
 */
export function mapCitations(
  blocks: CitedBlock[],
  parsed: unknown,
  stats: MappingStats = { comparisons: 0 },
): Record<string, MappedCitation[]> {
  const index = indexPassages(blocks);
  if (index.passages.length === 0) return {};
  const text = blocks.map((b) => b.text).join('');
  const leaves = collectLeaves(parsed, text);
  let offset = 0;
  const ranges = blocks.map((block) => {
    const range = { start: offset, end: offset + block.text.length };
    offset = range.end;
    return range;
  });

  // The cited blocks a value's text overlaps, by binary search over the blocks' ranges.
  const citedBlocksOver = (span: [number, number]): number[] => {
    let low = 0;
    let high = ranges.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (ranges[middle]!.end <= span[0]) low = middle + 1;
      else high = middle;
    }
    const result: number[] = [];
    for (let i = low; i < ranges.length && ranges[i]!.start < span[1]; i++) {
      stats.comparisons++;
      if (index.blockPassages[i]!.length > 0) result.push(i);
    }
    return result;
  };
  const valuesInBlock = new Map<number, number>();
  for (const leaf of leaves) {
    if (!leaf.span) continue;
    for (const i of citedBlocksOver(leaf.span)) valuesInBlock.set(i, (valuesInBlock.get(i) ?? 0) + 1);
  }

  // Pass 1: where each value is found.
  const found = leaves.map((leaf) => {
    const own = fieldWords(leaf.name);
    const probe = valueProbe(leaf.value, own);
    const matches = probe ? findMatches(probe, index, stats) : [];
    return { leaf, probe, matches, names: nameEvidence(own, fieldWords(leaf.parentName)) };
  });
  // Which passages hold a value of which parent, surely: a sibling's evidence.
  const strongIn = new Map<number, Map<string, Set<number>>>();
  found.forEach(({ leaf, matches }, leafIndex) => {
    for (const match of matches) {
      if (!match.strong) continue;
      const parents = strongIn.get(match.passage) ?? new Map<string, Set<number>>();
      strongIn.set(match.passage, parents);
      const set = parents.get(leaf.parent) ?? new Set<number>();
      parents.set(leaf.parent, set);
      set.add(leafIndex);
    }
  });

  // Pass 2: which of those passages back the value.
  const mappings: Record<string, MappedCitation[]> = {};
  found.forEach(({ leaf, probe, matches, names }, leafIndex) => {
    if (!probe) return;
    const judge = (match: Match): Judged => {
      const passage = index.passages[match.passage]!;
      const window = passage.text.slice(Math.max(0, match.at - 60), match.end + 40);
      const named = names.filter((name) => name.test(window) || name.test(passage.context)).length;
      const holders = strongIn.get(match.passage)?.get(leaf.parent);
      const sibling = !!holders && [...holders].some((other) => other !== leafIndex);
      return { match, named, sibling, nested: leaf.parent !== '' };
    };
    const blocksOfLeaf = leaf.span ? citedBlocksOver(leaf.span) : [];
    let chosen: MappedCitation[] = [];
    if (blocksOfLeaf.length > 0) {
      const own = new Set(blocksOfLeaf.flatMap((i) => index.blockPassages[i]!));
      chosen = decide(
        matches.filter((m) => own.has(m.passage)).map(judge),
        probe,
        index,
        'the answer block writing the value cites this passage',
      );
      const alone = blocksOfLeaf.every((i) => (valuesInBlock.get(i) ?? 0) === 1);
      if (chosen.length === 0 && alone) {
        chosen = [...own].map((id) =>
          mapped(
            index.passages[id]!,
            'medium',
            'the answer block writing this value, and no other, cites this passage; it words the value differently',
          ),
        );
      }
    }
    if (chosen.length === 0) chosen = decide(matches.map(judge), probe, index, null);
    // A field may be named `__proto__`: an own property, not the object's prototype.
    if (chosen.length > 0) setOwn(mappings, leaf.path, chosen);
  });
  return mappings;
}

interface Judged {
  match: Match;
  /**
   * How many words of the field's (or its parent's) name stand near the value in the passage, or in the answer's
   * label for it; 0 when none does.
   */
  named: number;
  /** Another value of the same object is in the passage. */
  sibling: boolean;
  /** The value is inside a nested object or array, where a sibling's value identifies the passage. */
  nested: boolean;
}

function decide(
  judged: Judged[],
  probe: ValueProbe,
  index: PassageIndex,
  positional: string | null,
): MappedCitation[] {
  const byPassage = new Map<number, Judged>();
  for (const j of judged) {
    const seen = byPassage.get(j.match.passage);
    if (!seen || (!seen.match.strong && j.match.strong) || seen.named < j.named)
      byPassage.set(j.match.passage, j);
  }
  const eligible = [...byPassage.values()].filter(
    (j) => (j.match.strong && !probe.short) || j.named || j.sibling,
  );
  if (eligible.length === 0) return [];
  let kept = eligible;
  let repeated = false;
  if (eligible.length > 1) {
    // The passages naming the field best (`agreed total` over a mere `total`), else those beside a sibling.
    const most = Math.max(...eligible.map((j) => j.named));
    const identified =
      most > 0 ? eligible.filter((j) => j.named === most) : eligible.filter((j) => j.sibling && j.nested);
    if (identified.length > 0) kept = identified;
    else repeated = true;
  }
  return kept.map((j) => {
    const passage = index.passages[j.match.passage]!;
    const how = j.match.via;
    const why = j.named
      ? `${how}, with the field's name near it`
      : j.sibling
        ? `${how}, beside another value of the same object`
        : how;
    if (repeated) return mapped(passage, 'low', `${why}; the value appears in several passages`);
    if (positional) return mapped(passage, j.match.strong ? 'high' : 'medium', `${positional}: ${why}`);
    const confidence = j.match.strong && !probe.short ? (j.named || j.sibling ? 'high' : 'medium') : 'medium';
    return mapped(passage, confidence, why);
  });
}

function findMatches(probe: ValueProbe, index: PassageIndex, stats: MappingStats): Match[] {
  const matches: Match[] = [];
  const strong = !probe.short;
  for (const variant of probe.strings) {
    for (const id of postings(index, variant)) {
      stats.comparisons++;
      const at = findVariant(index.passages[id]!.text, variant);
      if (at !== -1)
        matches.push({
          passage: id,
          at,
          end: at + variant.length,
          strong,
          via: `the passage has "${variant}"`,
        });
    }
  }
  // A code written in groups (`DE89 3704 …`): looked up by the passage words its letters and digits start with,
  // only when it was not found as written.
  if (probe.compact && matches.length === 0) {
    const seen = new Set<number>();
    for (let length = 1; length <= Math.min(12, probe.compact.length); length++) {
      const list: number[] = index.byWord.get(probe.compact.slice(0, length)) ?? [];
      for (const id of list) {
        if (seen.has(id)) continue;
        seen.add(id);
        stats.comparisons++;
        const passage: Passage = index.passages[id]!;
        if (passage.compact.includes(probe.compact)) {
          matches.push({
            passage: id,
            at: 0,
            end: passage.text.length,
            strong,
            via: 'the passage has the code, grouped differently',
          });
        }
      }
    }
  }
  for (const target of probe.numbers) {
    for (const { passage, token } of index.byNumber.get(target.key) ?? []) {
      stats.comparisons++;
      if (target.unit && !(token.unit && sameUnit(token.unit, target.unit))) continue;
      const written = index.passages[passage]!.text.slice(token.at, token.end);
      const via = target.unit
        ? `the passage has the amount in ${target.unit} ("${written} ${token.unit}")`
        : `the passage has the number "${written}"`;
      matches.push({ passage, at: token.at, end: token.end, strong, via });
    }
  }
  for (const iso of probe.dates) {
    for (const { passage, token } of index.byDate.get(iso) ?? []) {
      stats.comparisons++;
      const written = index.passages[passage]!.text.slice(token.at, token.end);
      matches.push({
        passage,
        at: token.at,
        end: token.end,
        strong: true,
        via: `the passage has the date "${written}"`,
      });
    }
  }
  for (const { phrase, why } of probe.weak) {
    for (const id of postings(index, phrase)) {
      stats.comparisons++;
      const at = findVariant(index.passages[id]!.text, phrase);
      if (at !== -1)
        matches.push({
          passage: id,
          at,
          end: at + phrase.length,
          strong: false,
          via: `the passage has ${why}`,
        });
    }
  }
  return matches;
}

/** The passages that may hold `text`: those holding its rarest word, or pair of adjacent words (all must be there). */
function postings(index: PassageIndex, text: string): number[] {
  const list = words(text).map((w) => w.word);
  const keys = list.length > 1 ? list.slice(1).map((word, i) => `${list[i]} ${word}`) : list;
  let best: number[] | undefined;
  for (const key of keys) {
    const found = index.byWord.get(key) ?? [];
    if (!best || found.length < best.length) best = found;
    if (found.length === 0) break;
  }
  return best ?? [];
}

/**
 * A test per distinctive word of the field's name, or its parent's, as a whole word or word start (`insured` ~
 * `insurance`), its short forms included.
 */
function nameEvidence(own: string[], parent: string[]): RegExp[] {
  const tests: RegExp[] = [];
  for (const word of new Set([...own, ...parent])) {
    if (GENERIC_FIELD_WORDS.has(word) || /^\d+$/.test(word)) continue;
    const stems = [word, ...(FIELD_ALIASES[word] ?? [])].map((form) =>
      form.length <= 4 ? `${escapeRegExp(form)}s?(?![\\p{L}\\p{N}])` : escapeRegExp(form.slice(0, 5)),
    );
    tests.push(new RegExp(`(?<![\\p{L}\\p{N}])(?:${stems.join('|')})`, 'u'));
  }
  return tests;
}

function mapped(
  passage: Passage,
  confidence: MappedCitation['confidence'],
  matchReason: string,
): MappedCitation {
  return { ...passage.citation, confidence, matchReason };
}

/** The leaves of the parsed answer, with where each is written in the answer's JSON (a fence, else the first `{`). */
function collectLeaves(parsed: unknown, text: string): Leaf[] {
  const fence = /```(?:json)?[ \t]*\r?\n?/i.exec(text);
  const start = fence ? fence.index + fence[0].length : text.search(/[{[]/);
  const tree = start === -1 ? undefined : parseTree(text.slice(start));
  const leaves: Leaf[] = [];
  const walk = (value: unknown, path: string, name: string, parentName: string, node: Node | undefined) => {
    if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) {
        const child = node?.type === 'array' ? node.children?.[index] : undefined;
        const itemPath = childPath(path, index);
        if (item && typeof item === 'object') walk(item, itemPath, name, name, child);
        else leaves.push(leaf(item, itemPath, path, name, parentName, child));
      }
    } else if (value && typeof value === 'object') {
      const properties = new Map<string, Node>();
      if (node?.type === 'object') {
        for (const p of node.children ?? []) {
          const key = p.children?.[0]?.value;
          if (typeof key === 'string' && p.children?.[1]) properties.set(key, p.children[1]);
        }
      }
      for (const [key, child] of Object.entries(value)) {
        const keyPath = childPath(path, key);
        if (child && typeof child === 'object') walk(child, keyPath, key, name, properties.get(key));
        else leaves.push(leaf(child, keyPath, path, key, name, properties.get(key)));
      }
    }
  };
  const leaf = (
    value: unknown,
    path: string,
    parent: string,
    name: string,
    parentName: string,
    node?: Node,
  ): Leaf => ({
    path,
    parent,
    name,
    parentName,
    value,
    span:
      node && node.type !== 'object' && node.type !== 'array'
        ? [start + node.offset, start + node.offset + node.length]
        : null,
  });
  walk(parsed, '', '', '', tree);
  return leaves;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

import type { Citation } from '../types.js';
import { type DateToken, dateTokens } from './dates.js';
import type { CitedBlock } from './extract-citations.js';
import { compact, normalize, words } from './normalize-text.js';
import { type NumberToken, numberKey, numberTokens } from './numbers.js';

/** One cited passage: the citations of an answer that quote the same text at the same place are one passage. */
export interface Passage {
  id: number;
  citation: Citation;
  /** The cited text, normalised. */
  text: string;
  compact: string;
  numbers: NumberToken[];
  dates: DateToken[];
  /**
   * The answer's own words about this passage, normalised: each block that cites it and nothing else, with the
   * uncited block before it (a `**Label**: ` or the start of the sentence).
   */
  context: string;
}

/** The cited passages of an answer, indexed by word, number and date so that a value is compared with few of them. */
export interface PassageIndex {
  passages: Passage[];
  /** By word, and by two adjacent words joined with a space. */
  byWord: Map<string, number[]>;
  byNumber: Map<string, { passage: number; token: NumberToken }[]>;
  byDate: Map<string, { passage: number; token: DateToken }[]>;
  /** Per answer block, the passages it cites. */
  blockPassages: number[][];
}

export function indexPassages(blocks: CitedBlock[]): PassageIndex {
  const passages: Passage[] = [];
  const byKey = new Map<string, number>();
  const blockPassages = blocks.map((block) => {
    const ids = new Set<number>();
    for (const citation of block.citations) {
      const key = passageKey(citation);
      let id = byKey.get(key);
      if (id === undefined) {
        id = passages.length;
        byKey.set(key, id);
        const text = normalize(citation.text);
        passages.push({
          id,
          citation,
          text,
          compact: compact(text),
          numbers: numberTokens(text),
          dates: dateTokens(text),
          context: '',
        });
      }
      ids.add(id);
    }
    return [...ids];
  });
  blockPassages.forEach((ids, index) => {
    if (ids.length !== 1) return;
    const previous = blocks[index - 1];
    // The label is what stands on the same line before the block (`**Total**: `), not a fence or paragraph above.
    const label = previous && previous.citations.length === 0 ? (previous.text.split('\n').at(-1) ?? '') : '';
    const passage = passages[ids[0]!]!;
    passage.context = `${passage.context} ${normalize(`${label} ${blocks[index]!.text}`)}`.trim();
  });

  const byWord = new Map<string, number[]>();
  const byNumber = new Map<string, { passage: number; token: NumberToken }[]>();
  const byDate = new Map<string, { passage: number; token: DateToken }[]>();
  for (const passage of passages) {
    // Words and pairs of adjacent words: a value of common words ("Company 2 Holdings") is looked up by its rarest
    // pair, so that it is compared with the few passages holding that pair, not every passage saying "Company".
    const list = words(passage.text).map((w) => w.word);
    const keys = new Set(list);
    for (let i = 1; i < list.length; i++) keys.add(`${list[i - 1]} ${list[i]}`);
    for (const key of keys) push(byWord, key, passage.id);
    for (const token of passage.numbers) {
      for (const key of new Set(token.values.map(numberKey)))
        push(byNumber, key, { passage: passage.id, token });
    }
    for (const token of passage.dates) {
      for (const iso of token.iso) push(byDate, iso, { passage: passage.id, token });
    }
  }
  return { passages, byWord, byNumber, byDate, blockPassages };
}

function passageKey(citation: Citation): string {
  const m = citation.metadata;
  return JSON.stringify([
    m.documentIndex,
    m.type,
    m.startPage ?? m.startChar ?? m.startBlock ?? null,
    m.endPage ?? m.endChar ?? m.endBlock ?? null,
    citation.text,
  ]);
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

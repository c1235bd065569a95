import type { Tiktoken, TiktokenBPE } from 'js-tiktoken/lite';

/**
 * OpenAI's real tokenizers (js-tiktoken: pure JS, its rank files bundled, nothing fetched). The rank files are
 * megabytes, so each encoding is loaded on first use only, and once.
 */
export type Encoding = 'o200k_base' | 'cl100k_base';

/**
 * o200k_base for the gpt-4o generation and everything after it (gpt-4o, gpt-4.1, gpt-4.5, gpt-5, o1/o3/o4,
 * chatgpt-4o, their fine-tunes); cl100k_base for gpt-4, gpt-4-turbo and gpt-3.5 — as tiktoken's model table maps
 * them. An unknown name gets o200k_base, the encoding of every current model.
 */
export function encodingForModel(model: string): Encoding {
  const name = model.startsWith('ft:') ? model.slice(3) : model;
  if (/^gpt-4o|^gpt-4\.|^gpt-5|^o\d|^chatgpt-/.test(name)) return 'o200k_base';
  if (/^gpt-4|^gpt-3\.5|^gpt-35/.test(name)) return 'cl100k_base';
  return 'o200k_base';
}

const loaded = new Map<Encoding, Promise<Tiktoken>>();

/** The encodings this process has loaded so far (for tests: a run that needs no count must load none). */
export function loadedEncodings(): Encoding[] {
  return [...loaded.keys()];
}

export function loadEncoding(encoding: Encoding): Promise<Tiktoken> {
  let promise = loaded.get(encoding);
  if (!promise) {
    promise = (async () => {
      const ranks =
        encoding === 'o200k_base'
          ? await import('js-tiktoken/ranks/o200k_base')
          : await import('js-tiktoken/ranks/cl100k_base');
      return encoderOnly(ranks.default);
    })();
    loaded.set(encoding, promise);
  }
  return promise;
}

/** What js-tiktoken keeps per rank (not in its published types): encode reads `rankMap` only. */
interface TiktokenTables {
  rankMap: Map<string, number>;
  textMap: Map<number, Uint8Array>;
}

/**
 * A Tiktoken that can encode, not decode. js-tiktoken's constructor builds every rank three times over (an object
 * of all ranks, its entries, and a byte array per rank for decoding): 66 MB of heap and a 210 MB peak of RSS for
 * o200k_base, most of what a 100,000-job run would otherwise hold. Here the same `rankMap` (bytes joined by commas,
 * as its `encode` looks them up) is filled line by line from the rank file: 22 MB, no peak. `test/pricing/tokenizer`
 * checks the map equals the library's own. Should a later js-tiktoken keep its tables elsewhere, its constructor is
 * used as it is.
 */
async function encoderOnly(ranks: TiktokenBPE): Promise<Tiktoken> {
  const { Tiktoken } = await import('js-tiktoken/lite');
  const encoder = new Tiktoken({ ...ranks, bpe_ranks: '' });
  const tables = encoder as unknown as Partial<TiktokenTables>;
  if (!(tables.rankMap instanceof Map) || !(tables.textMap instanceof Map)) return new Tiktoken(ranks);
  fillRanks(tables.rankMap, ranks.bpe_ranks);
  return encoder;
}

/** Each line of a rank file: a name, the first rank, then base64 tokens with consecutive ranks. */
export function fillRanks(rankMap: Map<string, number>, bpeRanks: string): void {
  for (let start = 0; start < bpeRanks.length; ) {
    let end = bpeRanks.indexOf('\n', start);
    if (end < 0) end = bpeRanks.length;
    const line = bpeRanks.slice(start, end);
    start = end + 1;
    if (!line) continue;
    const fields = line.split(' ');
    const first = Number.parseInt(fields[1]!, 10);
    for (let i = 2; i < fields.length; i++) {
      rankMap.set(Buffer.from(fields[i]!, 'base64').join(','), first + i - 2);
    }
  }
}

/**
 * js-tiktoken merges each pre-token piece in quadratic time, and a run without spaces (a long CJK paragraph, a
 * minified blob) is one piece: 2,000 CJK characters take seconds. Runs longer than this are counted in parts; each
 * cut may lose merges across it (more tokens, never fewer in practice), and {@link countTokens} adds one token per
 * cut on top so that it stays an upper bound.
 */
const MAX_RUN = 64;

export function countTokens(encoder: Tiktoken, text: string): number {
  return countTokensCut(encoder, text).tokens;
}

/**
 * {@link countTokens}, and how many cuts it made: with none the count is exact; with some it is an upper bound (a
 * run of dashes counted in parts measured at up to twice its real count).
 */
export function countTokensCut(encoder: Tiktoken, text: string): { tokens: number; cuts: number } {
  if (text.length <= MAX_RUN) return { tokens: partTokens(encoder, text), cuts: 0 };
  const parts = splitLongRuns(text);
  let tokens = 0;
  for (const part of parts) tokens += partTokens(encoder, part) + 1;
  return { tokens: tokens - 1, cuts: parts.length - 1 };
}

/**
 * Short texts and parts of long runs repeat (a role, the same parameters in every job's body, padding, repeated
 * characters): their counts are remembered, a few thousand at most, so that 100,000 similar jobs do not encode the
 * same string 100,000 times.
 */
const partCounts = new WeakMap<Tiktoken, Map<string, number>>();

function partTokens(encoder: Tiktoken, part: string): number {
  let counts = partCounts.get(encoder);
  if (!counts) {
    counts = new Map();
    partCounts.set(encoder, counts);
  }
  let tokens = counts.get(part);
  if (tokens === undefined) {
    tokens = encoder.encode(part).length;
    if (counts.size >= 4_096) counts.clear();
    counts.set(part, tokens);
  }
  return tokens;
}

function splitLongRuns(text: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let runStart = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 32 || code === 10 || code === 9 || code === 13) {
      runStart = i + 1;
      continue;
    }
    // Cut before a low surrogate would split a pair: move the cut one back.
    if (i - runStart >= MAX_RUN && !(code >= 0xdc00 && code <= 0xdfff)) {
      parts.push(text.slice(start, i));
      start = i;
      runStart = i;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

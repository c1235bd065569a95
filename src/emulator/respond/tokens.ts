import { getEncodingNameForModel, Tiktoken, type TiktokenModel } from 'js-tiktoken/lite';

/**
 * The emulator's token rules, documented in docs/emulator.md ("Token rule"). Written from the providers' documents,
 * not from batchwise's estimator:
 * - OpenAI: the model's real tokenizer (tiktoken's model table: o200k_base for gpt-4o and later, cl100k_base for
 *   gpt-4 and gpt-3.5; an unlisted name by its family), plus the chat format of OpenAI's cookbook: 3 tokens a
 *   message, its role, 1 more for a name, and 3 priming the reply.
 * - Anthropic (no public tokenizer for Claude 3 and later): `min(UTF-8 bytes, ceil(1.5 × cl100k_base))` per text —
 *   Anthropic's last published tokenizer counts within a few percent of cl100k_base, and Anthropic documents that
 *   newer Claude tokenizers use up to 1.35× the tokens of the previous ones; 1.5 leaves room above that, and a
 *   byte-level BPE never gives more tokens than bytes — plus 4 a message and 3 a request.
 * - Images and PDF pages by image-tokens.ts (each provider's documented image rule; a PDF page is its text plus an
 *   image of the page); a JSON schema its serialised text; Anthropic `tools` their serialised definitions.
 * Deterministic: the same request always costs the same.
 */
export const OPENAI_PER_MESSAGE = 3;
export const OPENAI_PER_NAME = 1;
export const OPENAI_REPLY_PRIMING = 3;
export const ANTHROPIC_PER_MESSAGE = 4;
export const ANTHROPIC_PER_REQUEST = 3;
export const ANTHROPIC_FACTOR = 1.5;

type EncodingName = 'o200k_base' | 'cl100k_base';

export function openaiEncoding(model: string): EncodingName {
  const name = model.replace(/^ft:/, '').split(':')[0]!;
  try {
    const listed = getEncodingNameForModel(name as TiktokenModel);
    if (listed === 'o200k_base' || listed === 'cl100k_base') return listed;
  } catch {
    // not in tiktoken's table: judge by family below
  }
  return /^(gpt-4(-|$)|gpt-3\.5|gpt-35)/.test(name) && !name.startsWith('gpt-4o')
    ? 'cl100k_base'
    : 'o200k_base';
}

const encoders = new Map<EncodingName, Promise<Tiktoken>>();

function encoder(name: EncodingName): Promise<Tiktoken> {
  let promise = encoders.get(name);
  if (!promise) {
    promise = (async () => {
      const ranks =
        name === 'o200k_base'
          ? await import('js-tiktoken/ranks/o200k_base')
          : await import('js-tiktoken/ranks/cl100k_base');
      return new Tiktoken(ranks.default);
    })();
    encoders.set(name, promise);
  }
  return promise;
}

/** Counts a text's tokens for one provider and model. */
export type TextCounter = (text: string) => number;

export async function textCounter(provider: 'anthropic' | 'openai', model: string): Promise<TextCounter> {
  if (provider === 'openai') {
    const tiktoken = await encoder(openaiEncoding(model));
    return (text) => encode(tiktoken, text);
  }
  const tiktoken = await encoder('cl100k_base');
  return (text) => {
    const bytes = Buffer.byteLength(text, 'utf8');
    return Math.min(bytes, Math.ceil(ANTHROPIC_FACTOR * encode(tiktoken, text)));
  };
}

/**
 * js-tiktoken's merge is worse than quadratic in the length of a run without whitespace (2,000 CJK characters take
 * seconds), so runs longer than 128 characters are encoded in 128-character parts: for such texts the count may be a
 * few tokens above tiktoken's own.
 */
const MAX_RUN = 128;

function encode(tiktoken: Tiktoken, text: string): number {
  if (text.length <= MAX_RUN) return tiktoken.encode(text).length;
  let tokens = 0;
  let start = 0;
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 32 || code === 10 || code === 9 || code === 13) run = 0;
    else if (++run > MAX_RUN && !(code >= 0xdc00 && code <= 0xdfff)) {
      tokens += partTokens(tiktoken, text.slice(start, i));
      start = i;
      run = 1;
    }
  }
  return tokens + partTokens(tiktoken, text.slice(start));
}

/** Counts of parts, which repeat in padded or repetitive texts; a few thousand at most. */
const partCounts = new WeakMap<Tiktoken, Map<string, number>>();

function partTokens(tiktoken: Tiktoken, part: string): number {
  let counts = partCounts.get(tiktoken);
  if (!counts) {
    counts = new Map();
    partCounts.set(tiktoken, counts);
  }
  let tokens = counts.get(part);
  if (tokens === undefined) {
    tokens = tiktoken.encode(part).length;
    if (counts.size >= 4_096) counts.clear();
    counts.set(part, tokens);
  }
  return tokens;
}

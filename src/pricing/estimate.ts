import { imageSize } from 'image-size';
import type { Tiktoken } from 'js-tiktoken/lite';
import { isPdfProblem, readPdf } from '../content/read-pdf.js';
import { cacheMarkers } from '../jobs/cache-markers.js';
import type { NormalizedJob } from '../jobs/normalized-job.js';
import { thinkingBudget } from '../jobs/provider-options.js';
import { claudeToolTokens, isRecord } from './claude-tool-tokens.js';
import type { TokenUsage } from './prices.js';
import { countTokens, encodingForModel, loadEncoding } from './tokenizer.js';

/**
 * Token estimates before anything is sent, deliberately on the high side so that a cost limit reserved from them
 * holds (docs/cost.md has the rules, their sources and their limits):
 * - text, OpenAI: counted with the model's real tokenizer (o200k_base / cl100k_base) plus the chat format's
 *   overhead, 3 tokens a message and 3 for the reply (OpenAI cookbook, "How to count tokens with tiktoken");
 * - text, Claude (no offline tokenizer): `min(UTF-8 bytes, 2 × o200k + ½ per CJK or emoji character + the bytes of other non-ASCII ones)` per string, plus
 *   8 tokens a message and 8 a request — a bound measured on test/fixtures/token-corpus;
 * - either provider: never below `ceil(UTF-8 bytes / 3)` of the request body's JSON, the former rule;
 * - PDFs: both providers put each page into context as its text plus an image of the page. Per page: its text by
 *   the provider's text rule, plus the page's image tokens at the largest resolution the provider could render it
 *   at (the image rules below scale a large image down, so this is the most a page image can cost, whatever the
 *   provider's undocumented rendering resolution); at least 3,000 tokens a page, the top of Anthropic's documented
 *   1,500–3,000 tokens per page. An unreadable PDF counts as 100 pages of the largest image;
 * - images: Anthropic `max(width × height / 750, 28-px patches)` after scaling to at most 1.15 megapixels (about
 *   1,600 tokens; 3.75 megapixels, 4,784 tokens, for Claude Opus 4.7);
 *   OpenAI by its tile rule (scaled into 2048×2048, shortest side 768, then 512-px tiles: base + per tile, e.g. 85 +
 *   170 for gpt-4o, 2,833 + 5,667 for gpt-4o-mini) or patch rule (32-px patches, at most 1,536, times the model's
 *   multiplier); a model in neither table by the larger of both rules — an unreadable image counts as the largest;
 * - output: the job's `expectedOutputTokens` when given, else its `maxTokens` (the worst case). Anthropic thinking
 *   is output too and counts toward `maxTokens`: with `expectedOutputTokens`, its `budget_tokens` is added (capped at
 *   `maxTokens`), and with adaptive thinking (no budget) the estimate stays at `maxTokens`;
 * - Claude tools: a tool-use system prompt (at most 530 tokens) and Anthropic-defined tools' definitions (bash 245,
 *   text editor 700, computer use 1,234), which Anthropic adds to the input ({@link claudeToolTokens});
 * - Anthropic prompt caching: a request with a `cache_control` anywhere (top level, tools) may write every input
 *   token to the cache, at 1.25 times the input price, or twice it with `ttl: '1h'` ({@link worstCaseUsage});
 * - Anthropic `inference_geo: "us"`: every token price times 1.1 (`US_ONLY_INFERENCE`).
 */
export interface TokenEstimate {
  inputTokens: number;
  outputTokens: number;
  /** The longest cache lifetime the request asks Anthropic for (`cache_control`), or null when it asks for none. */
  cacheTtl: CacheTtl | null;
  /** The request's Anthropic `inference_geo` (`us` costs more), or null when it sets none. */
  inferenceGeo: string | null;
}

export type CacheTtl = '5m' | '1h';

/** The most a request of this estimate may be billed for: with caching asked for, all its input may be cache writes. */
export function worstCaseUsage(estimate: TokenEstimate): TokenUsage {
  const { inputTokens, outputTokens, cacheTtl, inferenceGeo } = estimate;
  if (cacheTtl === null) return { inputTokens, outputTokens, inferenceGeo };
  return {
    inputTokens,
    outputTokens,
    cacheWriteTokens: inputTokens,
    cacheWrite1hTokens: cacheTtl === '1h' ? inputTokens : 0,
    inferenceGeo,
  };
}

/** The `inference_geo` of an Anthropic request body, or null when it sets none. */
export function inferenceGeoOf(body: unknown): string | null {
  const geo = (body as { inference_geo?: unknown } | null)?.inference_geo;
  return typeof geo === 'string' ? geo : null;
}

/** The longest TTL of the `cache_control` markers in an Anthropic request body, or null when there are none. */
export function cacheTtlOf(body: unknown): CacheTtl | null {
  const markers = cacheMarkers(body);
  if (markers.length === 0) return null;
  return markers.some(({ marker }) => marker.ttl === '1h') ? '1h' : '5m';
}

/** The provider-blind floor: `ceil(UTF-8 bytes / 3)`. Alone it undercounts digits, hex, base64, CJK and emoji. */
export function textTokenEstimate(text: string): number {
  return Math.ceil(Buffer.byteLength(text, 'utf8') / 3);
}

/** Tokens per message of OpenAI's chat format, and for priming the reply (`<|start|>assistant<|message|>`). */
export const OPENAI_TOKENS_PER_MESSAGE = 3;
export const OPENAI_TOKENS_PER_NAME = 1;
export const OPENAI_REPLY_TOKENS = 3;

/**
 * OpenAI input tokens of a chat completion body, as OpenAI's cookbook counts them: per message 3 + its role + its
 * content (+ 1 + the name, when named), and 3 for the reply. Everything else in the body that is not a file's bytes
 * (a `response_format` schema, tools, parameters) is counted as its JSON, which is more than the model sees.
 */
export async function openaiTextTokens(
  body: unknown,
  model: string,
  counting: TextCounting = 'tokenizer',
): Promise<number> {
  const count = await openaiCounter(model, counting);
  const { messages, rest } = splitBody(body);
  let tokens = OPENAI_REPLY_TOKENS + count(JSON.stringify(rest));
  for (const message of messages) {
    tokens += OPENAI_TOKENS_PER_MESSAGE;
    for (const [key, value] of Object.entries(message)) {
      if (key === 'name') tokens += OPENAI_TOKENS_PER_NAME;
      for (const text of stringsOf(value)) tokens += count(text);
    }
  }
  return tokens;
}

/** Claude's framing allowance per message and per request (Anthropic does not publish its chat template). */
export const CLAUDE_TOKENS_PER_MESSAGE = 8;
export const CLAUDE_TOKENS_PER_REQUEST = 8;

/**
 * An upper bound of the tokens Claude's tokenizer gives a text: `min(UTF-8 bytes, 2 × o200k + ½ per CJK or emoji
 * character + the UTF-8 bytes of every other non-ASCII character)`. A byte-level BPE never makes more tokens than
 * bytes; below that, twice GPT-4o's count, with an allowance where o200k compresses better than Claude does: measured
 * for CJK and emoji, and for every other script (Greek, Cyrillic, Arabic, Hebrew, Indic, Thai, Georgian, Hangul,
 * accented Latin…) as many tokens as the character has bytes, since o200k packs some of them five times tighter than
 * Anthropic's tokenizer. Measured in docs/cost.md.
 */
export async function claudeTextTokenBound(text: string): Promise<number> {
  return claudeBound(await loadEncoding('o200k_base'), text);
}

function claudeBound(encoder: Tiktoken, text: string): number {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes === 0) return 0;
  let wide = 0;
  let otherBytes = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code <= 0x7f) continue;
    if (isCjkOrEmoji(code)) wide++;
    else otherBytes += code <= 0x7ff ? 2 : code <= 0xffff ? 3 : 4;
  }
  const allowance = Math.ceil(wide / 2) + otherBytes;
  // Mostly a script of its own: the byte cap decides, and the tokenizer need not run.
  if (allowance >= bytes) return bytes;
  return Math.min(bytes, 2 * countTokens(encoder, text) + allowance);
}

/** CJK ideographs, kana, CJK punctuation and full-width forms, and emoji (with their joiners and modifiers). */
function isCjkOrEmoji(code: number): boolean {
  return (
    (code >= 0x2e80 && code <= 0x30ff) ||
    (code >= 0x3100 && code <= 0x31ff) ||
    (code >= 0x3400 && code <= 0x4dbf) ||
    (code >= 0x4e00 && code <= 0x9fff) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xff00 && code <= 0xffef) ||
    (code >= 0x20000 && code <= 0x3ffff) ||
    (code >= 0x1f000 && code <= 0x1faff) ||
    (code >= 0x2600 && code <= 0x27bf) ||
    code === 0x200d ||
    code === 0xfe0f ||
    (code >= 0xe0020 && code <= 0xe007f)
  );
}

/**
 * Claude input tokens of a Messages API `params` body, bounded per string, plus framing allowances and what tools
 * add beyond their JSON (a tool-use system prompt, Anthropic-defined tools' definitions).
 */
export async function claudeTextTokens(body: unknown, counting: TextCounting = 'tokenizer'): Promise<number> {
  const count = await claudeCounter(counting);
  const { messages, rest } = splitBody(body);
  let tokens = CLAUDE_TOKENS_PER_REQUEST + count(JSON.stringify(rest)) + claudeToolTokens(body).tokens;
  for (const message of messages) {
    tokens += CLAUDE_TOKENS_PER_MESSAGE;
    for (const text of stringsOf(message.content)) tokens += count(text);
  }
  return tokens;
}

/**
 * How text is counted: `'tokenizer'` with o200k_base (OpenAI's own counts; Claude's measured bound), or `'bytes'`,
 * one token per UTF-8 byte — a bound as safe (a byte-level BPE never makes more tokens than bytes), looser by about
 * four times on English, and free: no tokenizer loaded (20 MB) or run (about 20 µs a short prompt). The run counts
 * with the tokenizer only where an estimate decides something: under a cost limit, or against a model's
 * enqueued-token limit.
 */
export type TextCounting = 'tokenizer' | 'bytes';

const utf8Bytes = (text: string) => Buffer.byteLength(text, 'utf8');

async function openaiCounter(model: string, counting: TextCounting): Promise<(text: string) => number> {
  if (counting === 'bytes') return utf8Bytes;
  const encoder = await loadEncoding(encodingForModel(model));
  return (text) => countTokens(encoder, text);
}

async function claudeCounter(counting: TextCounting): Promise<(text: string) => number> {
  if (counting === 'bytes') return utf8Bytes;
  const encoder = await loadEncoding('o200k_base');
  return (text) => claudeBound(encoder, text);
}

/** A body's messages, and the rest of it without the model name and file bytes. */
function splitBody(body: unknown): { messages: Record<string, unknown>[]; rest: unknown } {
  if (!isRecord(body)) return { messages: [], rest: body };
  const { messages, model: _model, ...rest } = body;
  return {
    messages: Array.isArray(messages) ? messages.filter(isRecord) : [],
    rest: JSON.parse(textOfBody(rest)) as unknown,
  };
}

/** The strings of a message's content that the model reads as text: not file bytes, not block types. */
function stringsOf(value: unknown, key = '', parent: Record<string, unknown> = {}): string[] {
  if (typeof value === 'string') {
    if (key === 'type') return [];
    // A text document's `data` is text the model reads, however much it looks like base64.
    if (key === 'data' && parent.type === 'text') return [value];
    return isEncodedFile(key, value) ? [] : [value];
  }
  if (Array.isArray(value)) return value.flatMap((item) => stringsOf(item));
  if (isRecord(value)) return Object.entries(value).flatMap(([k, v]) => stringsOf(v, k, value));
  return [];
}

/** The floor of a PDF page's tokens: the top of Anthropic's documented 1,500–3,000 tokens per page. */
export const PDF_PAGE_MIN_TOKENS = 3_000;
/** A page rendered this many pixels per point is past every provider's image cap, so it costs the most it can. */
const LARGEST_RENDER = 50;

/**
 * A PDF's input tokens: per page its text (by `textCount`) plus an image of the page at the most it can cost, at
 * least {@link PDF_PAGE_MIN_TOKENS}.
 */
export async function pdfTokenEstimate(
  data: Buffer,
  provider: 'anthropic' | 'openai',
  model: string,
  textCount: (text: string) => Promise<number> | number = textTokenEstimate,
): Promise<number> {
  const read = await readPdf(data);
  if (isPdfProblem(read)) {
    // Unreadable here does not mean unreadable to the provider: assume a long document rather than a cheap one.
    return 100 * Math.max(PDF_PAGE_MIN_TOKENS, imageTokens(8_000, 3_000, provider, model));
  }
  let tokens = 0;
  for (const page of read.pages) {
    const image = imageTokens(
      Math.max(1, page.widthPt) * LARGEST_RENDER,
      Math.max(1, page.heightPt) * LARGEST_RENDER,
      provider,
      model,
    );
    tokens += Math.max(PDF_PAGE_MIN_TOKENS, image + (await textCount(page.text)));
  }
  return tokens;
}

const OPENAI_TILES: [RegExp, { base: number; tile: number }][] = [
  [/^gpt-4o-mini/, { base: 2_833, tile: 5_667 }],
  [/^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5(-chat)?$|gpt-5-20|o1|o3)/, { base: 85, tile: 170 }],
];
const OPENAI_PATCH_MULTIPLIER: [RegExp, number][] = [
  [/^gpt-4\.1-mini/, 1.62],
  [/^gpt-4\.1-nano/, 2.46],
  [/^gpt-5-mini/, 1.62],
  [/^gpt-5-nano/, 2.46],
  [/^o4-mini/, 1.72],
];
/** For a model in neither table: the largest multiplier known, besides the tile rule at gpt-4o's rates. */
const UNKNOWN_PATCH_MULTIPLIER = 2.46;

/** An image file's input tokens from its header's pixel size; an unreadable header counts as the largest image. */
export function imageTokenEstimate(data: Buffer, provider: 'anthropic' | 'openai', model: string): number {
  // The costliest shape, should the header be unreadable: 8000 × 3000 fills OpenAI's 2048 × 768 (8 tiles, 1,536
  // patches) and is past Anthropic's pixel cap.
  let width = 8_000;
  let height = 3_000;
  try {
    const size = imageSize(new Uint8Array(data));
    if (size.width && size.height) ({ width, height } = size);
  } catch {
    // keep the largest
  }
  return imageTokens(width, height, provider, model);
}

/** An image's input tokens by its provider's documented rule (see the module's notes), on the high side. */
export function imageTokens(
  width: number,
  height: number,
  provider: 'anthropic' | 'openai',
  model: string,
): number {
  if (provider === 'anthropic') {
    // Scaled to at most ~1,600 tokens (1.15 MP); Claude Opus 4.7 reads up to 4,784 tokens (2,576 px on the long edge).
    const maxPixels = /opus-4-7/.test(model) ? 4_784 * 784 : 1_150_000;
    const scale = Math.min(1, Math.sqrt(maxPixels / (width * height)));
    const w = width * scale;
    const h = height * scale;
    // Anthropic's two documented forms: about w × h / 750, or one token per 28-px patch after padding to 28 px.
    return Math.ceil(Math.max((w * h) / 750, Math.ceil(w / 28) * Math.ceil(h / 28)));
  }
  const name = model.replace(/^ft:/, '');
  const multiplier = OPENAI_PATCH_MULTIPLIER.find(([pattern]) => pattern.test(name))?.[1];
  if (multiplier !== undefined) return patchTokens(width, height, multiplier);
  const tiles = OPENAI_TILES.find(([pattern]) => pattern.test(name))?.[1];
  if (tiles) return tileTokens(width, height, tiles);
  return Math.max(
    tileTokens(width, height, { base: 85, tile: 170 }),
    patchTokens(width, height, UNKNOWN_PATCH_MULTIPLIER),
  );
}

function patchTokens(width: number, height: number, multiplier: number): number {
  return Math.ceil(Math.min(1_536, Math.ceil(width / 32) * Math.ceil(height / 32)) * multiplier);
}

function tileTokens(width: number, height: number, { base, tile }: { base: number; tile: number }): number {
  let w = width;
  let h = height;
  const fit = Math.min(1, 2048 / Math.max(w, h));
  w *= fit;
  h *= fit;
  const shortest = Math.min(1, 768 / Math.min(w, h));
  w *= shortest;
  h *= shortest;
  return base + tile * Math.ceil(w / 512) * Math.ceil(h / 512);
}

/** Strings of a request body that are not file bytes: the prompt, system text, schemas, parameters. */
function textOfBody(body: unknown): string {
  return JSON.stringify(body, (key, value: unknown) =>
    typeof value === 'string' && isEncodedFile(key, value) ? '' : value,
  );
}

function isEncodedFile(key: string, value: string): boolean {
  if (key !== 'data' && key !== 'file_data' && key !== 'url') return false;
  return value.startsWith('data:') || (value.length > 256 && /^[A-Za-z0-9+/=]+$/.test(value));
}

/** The estimate for a job, from its exact request body and its files' bytes (in the job's order). */
export async function estimateJob(
  job: NormalizedJob,
  body: unknown,
  files: Buffer | readonly Buffer[] | null,
  counting: TextCounting = 'tokenizer',
): Promise<TokenEstimate> {
  const counted =
    job.provider === 'openai'
      ? await openaiTextTokens(body, job.model, counting)
      : await claudeTextTokens(body, counting);
  let inputTokens = Math.max(counted, textTokenEstimate(textOfBody(body)));
  const bytes = files === null ? [] : Buffer.isBuffer(files) ? [files] : files;
  for (const [index, file] of bytes.entries()) {
    if (job.content.kind !== 'file') break;
    const kind = job.content.files[index]?.kind;
    const count =
      job.provider === 'openai' ? await openaiCounter(job.model, counting) : await claudeCounter(counting);
    const textCount = (text: string) => Math.max(textTokenEstimate(text), count(text));
    if (kind === 'pdf') inputTokens += await pdfTokenEstimate(file, job.provider, job.model, textCount);
    else if (kind === 'image') inputTokens += imageTokenEstimate(file, job.provider, job.model);
    // A text file is in the body as text already.
  }
  return {
    inputTokens,
    outputTokens: outputEstimate(job),
    cacheTtl: job.provider === 'anthropic' ? cacheTtlOf(body) : null,
    inferenceGeo: job.provider === 'anthropic' ? inferenceGeoOf(body) : null,
  };
}

/** The output a job may bill: its answer and, on Claude with thinking on, its thinking. */
export function outputEstimate(job: NormalizedJob): number {
  if (job.expectedOutputTokens === undefined) return job.maxTokens;
  const thinking = job.provider === 'anthropic' ? thinkingBudget(job.providerOptions) : null;
  if (!thinking) return job.expectedOutputTokens;
  if (thinking.budget === null) return job.maxTokens;
  return Math.min(job.maxTokens, job.expectedOutputTokens + thinking.budget);
}

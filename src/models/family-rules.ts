import type { ReasoningEffort } from '../types.js';

export type ProviderName = 'anthropic' | 'openai';

/** The `reasoning_effort` values of each generation of OpenAI reasoning models (OpenAI's reasoning guide). */
const O_SERIES: readonly ReasoningEffort[] = ['low', 'medium', 'high'];
const GPT5: readonly ReasoningEffort[] = ['minimal', 'low', 'medium', 'high'];
const GPT51: readonly ReasoningEffort[] = ['none', 'low', 'medium', 'high'];
const GPT52: readonly ReasoningEffort[] = ['none', 'low', 'medium', 'high', 'xhigh'];

/** OpenAI's reasoning guide: reasoning models take none of these; their other sampling values only at the default. */
const OPENAI_REASONING_REJECTS = [
  'top_p',
  'presence_penalty',
  'frequency_penalty',
  'logprobs',
  'top_logprobs',
  'logit_bias',
] as const;
/** Claude Opus 4.7 and later, Sonnet 5 and later: non-default sampling values are a 400 (their model pages). */
const CLAUDE_SAMPLING = ['temperature', 'top_p', 'top_k'] as const;

/**
 * What batchwise knows about one family of models. A field left out is unknown: batchwise then assumes the model
 * can do it and says so in a warning, rather than refusing a model it has not heard of.
 */
export interface FamilyRule {
  /**
   * The model names the rule covers: a name, or a prefix ending in `*` (`gpt-4o*` covers `gpt-4o-2024-08-06`).
   * Fine-tunes (`ft:<base>:…`) are matched by their base model. The first matching rule wins.
   */
  pattern: string;
  provider: ProviderName;
  /** Tokens of input and output together; when absent, the price table's figure is used. */
  contextWindow?: number;
  maxOutputTokens?: number;
  /** Inclusive range, or null when the model takes no temperature. */
  temperature?: { min: number; max: number } | null;
  /**
   * A reasoning model: its output limit is `max_completion_tokens` (which includes the hidden reasoning) and it takes
   * no temperature; other models take `max_tokens`. Claude's thinking is a provider option, not this.
   */
  reasoning?: boolean;
  /** The `reasoning_effort` values a reasoning model takes. */
  reasoningEfforts?: readonly ReasoningEffort[];
  structured?: boolean;
  pdf?: boolean;
  images?: boolean;
  citations?: boolean;
  /** Request body fields the model refuses (a 400 from the provider). */
  rejects?: readonly string[];
  /** PDF pages per request. */
  pdfPages?: number;
  /** Deprecated or retired: the day requests start failing, and the provider's recommended replacement. */
  shutdown?: { date: string; replacement: string };
  /** Where the facts come from (a key of {@link SOURCES}). */
  source: keyof typeof SOURCES;
}

/** The documents the rules are written from. */
export const SOURCES = {
  'anthropic-models':
    'platform.claude.com/docs/en/about-claude/models/overview and the per-model pages (platform.claude.com/docs/en/models/<model>/overview)',
  'anthropic-deprecations': 'platform.claude.com/docs/en/about-claude/model-deprecations',
  'openai-models': 'developers.openai.com/api/docs/models (model pages) and the reasoning guide',
  'openai-deprecations': 'developers.openai.com/api/docs/deprecations',
  provider: 'the provider alone: nothing more is known about this name',
} as const;

/** What holds for every model of a provider unless its rule says otherwise. */
export const PROVIDER_DEFAULTS: Record<ProviderName, Omit<FamilyRule, 'pattern' | 'provider' | 'source'>> = {
  // Anthropic's API version 2026-10-21, which @anthropic-ai/sdk 1.x sends, removed temperature, top_p and top_k
  // (platform.claude.com/docs/en/api/versioning). Every current Claude model reads images, PDFs and cites documents.
  anthropic: { temperature: null, reasoning: false, images: true, pdf: true, citations: true },
  // Citations of documents are an Anthropic feature; OpenAI's chat completions have none.
  openai: { citations: false },
};

const claude1M = { contextWindow: 1_000_000, pdfPages: 600, structured: true } as const;
const claude200k = { contextWindow: 200_000, pdfPages: 100 } as const;
const gpt = { temperature: { min: 0, max: 2 }, reasoning: false, pdf: true, images: true } as const;
const reasoning = {
  reasoning: true,
  temperature: null,
  pdf: true,
  images: true,
  rejects: OPENAI_REASONING_REJECTS,
} as const;

/** Retired at `date`: requests fail from that day on. */
const retired = (
  pattern: string,
  provider: ProviderName,
  date: string,
  replacement: string,
  extra: Partial<FamilyRule> = {},
): FamilyRule => ({
  pattern,
  provider,
  shutdown: { date, replacement },
  source: provider === 'anthropic' ? 'anthropic-deprecations' : 'openai-deprecations',
  ...extra,
});

/**
 * The per-family rules, most specific first. Dates and replacements are the providers' deprecation pages as of
 * November 2026; `npm run docs:models` writes docs/models.md from this table.
 */
export const FAMILY_RULES: readonly FamilyRule[] = [
  // --- Anthropic: current models ---------------------------------------------------------------------------------
  {
    pattern: 'claude-opus-5*',
    provider: 'anthropic',
    ...claude1M,
    maxOutputTokens: 128_000,
    rejects: CLAUDE_SAMPLING,
    source: 'anthropic-models',
  },
  {
    pattern: 'claude-sonnet-5*',
    provider: 'anthropic',
    ...claude1M,
    maxOutputTokens: 128_000,
    rejects: CLAUDE_SAMPLING,
    source: 'anthropic-models',
  },
  {
    pattern: 'claude-fable-5-1*',
    provider: 'anthropic',
    ...claude1M,
    maxOutputTokens: 128_000,
    rejects: CLAUDE_SAMPLING,
    source: 'anthropic-models',
  },
  {
    pattern: 'claude-opus-4-8*',
    provider: 'anthropic',
    ...claude1M,
    rejects: CLAUDE_SAMPLING,
    source: 'anthropic-models',
  },
  {
    pattern: 'claude-opus-4-7*',
    provider: 'anthropic',
    ...claude1M,
    maxOutputTokens: 128_000,
    rejects: CLAUDE_SAMPLING,
    source: 'anthropic-models',
  },
  {
    pattern: 'claude-opus-4-6*',
    provider: 'anthropic',
    ...claude1M,
    maxOutputTokens: 128_000,
    source: 'anthropic-models',
  },
  {
    pattern: 'claude-sonnet-4-6*',
    provider: 'anthropic',
    ...claude1M,
    maxOutputTokens: 64_000,
    source: 'anthropic-models',
  },
  {
    pattern: 'claude-opus-4-5*',
    provider: 'anthropic',
    ...claude200k,
    maxOutputTokens: 64_000,
    structured: true,
    source: 'anthropic-models',
  },
  {
    pattern: 'claude-haiku-4-5*',
    provider: 'anthropic',
    ...claude200k,
    maxOutputTokens: 64_000,
    structured: true,
    source: 'anthropic-models',
  },
  // Deprecated: still served until its shutdown day. The date is the one recorded from Anthropic's deprecations page
  // for issue 12; the copies of that page found (model-eol's feed, August 2026) predate the announcement.
  retired('claude-sonnet-4-5*', 'anthropic', '2026-11-30', 'claude-sonnet-4-6', {
    ...claude200k,
    maxOutputTokens: 64_000,
    structured: true,
  }),
  // --- Anthropic: retired (dates from the deprecations page, as copied by the model-eol feed, July 2026) -----------
  // Structured outputs came with the 4.5 generation: the 4.0 and 4.1 models never had them.
  retired('claude-opus-4-1*', 'anthropic', '2026-08-05', 'claude-opus-4-8', {
    ...claude200k,
    structured: false,
  }),
  retired('claude-opus-4-0*', 'anthropic', '2026-06-15', 'claude-opus-4-8', {
    ...claude200k,
    structured: false,
  }),
  retired('claude-opus-4-2025*', 'anthropic', '2026-06-15', 'claude-opus-4-8', {
    ...claude200k,
    structured: false,
  }),
  retired('claude-sonnet-4-0*', 'anthropic', '2026-06-15', 'claude-sonnet-4-6', {
    ...claude200k,
    structured: false,
  }),
  retired('claude-sonnet-4-2025*', 'anthropic', '2026-06-15', 'claude-sonnet-4-6', {
    ...claude200k,
    structured: false,
  }),
  retired('claude-3-7-sonnet*', 'anthropic', '2026-02-19', 'claude-sonnet-4-6', { structured: false }),
  retired('claude-3-5-haiku*', 'anthropic', '2026-02-19', 'claude-haiku-4-5', {
    structured: false,
    pdf: false,
  }),
  retired('claude-3-5-sonnet*', 'anthropic', '2025-10-28', 'claude-sonnet-4-6', { structured: false }),
  retired('claude-3-haiku*', 'anthropic', '2026-04-20', 'claude-haiku-4-5', { structured: false }),
  retired('claude-3-opus*', 'anthropic', '2026-01-05', 'claude-opus-4-8', { structured: false }),
  retired('claude-3-sonnet*', 'anthropic', '2025-07-21', 'claude-sonnet-4-6', { structured: false }),
  retired('claude-2*', 'anthropic', '2025-07-21', 'claude-opus-4-8', { structured: false }),
  retired('claude-instant-*', 'anthropic', '2024-11-06', 'claude-haiku-4-5', { structured: false }),
  { pattern: 'claude-*', provider: 'anthropic', source: 'provider' },

  // --- OpenAI ------------------------------------------------------------------------------------------------------
  // Shutdown dates and replacements: OpenAI's deprecations page, as copied in full by dev.to/importstatic (2026-10-15)
  // and dev.to/max_bob (2026-10-28, checked against GET /v1/models' shutdown_date); the official page itself could
  // only be read in part. Fine-tuned models follow their base model's schedule (same page).
  // --- OpenAI: gpt-5 family (reasoning models: max_completion_tokens, no temperature) ------------------------------
  retired('gpt-5-chat-latest', 'openai', '2026-07-23', 'gpt-5.6-sol'),
  retired('gpt-5-codex*', 'openai', '2026-07-23', 'gpt-5.6-sol'),
  retired('gpt-5.1-chat-latest', 'openai', '2026-07-23', 'gpt-5.6-sol'),
  retired('gpt-5.1-codex*', 'openai', '2026-07-23', 'gpt-5.6-sol'),
  retired('gpt-5.2-chat-latest', 'openai', '2026-08-10', 'gpt-5.6-sol'),
  retired('gpt-5.2-codex*', 'openai', '2026-07-23', 'gpt-5.6-sol'),
  retired('gpt-5.3-chat-latest', 'openai', '2026-08-10', 'gpt-5.6-sol'),
  retired('gpt-5-pro*', 'openai', '2026-12-11', 'gpt-5.6-sol', { ...reasoning, reasoningEfforts: ['high'] }),
  retired('gpt-5-mini*', 'openai', '2026-12-11', 'gpt-5.6-terra', {
    ...reasoning,
    reasoningEfforts: GPT5,
    maxOutputTokens: 128_000,
    structured: true,
  }),
  retired('gpt-5-nano*', 'openai', '2026-12-11', 'gpt-5.6-luna', {
    ...reasoning,
    reasoningEfforts: GPT5,
    maxOutputTokens: 128_000,
    structured: true,
  }),
  retired('gpt-5-2025*', 'openai', '2026-12-11', 'gpt-5.6-sol', {
    ...reasoning,
    reasoningEfforts: GPT5,
    maxOutputTokens: 128_000,
    structured: true,
  }),
  retired('gpt-5', 'openai', '2026-12-11', 'gpt-5.6-sol', {
    ...reasoning,
    reasoningEfforts: GPT5,
    maxOutputTokens: 128_000,
    structured: true,
  }),
  {
    pattern: 'gpt-5.1*',
    provider: 'openai',
    ...reasoning,
    reasoningEfforts: GPT51,
    maxOutputTokens: 128_000,
    structured: true,
    source: 'openai-models',
  },
  {
    pattern: 'gpt-5.2*',
    provider: 'openai',
    ...reasoning,
    reasoningEfforts: GPT52,
    maxOutputTokens: 128_000,
    structured: true,
    source: 'openai-models',
  },
  { pattern: 'gpt-5*', provider: 'openai', reasoning: true, temperature: null, source: 'openai-models' },
  // gpt-6-luna reasons by default (OpenAI's gpt-4o/gpt-4.1 shutdown notice).
  { pattern: 'gpt-6*', provider: 'openai', reasoning: true, temperature: null, source: 'openai-models' },

  // --- OpenAI: gpt-4.1 and gpt-4o (max_tokens, temperature 0–2) --------------------------------------------------
  retired('gpt-4.1-nano*', 'openai', '2026-10-23', 'gpt-5.6-luna'),
  retired('gpt-4.1*', 'openai', '2027-01-14', 'gpt-6-luna', {
    ...gpt,
    maxOutputTokens: 32_768,
    structured: true,
  }),
  retired('gpt-4.5-preview*', 'openai', '2025-07-14', 'gpt-4.1'),
  // The first gpt-4o snapshot predates Structured Outputs (they came with gpt-4o-2024-08-06).
  retired('gpt-4o-2024-05-13', 'openai', '2026-10-23', 'gpt-5.6-sol', { structured: false }),
  retired('gpt-4o-mini-search-preview*', 'openai', '2026-07-23', 'gpt-5.6-terra'),
  retired('gpt-4o-search-preview*', 'openai', '2026-07-23', 'gpt-5.6-terra'),
  retired('gpt-4o-mini-audio-preview*', 'openai', '2026-05-07', 'gpt-audio-mini'),
  retired('gpt-4o-audio-preview*', 'openai', '2026-05-07', 'gpt-audio-1.5'),
  retired('gpt-4o-mini*', 'openai', '2027-01-14', 'gpt-6-luna', {
    ...gpt,
    maxOutputTokens: 16_384,
    structured: true,
  }),
  retired('gpt-4o*', 'openai', '2027-01-14', 'gpt-6-luna', {
    ...gpt,
    maxOutputTokens: 16_384,
    structured: true,
  }),
  retired('chatgpt-4o-latest', 'openai', '2026-02-17', 'gpt-5.6-sol'),
  retired('gpt-4-32k*', 'openai', '2025-06-06', 'gpt-4o'),
  retired('gpt-4-vision-preview', 'openai', '2024-12-06', 'gpt-4o'),
  retired('gpt-4-0314', 'openai', '2026-03-26', 'gpt-5'),
  retired('gpt-4-0125-preview', 'openai', '2026-03-26', 'gpt-5'),
  retired('gpt-4-turbo-preview', 'openai', '2026-03-26', 'gpt-5'),
  // gpt-4, gpt-4-0613, gpt-4-turbo and gpt-4-1106-preview: never had Structured Outputs.
  retired('gpt-4-*', 'openai', '2026-10-23', 'gpt-5.6-sol', { structured: false }),
  retired('gpt-4', 'openai', '2026-10-23', 'gpt-5.6-sol', { structured: false }),
  retired('gpt-3.5-turbo-0301', 'openai', '2024-09-13', 'gpt-3.5-turbo'),
  retired('gpt-3.5-turbo-0613', 'openai', '2024-09-13', 'gpt-3.5-turbo'),
  retired('gpt-3.5-turbo-16k*', 'openai', '2024-09-13', 'gpt-3.5-turbo'),
  retired('gpt-3.5-turbo-1106', 'openai', '2026-09-28', 'gpt-5.6-terra', { structured: false }),
  retired('gpt-3.5-turbo*', 'openai', '2026-10-23', 'gpt-5.6-terra', { structured: false }),
  { pattern: 'gpt-*', provider: 'openai', source: 'provider' },

  // --- OpenAI: o-series (reasoning models) -----------------------------------------------------------------------
  retired('o1-preview*', 'openai', '2025-07-28', 'o3'),
  retired('o1-mini*', 'openai', '2025-10-27', 'o4-mini'),
  retired('o1*', 'openai', '2026-10-23', 'gpt-5.6-sol'),
  retired('o3-mini*', 'openai', '2026-10-23', 'gpt-5.6-sol'),
  retired('o3-deep-research*', 'openai', '2026-07-23', 'gpt-5.6-sol'),
  retired('o3-pro*', 'openai', '2026-12-11', 'gpt-5.6-sol', { ...reasoning, reasoningEfforts: O_SERIES }),
  retired('o3*', 'openai', '2026-12-11', 'gpt-5.6-sol', {
    ...reasoning,
    reasoningEfforts: O_SERIES,
    maxOutputTokens: 100_000,
    structured: true,
  }),
  retired('o4-mini-deep-research*', 'openai', '2026-07-23', 'gpt-5.6-sol'),
  retired('o4-mini*', 'openai', '2026-10-23', 'gpt-5.6-terra'),
  retired('codex-mini-latest', 'openai', '2026-02-12', 'gpt-5.6-sol'),
];

/** A rule's pattern as a RegExp: `*` is any run of characters, everything else literal. */
export function patternRegExp(pattern: string): RegExp {
  const literal = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${literal.join('.*')}$`);
}

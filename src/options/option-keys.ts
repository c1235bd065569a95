import type { BatchOptions, RunOptions } from '../batch.js';
import type { ModelRegistration } from '../models/registry.js';
import type { ModelPrice } from '../pricing/prices.js';
import type { AnthropicProviderOptions } from '../providers/anthropic/anthropic-provider.js';
import type { OpenAIProviderOptions } from '../providers/openai/openai-provider.js';
import type { PollOptions, RetryOptions } from '../run/run-config.js';
import type { JobInput, JobSettings } from '../types.js';

/** The keys an options object may have. */
export type OptionKeys = Readonly<Record<string, true>>;

/**
 * Each list is checked against its public type by `satisfies Record<keyof T, true>`: a key added to the type and not
 * here (or the other way round) fails the type check, so the runtime refusal of unknown keys cannot drift from the
 * types JavaScript callers never see.
 */
export const BATCH_OPTION_KEYS = {
  resultsDir: true,
  maxConcurrent: true,
  itemsPerBatch: true,
  saveRawResponses: true,
  anthropic: true,
  openai: true,
  poll: true,
  retry: true,
  prices: true,
  stateFile: true,
  reuseState: true,
  maxRetries: true,
  enqueuedTokenLimit: true,
} as const satisfies Record<keyof BatchOptions, true>;

export const RUN_OPTION_KEYS = {
  onProgress: true,
  progressIntervalMs: true,
  wait: true,
} as const satisfies Record<keyof RunOptions, true>;

export const POLL_OPTION_KEYS = {
  initialMs: true,
  maxMs: true,
  factor: true,
} as const satisfies Record<keyof PollOptions, true>;

export const RETRY_OPTION_KEYS = {
  attempts: true,
  initialDelayMs: true,
  maxDelayMs: true,
} as const satisfies Record<keyof RetryOptions, true>;

export const ANTHROPIC_OPTION_KEYS = {
  apiKey: true,
  baseURL: true,
  maxRetries: true,
  limits: true,
} as const satisfies Record<keyof AnthropicProviderOptions, true>;

export const OPENAI_OPTION_KEYS = {
  apiKey: true,
  baseURL: true,
  maxRetries: true,
  deleteInputFile: true,
  limits: true,
} as const satisfies Record<keyof OpenAIProviderOptions, true>;

export const LIMITS_KEYS = {
  maxRequests: true,
  maxBytes: true,
} as const satisfies Record<keyof NonNullable<OpenAIProviderOptions['limits']>, true>;

export const PRICE_KEYS = {
  inputPerMTok: true,
  outputPerMTok: true,
  cacheReadPerMTok: true,
  cacheWritePerMTok: true,
} as const satisfies Record<keyof ModelPrice, true>;

export const JOB_SETTING_KEYS = {
  model: true,
  provider: true,
  temperature: true,
  maxTokens: true,
  reasoningEffort: true,
  enableCitations: true,
  responseModel: true,
  expectedOutputTokens: true,
  retryInvalid: true,
  providerOptions: true,
} as const satisfies Record<keyof JobSettings, true>;

export const JOB_INPUT_KEYS = {
  ...JOB_SETTING_KEYS,
  id: true,
  messages: true,
  file: true,
  files: true,
  prompt: true,
} as const satisfies Record<keyof JobInput, true>;

export const MODEL_INFO_KEYS = {
  name: true,
  provider: true,
  aliases: true,
  maxOutputTokens: true,
  temperature: true,
  reasoning: true,
  contextWindow: true,
  capabilities: true,
} as const satisfies Record<keyof ModelRegistration, true>;

export const TIME_LIMIT_KEYS = {
  seconds: true,
  minutes: true,
  hours: true,
  graceSeconds: true,
} as const;

export const DRY_RUN_OPTION_KEYS = { sample: true, countTokens: true } as const;
export const COUNT_TOKENS_KEYS = { concurrency: true } as const;
export const WAIT_OPTION_KEYS = { timeoutMs: true } as const;
export const SHUTDOWN_OPTION_KEYS = { waitForActive: true } as const;
export const STATUS_OPTION_KEYS = { print: true } as const;
export const COST_LIMIT_KEYS = { usd: true } as const;

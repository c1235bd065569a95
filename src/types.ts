import type {
  Model as AnthropicModel,
  MessageCreateParamsNonStreaming,
  OutputConfig,
} from '@anthropic-ai/sdk/resources/messages';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import type { ChatModel } from 'openai/resources/shared';
import type { ErrorInfo } from './errors.js';
import type { ProviderName } from './models/registry.js';
import type { ResponseSchema } from './structured/schema.js';

/** One turn of a conversation. `system` turns become the provider's system prompt. */
export interface Message {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/**
 * A file given to a job: a path, or bytes with a name. Its type (PDF, PNG, JPEG, GIF, WebP or UTF-8 text) is read
 * from its bytes: an extension that says otherwise is logged as a warning and the bytes win; a `mediaType` that says
 * otherwise is refused (`file_type_mismatch`). `name` is the document title providers see. See docs/files.md.
 *
 * @example
 * batch.addJob({ file: './invoice.pdf', prompt: 'Extract the invoice' });
 * batch.addJob({ file: { data: pngBytes, name: 'receipt.png' }, prompt: 'Total?' });
 */
export type FileInput =
  | string
  | { path: string; name?: string; mediaType?: string }
  | { data: Uint8Array; name: string; mediaType?: string };

/** Settings a job may take from `defaults()` or set itself. */
export interface JobSettings<S extends ResponseSchema | undefined = ResponseSchema | undefined> {
  /**
   * Any model name of either provider: a name the family table covers (docs/models.md) is checked against its rules;
   * another one is accepted when its provider is known by its pattern (`claude-…`, `gpt-…`, `ft:…`) or given as
   * `provider`, and what batchwise does not know about it is assumed, with a warning. Retired models are refused.
   */
  model?: ModelName;
  /**
   * The provider serving `model`, for names no pattern recognises (a private deployment); must agree with the
   * pattern when there is one. @default from the model's name
   */
  provider?: ProviderName;
  /**
   * Within the model's range (GPT 0–2). Reasoning models and Claude take none (Anthropic's API version 2026-10-21,
   * which @anthropic-ai/sdk 1.x sends, removed it): a default temperature is dropped for them, a job's own refused.
   */
  temperature?: number;
  /**
   * A positive integer at most the model's output maximum. On reasoning models (gpt-5 family, o-series) it is
   * `max_completion_tokens`, which includes the hidden reasoning tokens: an answer whose budget reasoning used up comes
   * back empty and ends `failed` with `error.code: 'output_truncated'`, as does a `responseModel` answer cut off
   * before it was complete (it is not sent again by `retryInvalid`: the same budget would cut it again).
   * @default 1024; 25,000 on reasoning models (OpenAI's advice), capped at the model's maximum
   */
  maxTokens?: number;
  /**
   * How hard a reasoning model (gpt-5 family, o-series) thinks before it answers; sent as `reasoning_effort`. Less
   * effort spends fewer reasoning tokens out of `maxTokens`. Each generation takes its own values (docs/models.md;
   * `invalid_reasoning_effort` otherwise). Refused at `addJob` on other models (code `reasoning_effort_unsupported`).
   * @default the model's own (`medium`; `none` from gpt-5.1 on)
   */
  reasoningEffort?: ReasoningEffort;
  /**
   * Ask Claude to cite the job's PDF and text files (docs/citations.md). `true` or `false` only: a string such as
   * `'false'` is refused at `addJob` (`invalid_option`), never taken as truthy. @default false
   */
  enableCitations?: boolean;
  /**
   * A zod object schema (zod 3.25+ or 4): the answer is requested as JSON of this shape through the provider's own
   * structured output, validated with the schema, and typed as `z.infer<typeof schema>` in `parsedResponse`. On a
   * job, `null` opts out of a schema set in `defaults()`, and of the `retryInvalid` set there with it (one the job
   * sets itself is refused: nothing to validate). Jobs added in a loop keep the builder's type: declare it as
   * `new Batch<z.infer<typeof Schema>>()` or set the schema in `defaults()`.
   */
  responseModel?: S | null;
  /**
   * The output you expect, for cost estimates and reservations; without it they assume `maxTokens` (the worst
   * case, under which a cost limit can never be passed).
   */
  expectedOutputTokens?: number;
  /**
   * Send a job whose answer did not validate again, with the validation error added, up to this many times. Needs a
   * `responseModel`; a job with `responseModel: null` does not take the one from `defaults()`. At most 20: each retry
   * is a paid request. @default 0
   */
  retryInvalid?: number;
  /**
   * Request body fields batchwise does not set itself, per provider, merged into the body as given (plain JSON):
   * Anthropic `thinking`, `stop_sequences`, `metadata`, `cache_control`, `service_tier`, `output_config.effort`…;
   * OpenAI `top_p`, `stop`, `seed`, `user`, `service_tier`, `metadata`, `verbosity`… Only the job's provider's
   * options are used, so `defaults()` may hold both. A job's options are merged shallowly over the defaults' (a key
   * the job sets replaces the default's value whole; `undefined` drops it). Keys batchwise owns are refused at
   * `addJob` with the option to use instead (`max_tokens` → `maxTokens`, `response_format` → `responseModel`, …).
   * See docs/provider-options.md.
   *
   * @example
   * ```ts
   * batch.defaults({ model: 'claude-sonnet-4-6', maxTokens: 16_000,
   *   providerOptions: { anthropic: { thinking: { type: 'enabled', budget_tokens: 8_000 } }, openai: { seed: 7 } } });
   * ```
   */
  providerOptions?: ProviderOptions;
}

/**
 * Provider request fields passed through to the body, typed from the official SDKs' own request types without the
 * fields batchwise sets. Checked again at `addJob`, so a cast cannot smuggle an owned key in.
 */
export interface ProviderOptions {
  anthropic?: AnthropicRequestOptions;
  openai?: OpenAIRequestOptions;
}

/** Messages API fields of `@anthropic-ai/sdk`'s `MessageCreateParams`, less those batchwise sets or that are headers. */
export type AnthropicRequestOptions = Omit<
  Partial<MessageCreateParamsNonStreaming>,
  | 'model'
  | 'messages'
  | 'system'
  | 'max_tokens'
  | 'stream'
  | 'output_config'
  | 'user_profile_id'
  | 'workspace_id'
> & {
  /** `effort` only: `format` is batchwise's (`responseModel`). */
  output_config?: Omit<OutputConfig, 'format'>;
};

/** Chat Completions fields of `openai`'s `ChatCompletionCreateParams`, less those batchwise sets. */
export type OpenAIRequestOptions = Omit<
  Partial<ChatCompletionCreateParamsNonStreaming>,
  | 'model'
  | 'messages'
  | 'max_tokens'
  | 'max_completion_tokens'
  | 'response_format'
  | 'temperature'
  | 'reasoning_effort'
  | 'stream'
  | 'stream_options'
  | 'n'
>;

/**
 * The `reasoning_effort` values of OpenAI's reasoning models; which ones a model takes depends on its generation
 * (docs/models.md): o-series `low`–`high`, gpt-5 `minimal`–`high`, gpt-5.1 `none`–`high`, gpt-5.2 `none`–`xhigh`.
 */
/** Model names: the SDKs' lists for completion, any other string accepted. */
export type ModelName = AnthropicModel | ChatModel | (string & {});

export type ReasoningEffort = 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh' | 'max';

/** One request: either `messages`, or a `file` (or several `files`) with a `prompt`. */
export interface JobInput<S extends ResponseSchema | undefined = ResponseSchema | undefined>
  extends JobSettings<S> {
  /** Letters, digits, `_` and `-`, at most 48 characters; generated (`job-00001`, …) when absent. */
  id?: string;
  messages?: Message[];
  file?: FileInput;
  /**
   * Several files for one request, e.g. a contract and its invoice, sent in this order before the prompt. Each goes
   * through the checks of `file`; their bytes together must fit the provider's request limit and their pages
   * together the model's page limit. With `enableCitations` each citation names its document (`source`, and
   * `metadata.documentIndex`: the position among the PDF and text files). Not together with `file`.
   *
   * @example
   * batch.addJob({ files: ['./contract.pdf', './invoice.pdf'], prompt: 'Does the invoice match the contract?' });
   */
  files?: FileInput[];
  prompt?: string;
}

/**
 * How a job ended. `failed` carries the provider's or batchwise's reason in `error.code`: `errored`, `output_truncated`,
 * `batch_failed`, `submit_failed`, `time_limit`, `missing_result`, …; `invalid` means the answer did not parse or
 * validate against the job's `responseModel` (`error.issues` says where; `rawResponse` keeps the text).
 */
export type JobStatus = 'succeeded' | 'failed' | 'invalid' | 'cancelled' | 'expired';

/** A passage of a document the provider cited. */
export interface Citation {
  /** The quoted text of the document, as the provider gives it (`\r\n`, hyphenation marks and all). */
  text: string;
  /** The title of the document it quotes (its file name), by the citation's `document_index`. */
  source: string | null;
  /** 1-based page for PDFs (`page_location`), else null. */
  page: number | null;
  /**
   * `type`; `documentIndex` (which of the job's files, in the order given); `startPage`/`endPage` (1-based, both
   * inclusive: Anthropic's exclusive `end_page_number` less one) or `startChar`/`endChar` (end exclusive) or
   * `startBlock`/`endBlock`; and `context` (the answer text the citation is attached to).
   */
  metadata: Record<string, unknown>;
}

/**
 * A citation mapped to a field of the parsed response: the passage supports the field's value. See
 * docs/citations.md for how values and passages are matched, and what the mapping cannot know.
 */
export interface MappedCitation extends Citation {
  /**
   * How sure the mapping is. `high`: the passage has the value (in some spelling) and the answer wrote the value in
   * the block citing it, or the field's name or a sibling's value stands near it. `medium`: the passage has the value
   * and nothing else points elsewhere, or the only block writing the value cites it. `low`: the value appears in
   * several passages and nothing says which one it came from.
   */
  confidence: 'high' | 'medium' | 'low';
  /** Why, in words: what was found where (`the passage has the number "1,250.00", with the field's name near it`). */
  matchReason: string;
}

/** The one result every job ends with. Plain JSON: this is what `resultsDir/<jobId>.json` holds. */
export interface JobResult<T = unknown> {
  jobId: string;
  status: JobStatus;
  isSuccess: boolean;
  /**
   * The model's text (or JSON text), as returned. A job whose retry brought no answer (held back by a cost limit,
   * stopped, cancelled, errored) keeps the rejected answer it paid for.
   */
  rawResponse: string | null;
  /** The validated object when the job had a `responseModel` and the answer matched it; otherwise null. */
  parsedResponse: T | null;
  citations: Citation[];
  /**
   * Field path (`vendor`, `address.city`, `lineItems[2].amount`; a key holding `.`, `[`, `]` or `"` quoted:
   * `meta["a.b"]`) -> the citations that support its value. `error.issues` name fields the same way.
   */
  citationMappings: Record<string, MappedCitation[]>;
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  /** Null while prices are not known to batchwise (never a made-up $0). */
  costUsd: number | null;
  error: ErrorInfo | null;
  provider: ProviderName;
  model: string;
  providerBatchId: string | null;
  /** `end_turn`, `max_tokens`, `stop`, `length`, … as the provider said. */
  stopReason: string | null;
  /** How many times the job was sent (more than 1 after `retryInvalid` resent it). */
  attempts: number;
}

/** A snapshot of a run. Every count is consistent: `pending + active + completed + failed === total`. */
export interface Progress {
  /** This run's id. */
  batchId: string;
  total: number;
  /** Jobs not yet sent to a provider. */
  pending: number;
  /** Jobs in a provider batch that has no result for them yet. */
  active: number;
  /** Jobs that succeeded. */
  completed: number;
  /** Jobs that ended any other way. */
  failed: number;
  /** Spent plus reserved by jobs in flight (at their estimates); null while a model's price is unknown. */
  costUsd: number | null;
  /** What finished jobs cost. */
  costSpentUsd: number | null;
  /** What in-flight jobs may still cost, at their estimates. */
  costReservedUsd: number;
  costLimitUsd: number | null;
  isComplete: boolean;
  batchesTotal: number;
  batchesCompleted: number;
  batchesPending: number;
  itemsPerBatch: number;
  elapsedMs: number;
  /**
   * Jobs the providers have processed: those with a result (`completed + failed`) plus those a provider batch in
   * flight reports as done whose answers are not collected yet. OpenAI reports `request_counts` while a batch runs,
   * so a bar over this moves during a long batch; Anthropic reports counts only when a batch has ended. It never
   * goes down: a job sent again after an invalid answer (`retryInvalid`) or an expiry stays counted as processed.
   */
  processedByProvider: number;
  /**
   * Milliseconds until every job is processed, from the rate seen so far in this run (`processedByProvider` gained
   * since the run started, over `elapsedMs`); `null` until something was processed, and while every job was processed
   * but some are out again (a `retryInvalid` round); `0` once complete. An estimate:
   * providers process a batch at their own pace, often unevenly.
   */
  etaMs: number | null;
}

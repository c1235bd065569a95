import type { ErrorInfo } from './errors.js';
import type { ProviderName } from './models/registry.js';

/** One turn of a conversation. `system` turns become the provider's system prompt. */
export interface Message {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** A file given to a job: a path, or bytes with a name and media type. */
export type FileInput =
  | string
  | { path: string; name?: string; mediaType?: string }
  | { data: Uint8Array; name: string; mediaType?: string };

/** Settings a job may take from `defaults()` or set itself. */
export interface JobSettings {
  model?: string;
  /** Within the model's range (Claude 0–1, GPT 0–2). Reasoning models take none: a default temperature is dropped. */
  temperature?: number;
  /** A positive integer at most the model's output maximum. @default 1024 */
  maxTokens?: number;
  enableCitations?: boolean;
}

/** One request: either `messages`, or a `file` with a `prompt`. */
export interface JobInput extends JobSettings {
  /** Letters, digits, `_` and `-`, at most 64 characters; generated (`job-00001`, …) when absent. */
  id?: string;
  messages?: Message[];
  file?: FileInput;
  prompt?: string;
}

/**
 * How a job ended. `failed` carries the provider's or batchwise's reason in `error.code`: `errored`,
 * `batch_failed`, `submit_failed`, `time_limit`, `missing_result`, …
 */
export type JobStatus = 'succeeded' | 'failed' | 'cancelled' | 'expired';

export interface Citation {
  text: string;
  source: string | null;
  page: number | null;
  metadata: Record<string, unknown>;
}

/** The one result every job ends with. Plain JSON: this is what `resultsDir/<jobId>.json` holds. */
export interface JobResult<T = unknown> {
  jobId: string;
  status: JobStatus;
  isSuccess: boolean;
  /** The model's text (or JSON text), as returned. */
  rawResponse: string | null;
  parsedResponse: T | null;
  citations: Citation[];
  citationMappings: Record<string, Citation[]>;
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
  costUsd: number | null;
  costLimitUsd: number | null;
  isComplete: boolean;
  batchesTotal: number;
  batchesCompleted: number;
  batchesPending: number;
  itemsPerBatch: number;
  elapsedMs: number;
}

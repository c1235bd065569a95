import type { ErrorInfo } from '../errors.js';
import type { NormalizedJob } from '../jobs/normalized-job.js';
import type { ProviderName } from '../models/registry.js';
import type { RequestLines, WireFraming } from './request-lines.js';

/** One job as a line of a provider batch. */
export interface ProviderRequest {
  customId: string;
  jobId: string;
  /** Anthropic: the request's `params`; OpenAI: the JSONL line's `body`. */
  body: Record<string, unknown>;
}

/**
 * How far this machine's clock may be ahead of the provider's when matching batch creation times to an intent.
 * Generous on purpose: a batch missed by the look-up would be created again (Anthropic candidates are confirmed by
 * their custom_ids, so a wide window only means more batches to look at).
 */
export const CLOCK_SKEW_MS = 60 * 60_000;

/** Names one submission, so that a provider batch can be traced back to it after a crash. */
export interface SubmissionTag {
  /** The state's id (stable across resumes), else the run's. */
  runId: string;
  /** Unique per submission; every request's custom_id starts with it and "_". */
  submissionId: string;
  requestCount: number;
  /** When the intent to submit was recorded (ms since the epoch). */
  intentAt: number;
}

export interface ProviderBatchRef {
  provider: ProviderName;
  id: string;
}

/** A provider batch's status, normalised; the provider's own word is kept in `rawStatus`. */
export interface ProviderBatchState {
  /** Unknown provider states count as active, so that nobody reads results that are not there yet. */
  phase: 'active' | 'ended';
  rawStatus: string;
  requestsDone: number;
  requestsTotal: number;
  /** Why the whole batch failed, when it did (e.g. OpenAI validation errors). */
  failure: ErrorInfo | null;
  /** Errors the provider tied to single requests of a failed batch, by 0-based position in the submitted order. */
  requestErrors?: { index: number; error: ErrorInfo }[];
  /**
   * The batch was refused for capacity, not for what it asked (OpenAI's enqueued-token limit): nothing ran or was
   * billed, and the same requests pass once batches in progress have ended. `limitTokens` when the provider named it.
   */
  capacity?: { limitTokens: number | null };
}

/** What the provider billed a request for, as its result reports it. */
export interface BilledUsage {
  /** All input, cache reads and writes included. */
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** Of the cache writes, those to Anthropic's 1-hour cache (priced higher); absent means none. */
  cacheWrite1hTokens?: number;
  /** Anthropic web searches the request made (a fee each); absent means none. */
  webSearchRequests?: number;
  /** Where Anthropic ran the request (`usage.inference_geo`): `us` costs 1.1 times; absent means not said. */
  inferenceGeo?: string | null;
}

/** What the provider said about one request; matched to its job by `customId`, never by position. */
export type JobOutcome =
  | (BilledUsage & {
      customId: string;
      status: 'succeeded';
      text: string;
      /** The provider's content blocks as returned (citations, tool calls). */
      content: unknown[];
      stopReason: string | null;
      /** The model stopped at the token budget (`max_tokens`, `length`): the text may be cut short. */
      truncated?: boolean;
      raw: unknown;
    })
  | {
      customId: string;
      status: 'failed' | 'cancelled' | 'expired';
      error: ErrorInfo;
      /** Why the model stopped, for a request that ran without a usable answer (`max_tokens`, `refusal`, `length`). */
      stopReason?: string | null;
      /** What the provider billed for a request that ran but gave no usable answer (an OpenAI refusal). */
      billed?: BilledUsage;
      raw: unknown;
    };

/**
 * One provider behind one small interface; mapping is pure, the rest talks to the official SDK. Every call takes an
 * optional `signal`: a run that has waited out a stop's grace period aborts what is still in flight.
 */
export interface BatchProvider {
  readonly name: ProviderName;
  readonly limits: { maxRequests: number; maxBytes: number };
  /**
   * Where requests go (the SDK's base URL, credentials and query left out): recorded with each intent, so that a
   * resume that asks another place is not taken for proof that a batch was never created. Needs the API key.
   */
  endpoint(): Promise<string>;
  /**
   * Pure: the request for a job, given the bytes of its files in order (one file's bytes alone for a one-file job;
   * null for messages). `Buffer`s in practice, typed as their base class so that the published types need no
   * `@types/node`.
   */
  toRequest(job: NormalizedJob, files: readonly Uint8Array[] | Uint8Array | null): ProviderRequest;
  /**
   * Pure: the request exactly as it goes on the wire, as JSON text without a newline: Anthropic's `{custom_id,
   * params}` (one element of the create's `requests`), OpenAI's JSONL line. A batch's requests are kept as these
   * lines ({@link RequestLines}) from when they are built until the provider has them.
   */
  toWireLine(request: ProviderRequest): string;
  /** How a batch's lines are joined into what is sent: {@link RequestLines} are built framed so. */
  readonly wireFraming: WireFraming;
  /**
   * Providers whose batches read an uploaded input file (OpenAI): uploads the requests, returns the file id. Not
   * idempotent: it is sent once, without SDK retries; an error with `maybeDone` is followed by {@link findUpload}.
   */
  upload?(requests: RequestLines, tag: SubmissionTag, signal?: AbortSignal): Promise<string>;
  /** The input file a submission uploaded, when the upload's answer was lost; undefined when there is none. */
  findUpload?(tag: SubmissionTag, signal?: AbortSignal): Promise<string | undefined>;
  /** Deletes an input file whose batch is known not to exist. */
  deleteUpload?(fileId: string, signal?: AbortSignal): Promise<void>;
  /**
   * Creates the provider batch. Not idempotent: sent once, without SDK retries. A {@link ProviderError} with
   * `maybeDone` means the batch may exist: look for it with {@link findSubmitted} before anything else.
   */
  create(
    requests: RequestLines,
    tag: SubmissionTag,
    inputFileId: string | null,
    signal?: AbortSignal,
  ): Promise<ProviderBatchRef>;
  poll(ref: ProviderBatchRef, signal?: AbortSignal): Promise<ProviderBatchState>;
  /** Streams results; callable again after a broken stream. */
  results(ref: ProviderBatchRef, signal?: AbortSignal): AsyncIterable<JobOutcome>;
  cancel(ref: ProviderBatchRef, signal?: AbortSignal): Promise<void>;
  /**
   * Provider batches that may be this submission's, newest first. `confirmed` when the provider's own data proves
   * it (OpenAI metadata); otherwise (Anthropic) its results must show the custom_id prefix once it has ended, and
   * until then it is only a candidate: followed, never cancelled.
   */
  findSubmitted(
    tag: SubmissionTag,
    signal?: AbortSignal,
  ): Promise<{ ref: ProviderBatchRef; confirmed: boolean }[]>;
  /**
   * The exact input tokens of a request body, by the provider's token-counting endpoint (Anthropic's
   * `POST /v1/messages/count_tokens`: free, rate-limited, never a batch). Providers without one (OpenAI) leave it
   * out; their estimates count with the real tokenizer offline.
   */
  countTokens?(body: Record<string, unknown>, signal?: AbortSignal): Promise<number>;
  /** Frees what the batch left at the provider (OpenAI: its input file) once its results are safe. */
  cleanup?(ref: ProviderBatchRef, signal?: AbortSignal): Promise<void>;
}

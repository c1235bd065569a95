import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type OpenAI from 'openai';
import { endpointOf } from '../endpoint.js';
import {
  type BatchProvider,
  CLOCK_SKEW_MS,
  type JobOutcome,
  type ProviderBatchRef,
  type ProviderBatchState,
  type SubmissionTag,
} from '../provider.js';
import { toProviderError } from '../provider-error.js';
import type { RequestLines } from '../request-lines.js';
import { parseOpenAIResult } from './parse-result.js';
import { CHAT_COMPLETIONS, toJsonlLine, toOpenAIRequest } from './to-request.js';

export interface OpenAIProviderOptions {
  /** Default: the SDK's `OPENAI_API_KEY`. */
  apiKey?: string;
  /** Default: the SDK's `OPENAI_BASE_URL`, else https://api.openai.com/v1. */
  baseURL?: string;
  /**
   * How many times a read, a cancel or a delete is sent again after a 429, a 5xx or a dropped connection, waiting
   * out `retry-after` as the SDK would (uploads and creates are sent once). @default 2
   */
  maxRetries?: number;
  /** Delete the uploaded input file once its batch has ended, so that storage does not fill up. @default true */
  deleteInputFile?: boolean;
  /** Batch API limits; lower them only to test splitting. */
  limits?: { maxRequests?: number; maxBytes?: number };
}

const ACTIVE = new Set(['validating', 'in_progress', 'finalizing', 'cancelling']);
const ENDED = new Set(['completed', 'failed', 'expired', 'cancelled']);

/** OpenAI's Batch API through the `openai` client: a JSONL file uploaded, then a batch over it. */
export function openaiProvider(options: OpenAIProviderOptions = {}): BatchProvider {
  let client: Promise<OpenAI> | undefined;
  const maxRetries = options.maxRetries ?? 2;
  // The SDK is loaded with the first call: a run whose jobs are all Anthropic's never loads it.
  const sdk = () => {
    client ??= import('openai').then(
      ({ default: OpenAI }) =>
        new OpenAI({
          ...(options.apiKey !== undefined && { apiKey: options.apiKey }),
          ...(options.baseURL !== undefined && { baseURL: options.baseURL }),
          // Every call passes its own: see `retried`.
          maxRetries: 0,
        }),
    );
    return client;
  };

  return {
    name: 'openai',
    endpoint: async () => endpointOf((await sdk()).baseURL),
    limits: {
      maxRequests: options.limits?.maxRequests ?? 50_000,
      maxBytes: options.limits?.maxBytes ?? 200 * 1024 * 1024,
    },
    toRequest: toOpenAIRequest,
    toWireLine: toJsonlLine,
    wireFraming: { open: '', separator: '\n', close: '\n' },

    async upload(requests, tag, signal) {
      try {
        // Streamed from the lines' bytes: a 200 MB batch is never one string in memory. No SDK retry: a retried upload
        // whose first answer was lost leaves a second file behind.
        const { toStreamingFile } = await import('openai');
        const file = await (await sdk()).files.create(
          { file: toStreamingFile(jsonlStream(requests), inputFileName(tag)), purpose: 'batch' },
          { maxRetries: 0, signal },
        );
        return file.id;
      } catch (error) {
        throw toProviderError('OpenAI', 'file upload', error, { mutating: true });
      }
    },

    async findUpload(tag, signal) {
      try {
        return await retried(maxRetries, signal, async () => {
          const files = (await sdk()).files.list(
            { purpose: 'batch', order: 'desc' },
            { maxRetries: 0, signal },
          );
          for await (const file of files) {
            if (file.filename === inputFileName(tag)) return file.id;
            // Newest first: anything uploaded well before the intent cannot be it.
            if (file.created_at * 1000 < tag.intentAt - CLOCK_SKEW_MS) break;
          }
          return undefined;
        });
      } catch (error) {
        throw toProviderError('OpenAI', 'file list', error);
      }
    },

    async deleteUpload(fileId, signal) {
      try {
        await retried(maxRetries, signal, async () =>
          (await sdk()).files.delete(fileId, { maxRetries: 0, signal }),
        );
      } catch (error) {
        // Already gone is what was wanted.
        if ((error as { status?: unknown })?.status === 404) return;
        throw toProviderError('OpenAI', `delete of file ${fileId}`, error);
      }
    },

    async create(_requests, tag, inputFileId, signal) {
      if (!inputFileId) throw new Error('OpenAI batches need an uploaded input file');
      try {
        // No SDK retry: a create whose answer was lost may have created the batch; the caller looks it up by its
        // metadata before trying again.
        const batch = await (await sdk()).batches.create(
          {
            input_file_id: inputFileId,
            endpoint: CHAT_COMPLETIONS,
            completion_window: '24h',
            metadata: { batchwise_run: tag.runId, batchwise_submission: tag.submissionId },
          },
          { maxRetries: 0, signal },
        );
        return { provider: 'openai', id: batch.id };
      } catch (error) {
        throw toProviderError('OpenAI', 'batch create', error, { mutating: true });
      }
    },

    async poll(ref: ProviderBatchRef, signal?: AbortSignal): Promise<ProviderBatchState> {
      let batch: OpenAI.Batches.Batch;
      try {
        batch = await retried(maxRetries, signal, async () =>
          (await sdk()).batches.retrieve(ref.id, { maxRetries: 0, signal }),
        );
      } catch (error) {
        throw toProviderError('OpenAI', `poll of ${ref.id}`, error);
      }
      const counts = batch.request_counts ?? { total: 0, completed: 0, failed: 0 };
      // Unknown statuses count as active, so that nobody reads result files that are not there yet.
      const ended = ENDED.has(batch.status) && !ACTIVE.has(batch.status);
      const lineErrors = batch.errors?.data ?? [];
      // The enqueued-token limit is about the whole batch (no line); a line of its own too large is that line's fault.
      const tokenLimit = lineErrors.find(
        (e) => e.code === 'token_limit_exceeded' && typeof e.line !== 'number',
      );
      return {
        ...(batch.status === 'failed' &&
          tokenLimit && { capacity: { limitTokens: enqueuedLimit(tokenLimit.message ?? '') } }),
        phase: ended ? 'ended' : 'active',
        rawStatus: batch.status,
        requestsDone: counts.completed + counts.failed,
        requestsTotal: counts.total,
        failure:
          batch.status === 'failed'
            ? {
                code: 'batch_failed',
                message: `OpenAI batch ${batch.id} failed validation: ${lineErrors
                  .map((e) => `${e.line ? `line ${e.line}: ` : ''}${e.message ?? e.code}`)
                  .join('; ')}`,
              }
            : null,
        requestErrors: lineErrors
          .filter((e) => typeof e.line === 'number')
          .map((e) => ({
            index: e.line! - 1,
            error: {
              code: 'batch_failed',
              type: e.code ?? 'invalid_request',
              message: `OpenAI rejected this request: ${e.message ?? e.code}`,
            },
          })),
      };
    },

    async *results(ref: ProviderBatchRef, signal?: AbortSignal): AsyncIterable<JobOutcome> {
      try {
        const batch = await retried(maxRetries, signal, async () =>
          (await sdk()).batches.retrieve(ref.id, { maxRetries: 0, signal }),
        );
        for (const fileId of [batch.output_file_id, batch.error_file_id]) {
          if (!fileId) continue;
          // Only the request is retried, as the SDK does: a download that breaks midway is read again by the caller.
          const response = await retried(maxRetries, signal, async () =>
            (await sdk()).files.content(fileId, { maxRetries: 0, signal }),
          );
          if (!response.body) continue;
          const lines = createInterface({
            input: Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
            crlfDelay: Number.POSITIVE_INFINITY,
          });
          for await (const line of lines) {
            if (!line.trim()) continue;
            const outcome = parseOpenAIResult(JSON.parse(line));
            if (outcome) yield outcome;
          }
        }
      } catch (error) {
        throw toProviderError('OpenAI', `results of ${ref.id}`, error);
      }
    },

    async cancel(ref: ProviderBatchRef, signal?: AbortSignal) {
      try {
        await retried(maxRetries, signal, async () =>
          (await sdk()).batches.cancel(ref.id, { maxRetries: 0, signal }),
        );
      } catch (error) {
        throw toProviderError('OpenAI', `cancel of ${ref.id}`, error);
      }
    },

    async findSubmitted(tag, signal) {
      try {
        return await retried(maxRetries, signal, async () => {
          for await (const batch of (await sdk()).batches.list({ limit: 100 }, { maxRetries: 0, signal })) {
            if (batch.metadata?.batchwise_submission === tag.submissionId) {
              return [{ ref: { provider: 'openai' as const, id: batch.id }, confirmed: true }];
            }
            // Newest first: anything created well before the intent cannot be it.
            if (batch.created_at * 1000 < tag.intentAt - CLOCK_SKEW_MS) break;
          }
          return [];
        });
      } catch (error) {
        throw toProviderError('OpenAI', 'batch list', error);
      }
    },

    async cleanup(ref: ProviderBatchRef, signal?: AbortSignal) {
      if (options.deleteInputFile === false) return;
      const batch = await retried(maxRetries, signal, async () =>
        (await sdk()).batches.retrieve(ref.id, { maxRetries: 0, signal }),
      );
      await retried(maxRetries, signal, async () =>
        (await sdk()).files.delete(batch.input_file_id, { maxRetries: 0, signal }),
      );
    },
  };
}

/**
 * `call`, sent again up to `maxRetries` times when the SDK would retry it, after the wait the SDK would take. The
 * SDK's own retries cannot be used: openai 6 waits out any `retry-after` (no cap) on a timer that the request's
 * `signal` does not end, so a 429 asking for 40 s kept a stopped run 40 s past its grace period. Here the signal
 * ends the wait, and the last error is thrown.
 */
async function retried<T>(
  maxRetries: number,
  signal: AbortSignal | undefined,
  call: () => Promise<T>,
): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await call();
    } catch (error) {
      if (retry >= maxRetries || signal?.aborted || !(await sdkWouldRetry(error))) throw error;
      await sleepUnlessAborted(retryDelayMs(error, retry), signal);
      if (signal?.aborted) throw error;
    }
  }
}

/**
 * The SDK's `shouldRetry`: a connection that failed (not one the caller aborted), 408, 409, 429 and 5xx, unless the
 * server's `x-should-retry` says otherwise.
 */
async function sdkWouldRetry(error: unknown): Promise<boolean> {
  const { APIConnectionError, APIError } = await import('openai');
  if (error instanceof APIConnectionError) return true;
  if (!(error instanceof APIError) || typeof error.status !== 'number') return false;
  const told = error.headers?.get('x-should-retry');
  if (told === 'true' || told === 'false') return told === 'true';
  return error.status === 408 || error.status === 409 || error.status === 429 || error.status >= 500;
}

/** The SDK's `retryRequest` delay: `retry-after-ms`, else `retry-after` (seconds or a date), else its backoff. */
function retryDelayMs(error: unknown, retry: number): number {
  const headers = (error as { headers?: Headers }).headers;
  let ms: number | undefined;
  const afterMs = Number.parseFloat(headers?.get('retry-after-ms') ?? '');
  if (!Number.isNaN(afterMs)) ms = afterMs;
  const after = headers?.get('retry-after');
  if (after && !ms) {
    const seconds = Number.parseFloat(after);
    ms = Number.isNaN(seconds) ? Date.parse(after) - Date.now() : seconds * 1000;
  }
  if (ms === undefined || Number.isNaN(ms)) {
    // 0.5 s doubling up to 8 s, less up to a quarter at random.
    const base = Math.min(0.5 * 2 ** retry, 8);
    ms = base * (1 - Math.random() * 0.25) * 1000;
  }
  // A longer timeout would fire at once; the signal still ends a wait this long.
  return Math.min(Math.max(ms, 0), 2 ** 31 - 1);
}

function sleepUnlessAborted(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** "… Limit: 2,000,000 enqueued tokens. …" -> 2000000 (null when the message does not say). */
function enqueuedLimit(message: string): number | null {
  const match = /Limit:\s*([\d,]+)\s*enqueued tokens/i.exec(message);
  return match ? Number(match[1]!.replace(/,/g, '')) : null;
}

/** The input file's name carries the submission id, so that an upload whose answer was lost can be found. */
function inputFileName(tag: SubmissionTag): string {
  return `batchwise-${tag.submissionId}.jsonl`;
}

/** Lines are sent in pieces of about this many bytes: a piece per line made a 10,000-line upload 6 times slower. */
const UPLOAD_CHUNK = 256 * 1024;

async function* jsonlStream(requests: RequestLines): AsyncIterable<Uint8Array> {
  yield* requests.pieces(UPLOAD_CHUNK);
}

import type Anthropic from '@anthropic-ai/sdk';
import { endpointOf } from '../endpoint.js';
import {
  type BatchProvider,
  CLOCK_SKEW_MS,
  type JobOutcome,
  type ProviderBatchRef,
  type ProviderBatchState,
} from '../provider.js';
import { toProviderError } from '../provider-error.js';
import { parseAnthropicResult } from './parse-result.js';
import { toAnthropicRequest } from './to-request.js';

export interface AnthropicProviderOptions {
  /** Default: the SDK's `ANTHROPIC_API_KEY`. */
  apiKey?: string;
  /** Default: the SDK's `ANTHROPIC_BASE_URL`, else https://api.anthropic.com. */
  baseURL?: string;
  /** The SDK's own retries per call. @default 2 */
  maxRetries?: number;
  /** Message Batches limits; lower them only to test splitting. */
  limits?: { maxRequests?: number; maxBytes?: number };
}

type MessageBatch = Anthropic.Messages.Batches.MessageBatch;

/**
 * The fields of a Messages body the token-counting endpoint takes (`MessageCountTokensParams` of the SDK):
 * everything that is input. `max_tokens`, `metadata`, `stop_sequences`, `service_tier` and the like shape the output
 * or the billing, not the count, and the endpoint refuses them.
 */
const COUNT_TOKENS_FIELDS = [
  'model',
  'messages',
  'system',
  'tools',
  'tool_choice',
  'thinking',
  'output_config',
  'cache_control',
  'speed',
] as const;

/** Anthropic Message Batches through `@anthropic-ai/sdk`. */
export function anthropicProvider(options: AnthropicProviderOptions = {}): BatchProvider {
  let client: Promise<Anthropic> | undefined;
  // The SDK is loaded with the first call: a run whose jobs are all OpenAI's never loads it (megabytes of heap).
  const sdk = () => {
    client ??= import('@anthropic-ai/sdk').then(
      ({ default: Anthropic }) =>
        new Anthropic({
          ...(options.apiKey !== undefined && { apiKey: options.apiKey }),
          ...(options.baseURL !== undefined && { baseURL: options.baseURL }),
          maxRetries: options.maxRetries ?? 2,
        }),
    );
    return client;
  };

  return {
    name: 'anthropic',
    endpoint: async () => endpointOf((await sdk()).baseURL),
    limits: {
      maxRequests: options.limits?.maxRequests ?? 100_000,
      maxBytes: options.limits?.maxBytes ?? 256 * 1024 * 1024,
    },
    toRequest: toAnthropicRequest,
    toWireLine: (request) => JSON.stringify({ custom_id: request.customId, params: request.body }),
    // The body of a create: `{"requests":[…]}`.
    wireFraming: { open: '{"requests":[', separator: ',', close: ']}' },

    async create(requests, _tag, _inputFileId, signal) {
      // The body `messages.batches.create` would send, as the lines were built: the SDK takes bytes as a body
      // verbatim (its "custom requests", `client.post`), so the batch is never a string or objects on the heap.
      const body = requests.body();
      try {
        // No SDK retry: a create whose answer was lost may have created the batch; the caller looks for it first.
        const batch = await (await sdk()).post<MessageBatch>('/v1/messages/batches', {
          body,
          headers: { 'content-type': 'application/json' },
          maxRetries: 0,
          signal,
        });
        return { provider: 'anthropic', id: batch.id };
      } catch (error) {
        throw toProviderError('Anthropic', 'batch create', error, { mutating: true });
      }
    },

    async countTokens(body, signal) {
      const params = Object.fromEntries(
        COUNT_TOKENS_FIELDS.filter((field) => body[field] !== undefined).map((field) => [field, body[field]]),
      ) as unknown as Anthropic.Messages.MessageCountTokensParams;
      try {
        // A read: the SDK's own retries (429 and 5xx, after retry-after) are fine here.
        const counted = await (await sdk()).messages.countTokens(params, { signal });
        return counted.input_tokens;
      } catch (error) {
        throw toProviderError('Anthropic', 'token count', error);
      }
    },

    async poll(ref: ProviderBatchRef, signal?: AbortSignal): Promise<ProviderBatchState> {
      try {
        const batch = await (await sdk()).messages.batches.retrieve(ref.id, {}, { signal });
        const counts = batch.request_counts;
        const done = counts.succeeded + counts.errored + counts.canceled + counts.expired;
        return {
          phase: batch.processing_status === 'ended' ? 'ended' : 'active',
          rawStatus: batch.processing_status,
          requestsDone: done,
          requestsTotal: done + counts.processing,
          failure: null,
        };
      } catch (error) {
        throw toProviderError('Anthropic', `poll of ${ref.id}`, error);
      }
    },

    async *results(ref: ProviderBatchRef, signal?: AbortSignal): AsyncIterable<JobOutcome> {
      try {
        for await (const line of await (await sdk()).messages.batches.results(ref.id, {}, { signal })) {
          const outcome = parseAnthropicResult(line);
          if (outcome) yield outcome;
        }
      } catch (error) {
        throw toProviderError('Anthropic', `results of ${ref.id}`, error);
      }
    },

    async findSubmitted(tag, signal) {
      // Anthropic keeps no metadata on a batch: candidates are the batches created since the intent with as many
      // requests; the run confirms one by the custom_id prefix of its results.
      const candidates: { ref: ProviderBatchRef; confirmed: boolean }[] = [];
      try {
        for await (const batch of (await sdk()).messages.batches.list({ limit: 100 }, { signal })) {
          if (Date.parse(batch.created_at) < tag.intentAt - CLOCK_SKEW_MS) break;
          const counts = batch.request_counts;
          const total =
            counts.processing + counts.succeeded + counts.errored + counts.canceled + counts.expired;
          if (total === tag.requestCount)
            candidates.push({ ref: { provider: 'anthropic', id: batch.id }, confirmed: false });
        }
        return candidates;
      } catch (error) {
        throw toProviderError('Anthropic', 'batch list', error);
      }
    },

    async cancel(ref: ProviderBatchRef, signal?: AbortSignal) {
      try {
        await (await sdk()).messages.batches.cancel(ref.id, {}, { signal });
      } catch (error) {
        throw toProviderError('Anthropic', `cancel of ${ref.id}`, error);
      }
    },
  };
}

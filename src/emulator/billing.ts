import type { Provider } from './http.js';

/** Tokens of one request, split the way both providers price them. */
export interface BilledTokens {
  /** Input tokens billed at the full input price: cache reads and writes not included. */
  inputTokens: number;
  outputTokens: number;
  /** OpenAI `prompt_tokens_details.cached_tokens`; Anthropic `cache_read_input_tokens`. */
  cacheReadTokens: number;
  /** Anthropic `cache_creation_input_tokens`; always 0 for OpenAI. */
  cacheWriteTokens: number;
  /** Of the cache writes, those to the 1-hour cache (`cache_creation.ephemeral_1h_input_tokens`): priced higher. */
  cacheWrite1hTokens: number;
  /** Anthropic `usage.inference_geo` when the request ran US-only (`us`): every token priced at 1.1 times. */
  inferenceGeo?: 'us';
}

/** One request the provider processed and would bill: a success (an OpenAI 200 row, an Anthropic `succeeded`). */
export interface BilledRequest extends BilledTokens {
  provider: Provider;
  batchId: string;
  customId: string;
  /** The model as the result names it. */
  model: string;
}

/** Sums over requests: where each ran is in {@link EmulatorBilling.requests}. */
export interface BilledTotals extends Omit<BilledTokens, 'inferenceGeo'> {
  requests: number;
}

/** What the emulator would have billed for the batches created since it started or since the last `resetStats()`. */
export interface EmulatorBilling {
  requests: BilledRequest[];
  byBatch: Record<string, BilledTotals & { provider: Provider }>;
  byModel: Record<string, BilledTotals>;
  total: BilledTotals;
  /**
   * Batches that have not ended yet. Their requests are billed once they end (as their results are written), so a
   * test that wants the final bill waits until this is empty.
   */
  unfinished: Array<{ provider: Provider; batchId: string }>;
}

/** The billed requests of one ended batch, written when its results are: it outlives a deleted batch or file. */
export interface BillingRecord {
  /** The batch id. */
  id: string;
  provider: Provider;
  requests: Array<BilledTokens & { customId: string; model: string }>;
}

interface OpenAIUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number };
}

/** The billed tokens of one OpenAI output/error row's `response`, or null when it is not billed (non-200). */
export function openaiBilled(response: {
  status_code: number;
  body: Record<string, unknown>;
}): BilledTokens | null {
  if (response.status_code !== 200) return null;
  const usage = (response.body.usage ?? {}) as OpenAIUsage;
  const cached = usage.prompt_tokens_details?.cached_tokens ?? 0;
  return {
    inputTokens: (usage.prompt_tokens ?? 0) - cached,
    outputTokens: usage.completion_tokens ?? 0,
    cacheReadTokens: cached,
    cacheWriteTokens: 0,
    cacheWrite1hTokens: 0,
  };
}

interface AnthropicUsage {
  input_tokens?: number;
  output_tokens?: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
  cache_creation?: { ephemeral_1h_input_tokens?: number } | null;
  inference_geo?: string;
}

/** The billed tokens of one Anthropic `result`, or null unless it `succeeded` (the rest are not billed). */
export function anthropicBilled(result: Record<string, unknown>): BilledTokens | null {
  if (result.type !== 'succeeded') return null;
  const usage = ((result.message as { usage?: AnthropicUsage } | undefined)?.usage ?? {}) as AnthropicUsage;
  return {
    inputTokens: usage.input_tokens ?? 0,
    outputTokens: usage.output_tokens ?? 0,
    cacheReadTokens: usage.cache_read_input_tokens ?? 0,
    cacheWriteTokens: usage.cache_creation_input_tokens ?? 0,
    cacheWrite1hTokens: usage.cache_creation?.ephemeral_1h_input_tokens ?? 0,
    ...(usage.inference_geo === 'us' && { inferenceGeo: 'us' as const }),
  };
}

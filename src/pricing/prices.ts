import { calcPrice } from '@pydantic/genai-prices';
import type { ProviderName } from '../models/registry.js';

/** A price of your own for a model, in USD per million tokens at the provider's standard (non-batch) rate. */
export interface ModelPrice {
  inputPerMTok: number;
  outputPerMTok: number;
  /** Default: the input price. */
  cacheReadPerMTok?: number;
  /**
   * Anthropic's 5-minute cache writes. Default: 1.25 times the input price, as Anthropic prices them. A 1-hour write
   * costs twice `inputPerMTok` (at least this).
   */
  cacheWritePerMTok?: number;
}

export type PriceTable = Readonly<Record<string, ModelPrice>>;

/** Token counts of one request. `inputTokens` is the total input, cache reads and writes included. */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  /**
   * Of `cacheWriteTokens`, those written to Anthropic's 1-hour cache (`cache_control.ttl: '1h'`): twice the input
   * price, where the 5-minute cache's writes are 1.25 times it
   * (platform.claude.com/docs/en/build-with-claude/prompt-caching#pricing).
   */
  cacheWrite1hTokens?: number;
  /** Anthropic web searches (`usage.server_tool_use.web_search_requests`): a fee each, not a token price. */
  webSearchRequests?: number;
  /**
   * Where Anthropic ran the request (`usage.inference_geo`, or the request's `inference_geo` before it runs): `us`
   * costs 1.1 times every token price.
   */
  inferenceGeo?: string | null;
}

/**
 * Anthropic's US-only inference (`inference_geo: "us"`, Claude Opus 4.6 and later; older models refuse the field)
 * multiplies every token price, cache writes and reads included, by 1.1 (platform.claude.com/docs/en/about-claude/
 * pricing, "Data residency pricing"; docs.aws.amazon.com/claude-platform/latest/userguide/data-residency.html).
 */
export const US_ONLY_INFERENCE = 1.1;

/**
 * Anthropic's web search fee, $10 per 1,000 searches (platform.claude.com/docs/en/about-claude/pricing). The batch
 * discount is documented for tokens, so the fee is counted whole: a cost is never reported below what is billed.
 */
const WEB_SEARCH_USD = 10 / 1_000;

/** Anthropic's cache writes, as multiples of the input price: 5-minute ones, and 1-hour ones. */
const MINUTE_WRITE = 1.25;
const HOUR_WRITE = 2;

/** Both providers bill batch requests at half their standard price. */
export const BATCH_DISCOUNT: Record<ProviderName, number> = { anthropic: 0.5, openai: 0.5 };

/**
 * What a request with this usage costs in a batch, in USD: the user's price for the model when given, else the
 * maintained table of `@pydantic/genai-prices` (bundled data; nothing is fetched), times the batch discount. Null when
 * no price is known — never a made-up 0.
 */
export function batchCost(
  model: string,
  provider: ProviderName,
  usage: TokenUsage,
  prices: PriceTable = {},
): number | null {
  const standard = standardCost(model, provider, usage, prices);
  if (standard === null) return null;
  const geo = provider === 'anthropic' && usage.inferenceGeo === 'us' ? US_ONLY_INFERENCE : 1;
  return standard * geo * BATCH_DISCOUNT[provider] + (usage.webSearchRequests ?? 0) * WEB_SEARCH_USD;
}

/** The sum of costs, or null when any is unknown: an unknown part makes the whole unknown, never $0. */
export function sumCosts(costs: (number | null)[]): number | null {
  return costs.some((c) => c === null) ? null : costs.reduce<number>((total, c) => total + (c ?? 0), 0);
}

export function hasPrice(model: string, provider: ProviderName, prices: PriceTable = {}): boolean {
  return standardCost(model, provider, { inputTokens: 1, outputTokens: 1 }, prices) !== null;
}

function standardCost(
  model: string,
  provider: ProviderName,
  usage: TokenUsage,
  prices: PriceTable,
): number | null {
  const own = prices[model];
  const cacheRead = usage.cacheReadTokens ?? 0;
  const hourWrite = usage.cacheWrite1hTokens ?? 0;
  const minuteWrite = (usage.cacheWriteTokens ?? 0) - hourWrite;
  const uncached = usage.inputTokens - cacheRead - minuteWrite - hourWrite;
  if (own) {
    const minuteRate = own.cacheWritePerMTok ?? MINUTE_WRITE * own.inputPerMTok;
    return (
      (uncached * own.inputPerMTok +
        cacheRead * (own.cacheReadPerMTok ?? own.inputPerMTok) +
        minuteWrite * minuteRate +
        hourWrite * hourWriteRate(own.inputPerMTok, minuteRate) +
        usage.outputTokens * own.outputPerMTok) /
      1_000_000
    );
  }
  const rates = linearRates(model, provider);
  if (rates) {
    return (
      rates.base +
      (uncached * rates.input +
        cacheRead * rates.cacheRead +
        minuteWrite * rates.cacheWrite +
        hourWrite * hourWriteRate(rates.input, rates.cacheWrite) +
        usage.outputTokens * rates.output) /
        1_000_000
    );
  }
  if (rates === null) return null;
  // Tiered prices (by prompt length): the table prices the 1-hour writes as plain input, at the tier of the whole
  // prompt; what they cost beyond that is the same input rate again.
  const table = tableCost(model, provider, {
    ...usage,
    cacheWriteTokens: minuteWrite,
    cacheWrite1hTokens: 0,
  });
  if (table === null || hourWrite === 0) return table;
  const allInput = tableCost(model, provider, { inputTokens: usage.inputTokens, outputTokens: 0 });
  const zero = tableCost(model, provider, { inputTokens: 0, outputTokens: 0 });
  if (allInput === null || zero === null) return null;
  const inputRate = (allInput - zero) / usage.inputTokens;
  return table + hourWrite * (HOUR_WRITE - 1) * inputRate;
}

/** A 1-hour write per token: twice the input price, and never below a 5-minute write. */
function hourWriteRate(inputRate: number, minuteRate: number): number {
  return Math.max(HOUR_WRITE * inputRate, minuteRate);
}

function tableCost(model: string, provider: ProviderName, usage: TokenUsage): number | null {
  const cacheRead = usage.cacheReadTokens ?? 0;
  const cacheWrite = usage.cacheWriteTokens ?? 0;
  const result = calcPrice(
    {
      input_tokens: usage.inputTokens,
      output_tokens: usage.outputTokens,
      ...(cacheRead > 0 && { cache_read_tokens: cacheRead }),
      ...(cacheWrite > 0 && { cache_write_tokens: cacheWrite }),
    },
    model,
    { providerId: provider },
  );
  return result ? result.total_price : null;
}

/** A model's table prices as a fixed fee plus USD per million tokens of each kind. */
interface LinearRates {
  base: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/**
 * `calcPrice` finds the model by its match rules and checks the units on every call: about 35 µs, 3.5 s over
 * 100,000 results. A model whose price is one plain number per unit (no tiers by prompt length, no prices by date
 * or time of day) costs a linear function of the token counts, so its rates are read from the table once — by
 * pricing a million tokens of each kind with `calcPrice` itself — and applied from then on. Per model: its rates,
 * `null` when the table does not know it, `undefined` when its price is not linear (it goes to the table each time).
 */
const ratesByModel = new Map<string, LinearRates | null | undefined>();

function linearRates(model: string, provider: ProviderName): LinearRates | null | undefined {
  const key = `${provider}\u0000${model}`;
  if (ratesByModel.has(key)) return ratesByModel.get(key);
  const rates = readLinearRates(model, provider);
  ratesByModel.set(key, rates);
  return rates;
}

function readLinearRates(model: string, provider: ProviderName): LinearRates | null | undefined {
  const zero = calcPrice({ input_tokens: 0, output_tokens: 0 }, model, { providerId: provider });
  if (!zero) return null;
  const { prices } = zero.model;
  const plain =
    !Array.isArray(prices) &&
    Object.values(prices).every((price) => price === undefined || typeof price === 'number');
  if (!plain) return undefined;
  const M = 1_000_000;
  const price = (usage: TokenUsage) => tableCost(model, provider, usage)! - zero.total_price;
  return {
    base: zero.total_price,
    input: price({ inputTokens: M, outputTokens: 0 }),
    output: price({ inputTokens: 0, outputTokens: M }),
    cacheRead: price({ inputTokens: M, outputTokens: 0, cacheReadTokens: M }),
    cacheWrite: price({ inputTokens: M, outputTokens: 0, cacheWriteTokens: M }),
  };
}

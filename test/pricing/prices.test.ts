import { calcPrice, findProvider } from '@pydantic/genai-prices';
import { describe, expect, it } from 'vitest';
import { BATCH_DISCOUNT, batchCost, hasPrice } from '../../src/pricing/prices.js';

const million = { inputTokens: 1_000_000, outputTokens: 1_000_000 };
/** One request's usage below the 200k-token tier some models have. */
const tenth = { inputTokens: 100_000, outputTokens: 100_000 };

describe('batchCost', () => {
  it('prices current Anthropic and OpenAI models at half the standard rate, dated names included', () => {
    const cases: [string, 'anthropic' | 'openai', number][] = [
      ['claude-haiku-4-5', 'anthropic', (1 + 5) / 2],
      ['claude-haiku-4-5-20251001', 'anthropic', (1 + 5) / 2],
      ['claude-sonnet-4-5', 'anthropic', (3 + 15) / 2],
      ['claude-opus-4-5', 'anthropic', (5 + 25) / 2],
      ['gpt-4o-mini', 'openai', (0.15 + 0.6) / 2],
      ['gpt-4o-mini-2024-07-18', 'openai', (0.15 + 0.6) / 2],
      ['gpt-4o', 'openai', (2.5 + 10) / 2],
      ['gpt-5', 'openai', (1.25 + 10) / 2],
      ['o4-mini', 'openai', (1.1 + 4.4) / 2],
    ];
    for (const [model, provider, expected] of cases) {
      expect(batchCost(model, provider, tenth), model).toBeCloseTo(expected / 10, 9);
    }
    expect(BATCH_DISCOUNT).toEqual({ anthropic: 0.5, openai: 0.5 });
  });

  it('prices tiered models at the higher tier above 200k input tokens in one request', () => {
    // claude-sonnet-4-5: 3/15 per MTok up to 200k input tokens, 6/22.5 above.
    expect(
      batchCost('claude-sonnet-4-5', 'anthropic', { inputTokens: 300_000, outputTokens: 0 }),
    ).toBeCloseTo((0.3 * 6) / 2, 9);
  });

  it('prices cache reads and writes at their own rates (part of the input total)', () => {
    // claude-haiku-4-5: input 1, cache read 0.1, cache write 1.25 per MTok (standard).
    const usage = {
      inputTokens: 1_000_000,
      outputTokens: 0,
      cacheReadTokens: 500_000,
      cacheWriteTokens: 200_000,
    };
    expect(batchCost('claude-haiku-4-5', 'anthropic', usage)).toBeCloseTo(
      (0.3 * 1 + 0.5 * 0.1 + 0.2 * 1.25) / 2,
      9,
    );
    // gpt-4o-mini cached input 0.075 per MTok.
    expect(
      batchCost('gpt-4o-mini', 'openai', {
        inputTokens: 1_000_000,
        outputTokens: 0,
        cacheReadTokens: 1_000_000,
      }),
    ).toBeCloseTo(0.075 / 2, 9);
  });

  it('prices 1-hour cache writes at twice the input price: the table, tiered models and your own prices', () => {
    // claude-haiku-4-5: input 1 per MTok; a 5-minute write 1.25, a 1-hour write 2 (standard). All 100k tokens are
    // cache writes, 40k of them to the 1-hour cache.
    const writes = {
      inputTokens: 100_000,
      outputTokens: 0,
      cacheWriteTokens: 100_000,
      cacheWrite1hTokens: 40_000,
    };
    expect(batchCost('claude-haiku-4-5', 'anthropic', writes)).toBeCloseTo((0.06 * 1.25 + 0.04 * 2) / 2, 9);
    // claude-sonnet-4-5 is tiered (its price is not one rate): 3 per MTok of input below 200k tokens.
    expect(
      batchCost('claude-sonnet-4-5', 'anthropic', {
        inputTokens: 100_000,
        outputTokens: 0,
        cacheWriteTokens: 100_000,
        cacheWrite1hTokens: 100_000,
      }),
    ).toBeCloseTo((0.1 * 3 * 2) / 2, 9);
    const prices = { 'claude-future-9': { inputPerMTok: 2, outputPerMTok: 10, cacheWritePerMTok: 2.5 } };
    expect(batchCost('claude-future-9', 'anthropic', writes, prices)).toBeCloseTo(
      (0.06 * 2.5 + 0.04 * 4) / 2,
      9,
    );
    // Above 200k tokens in the prompt, the 1-hour writes are at the higher tier too: 6 per MTok of input, 12 a write.
    expect(
      batchCost('claude-sonnet-4-5', 'anthropic', {
        inputTokens: 300_000,
        outputTokens: 0,
        cacheWriteTokens: 150_000,
        cacheWrite1hTokens: 150_000,
      }),
    ).toBeCloseTo((0.15 * 6 + 0.15 * 12) / 2, 9);
    // Your own price without cacheWritePerMTok: 5-minute writes at 1.25 times your input price, as Anthropic's are.
    expect(
      batchCost(
        'claude-future-9',
        'anthropic',
        { inputTokens: 100_000, outputTokens: 0, cacheWriteTokens: 100_000 },
        { 'claude-future-9': { inputPerMTok: 2, outputPerMTok: 10 } },
      ),
    ).toBeCloseTo((0.1 * 2.5) / 2, 9);
  });

  it("uses the user's price for a model, over the table too", () => {
    const prices = { 'claude-future-9': { inputPerMTok: 2, outputPerMTok: 10, cacheReadPerMTok: 0.2 } };
    expect(batchCost('claude-future-9', 'anthropic', million, prices)).toBeCloseTo(6, 9);
    expect(
      batchCost('claude-future-9', 'anthropic', { ...million, cacheReadTokens: 1_000_000 }, prices),
    ).toBeCloseTo(5.1, 9);
    expect(
      batchCost('gpt-4o-mini', 'openai', million, { 'gpt-4o-mini': { inputPerMTok: 1, outputPerMTok: 1 } }),
    ).toBeCloseTo(1, 9);
  });

  it('knows no price for an unknown model: null, never 0', () => {
    expect(batchCost('claude-future-9', 'anthropic', million)).toBeNull();
    expect(hasPrice('claude-future-9', 'anthropic')).toBe(false);
    expect(hasPrice('claude-haiku-4-5', 'anthropic')).toBe(true);
  });

  it('prices every Anthropic and OpenAI model of the table exactly as calcPrice does, however often it is asked', () => {
    // Plain-priced models take rates read once from the table; tiered or dated ones go to the table each time.
    // Either way the cost must be the table's, for any usage: checked for every model with the same usages twice.
    let seed = 7;
    const random = (max: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % max;
    };
    const usages = Array.from({ length: 12 }, (_, i) => {
      const inputTokens = i === 0 ? 0 : random(i % 3 === 0 ? 400_000 : 5_000);
      const cacheReadTokens = i % 4 === 1 ? random(inputTokens + 1) : 0;
      const cacheWriteTokens = i % 4 === 2 ? random(inputTokens - cacheReadTokens + 1) : 0;
      return { inputTokens, outputTokens: random(20_000), cacheReadTokens, cacheWriteTokens };
    });
    let models = 0;
    for (const provider of ['anthropic', 'openai'] as const) {
      for (const model of findProvider({ providerId: provider })!.models) {
        models++;
        for (const usage of [...usages, ...usages]) {
          const table = calcPrice(
            {
              input_tokens: usage.inputTokens,
              output_tokens: usage.outputTokens,
              ...(usage.cacheReadTokens > 0 && { cache_read_tokens: usage.cacheReadTokens }),
              ...(usage.cacheWriteTokens > 0 && { cache_write_tokens: usage.cacheWriteTokens }),
            },
            model.id,
            { providerId: provider },
          );
          const ours = batchCost(model.id, provider, usage);
          if (table === null) expect(ours, model.id).toBeNull();
          else
            expect(ours, `${model.id} ${JSON.stringify(usage)}`).toBeCloseTo(
              table.total_price * BATCH_DISCOUNT[provider],
              12,
            );
        }
      }
    }
    expect(models).toBeGreaterThan(40);
  });
});

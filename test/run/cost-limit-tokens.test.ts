import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { textTokenEstimate } from '../../src/pricing/estimate.js';
import { batchFor, userMessage } from '../helpers/batch.js';
import { billedCost } from '../helpers/billing.js';
import { until } from '../helpers/clients.js';

let emulator: Emulator;
beforeEach(async () => {
  emulator = await startEmulator({ processingMs: 40 });
});
afterEach(() => emulator.close());

/**
 * Texts that bytes / 3 undercounts: spaced digits (3×), hex, base64, CJK and emoji (about 2×); and scripts o200k packs
 * far tighter than Claude's tokenizer (Georgian, Tamil, Arabic, Greek: up to 5×).
 */
const dir = new URL('../fixtures/token-corpus/', import.meta.url);
const adversarial = [
  'spaced-digits',
  'numbers',
  'hex',
  'base64',
  'cjk',
  'emoji',
  'mixed',
  'georgian',
  'tamil',
  'arabic',
  'greek',
].map((name) => ({
  name,
  text: readFileSync(new URL(`${name}.txt`, dir), 'utf8'),
}));

describe('the cost limit on adversarial texts, billed by the emulator’s tokenizers', () => {
  for (const model of ['gpt-4o-mini', 'claude-haiku-4-5']) {
    it(`never bills past the limit (${model})`, async () => {
      const build = (limitUsd: number | null) => {
        const batch = batchFor(emulator, { itemsPerBatch: 4, maxConcurrent: 2 });
        if (limitUsd !== null) batch.addCostLimit({ usd: limitUsd });
        for (let i = 0; i < 3; i++)
          for (const { name, text } of adversarial)
            batch.addJob({
              id: `${name}_${i}`,
              model,
              // Short answers: the input is what the estimate has to get right.
              maxTokens: 16,
              messages: userMessage(`${i} ${text}`),
            });
        return batch;
      };
      const plan = await build(null).dryRun();
      const limit = plan.totals.estimatedCostUsd! * 0.6;
      const run = await build(limit).run({ wait: true });
      const results = Object.values(run.results());
      expect(results.filter((r) => r.isSuccess).length).toBeGreaterThan(0);
      expect(results.filter((r) => !r.isSuccess).length).toBeGreaterThan(0);

      const billing = await until(
        () => emulator.billing(),
        (b) => b.unfinished.length === 0,
      );
      let billedUsd = 0;
      let billedInput = 0;
      let oldRule = 0;
      for (const request of billing.requests) {
        billedUsd += billedCost(request)!;
        billedInput += request.inputTokens;
        const planned = plan.jobs.find((job) => request.customId.endsWith(job.jobId))!;
        // Each job's estimate holds against what the emulator billed for it.
        expect(request.inputTokens, planned.jobId).toBeLessThanOrEqual(planned.estimatedInputTokens);
        oldRule += textTokenEstimate(JSON.stringify(planned.request));
      }
      expect(billing.requests.length).toBe(results.filter((r) => r.isSuccess).length);
      expect(billedUsd).toBeLessThanOrEqual(limit + 1e-12);
      // The former rule (bytes / 3 of the request) would have reserved less input than was billed for these texts.
      expect(billedInput).toBeGreaterThan(oldRule);
    }, 30_000);
  }
});

describe('the cost limit with Anthropic prompt caching', () => {
  // A cache_control marker makes input a cache write: 1.25 times the input price, twice it with ttl '1h'. The
  // emulator writes every input token of a marked request, at the longest TTL asked for.
  for (const ttl of ['5m', '1h'] as const) {
    it(`reserves every input token as a cache write (${ttl}) and never bills past the limit`, async () => {
      const build = (limitUsd: number | null) => {
        const batch = batchFor(emulator, { itemsPerBatch: 3, maxConcurrent: 1 });
        if (limitUsd !== null) batch.addCostLimit({ usd: limitUsd });
        for (let i = 0; i < 12; i++)
          batch.addJob({
            id: `cached_${i}`,
            model: 'claude-haiku-4-5',
            // Long input, short answers: the cache writes are most of the bill.
            maxTokens: 16,
            expectedOutputTokens: 16,
            messages: userMessage(`${i} ${adversarial[0]!.text}`),
            providerOptions: { anthropic: { cache_control: { type: 'ephemeral', ttl } } },
          });
        return batch;
      };
      // Room for half the jobs as the plan prices them.
      const plan = await build(null).dryRun();
      const limit = plan.totals.estimatedCostUsd! / 2;
      const run = await build(limit).run({ wait: true });
      const results = Object.values(run.results());
      expect(results.filter((r) => r.isSuccess).length).toBeGreaterThan(0);
      expect(results.filter((r) => r.error?.code === 'cost_limit').length).toBeGreaterThan(0);

      const billing = await until(
        () => emulator.billing(),
        (b) => b.unfinished.length === 0,
      );
      let billedUsd = 0;
      for (const request of billing.requests) {
        expect(request.cacheWriteTokens).toBeGreaterThan(0);
        expect(request.cacheWrite1hTokens).toBe(ttl === '1h' ? request.cacheWriteTokens : 0);
        billedUsd += billedCost(request)!;
      }
      expect(billedUsd).toBeLessThanOrEqual(limit + 1e-12);
      // What the run says it spent is what was billed, 1-hour writes at their own price.
      expect(run.progress().costSpentUsd).toBeCloseTo(billedUsd, 12);
    }, 30_000);
  }
});

describe('the cost limit with Claude tools', () => {
  // Anthropic adds a tool-use system prompt and the definitions of the tools it defines (the text editor's is 700
  // tokens) to the input: billed, though not in the body. The emulator bills them as the docs list them.
  it('reserves what tools add to the input, and never bills past the limit', async () => {
    const build = (limitUsd: number | null) => {
      const batch = batchFor(emulator, { itemsPerBatch: 3, maxConcurrent: 1 });
      if (limitUsd !== null) batch.addCostLimit({ usd: limitUsd });
      for (let i = 0; i < 12; i++)
        batch.addJob({
          id: `edit_${i}`,
          model: 'claude-sonnet-4-6',
          maxTokens: 16,
          expectedOutputTokens: 16,
          messages: userMessage(`hi ${i}`),
          providerOptions: {
            anthropic: { tools: [{ type: 'text_editor_20250728', name: 'str_replace_based_edit_tool' }] },
          },
        });
      return batch;
    };
    const plan = await build(null).dryRun();
    for (const job of plan.jobs) expect(job.estimatedInputTokens).toBeGreaterThan(346 + 700);
    const limit = plan.totals.estimatedCostUsd! / 2;
    const run = await build(limit).run({ wait: true });
    const results = Object.values(run.results());
    expect(results.filter((r) => r.isSuccess).length).toBeGreaterThan(0);
    expect(results.filter((r) => r.error?.code === 'cost_limit').length).toBeGreaterThan(0);

    const billing = await until(
      () => emulator.billing(),
      (b) => b.unfinished.length === 0,
    );
    let billedUsd = 0;
    for (const request of billing.requests) {
      expect(request.inputTokens).toBeGreaterThan(346 + 700);
      billedUsd += billedCost(request)!;
    }
    expect(billedUsd).toBeLessThanOrEqual(limit + 1e-12);
    expect(run.progress().costSpentUsd).toBeCloseTo(billedUsd, 12);
  }, 30_000);

  it('refuses, under a cost limit, an Anthropic-defined tool whose definition size is not published', () => {
    const batch = batchFor(emulator).addCostLimit({ usd: 1 });
    batch.addJob({
      id: 'mem',
      model: 'claude-sonnet-4-6',
      messages: userMessage('hi'),
      providerOptions: { anthropic: { tools: [{ type: 'memory_20250818', name: 'memory' }] } },
    });
    return expect(batch.run()).rejects.toMatchObject({
      code: 'cost_unbounded',
      message: expect.stringContaining('tools[0] (memory_20250818)'),
    });
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { THINKING_TOKENS } from '../../src/emulator/respond/thinking.js';
import { batchCost } from '../../src/pricing/prices.js';
import { batchFor, userMessage, warningsLogger } from '../helpers/batch.js';
import { billedCost } from '../helpers/billing.js';
import { until } from '../helpers/clients.js';

let emulator: Emulator;
beforeEach(async () => {
  emulator = await startEmulator({ processingMs: 30 });
});
afterEach(() => emulator.close());

describe('providerOptions (issue 12, point 5), through the official SDKs against the emulator', () => {
  it('reaches the emulator as sent, for both providers, exactly as dryRun() showed it', async () => {
    const seen: Record<string, Record<string, unknown>> = {};
    emulator.configure({
      respond: ({ body, customId }) => {
        seen[customId.slice(customId.indexOf('_') + 1)] = body;
        return undefined;
      },
    });
    const batch = batchFor(emulator)
      .defaults({
        maxTokens: 300,
        providerOptions: {
          anthropic: { metadata: { user_id: 'user-1' }, stop_sequences: ['END'] },
          openai: { seed: 7, user: 'user-1', service_tier: 'auto' },
        },
      })
      .addJob({ id: 'claude', model: 'claude-haiku-4-5', messages: userMessage('hello') })
      .addJob({
        id: 'gpt',
        model: 'gpt-4o-mini',
        messages: userMessage('hello'),
        providerOptions: { openai: { top_p: 0.5, stop: ['END'] } },
      });
    const report = await batch.dryRun();
    const run = await batch.run({ wait: true });
    expect(Object.values(run.results()).map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    const shown = Object.fromEntries(
      report.jobs.map((job) => [
        job.jobId,
        (job.request as { params?: unknown; body?: unknown }).params ??
          (job.request as { body: unknown }).body,
      ]),
    );
    expect(seen.claude).toEqual(shown.claude);
    expect(seen.gpt).toEqual(shown.gpt);
    expect(seen.claude).toMatchObject({ metadata: { user_id: 'user-1' }, stop_sequences: ['END'] });
    expect(seen.gpt).toMatchObject({
      seed: 7,
      user: 'user-1',
      service_tier: 'auto',
      top_p: 0.5,
      stop: ['END'],
    });
  });

  it('a Claude run with extended thinking parses the answer (not the thinking) and bills the thinking as output', async () => {
    const Invoice = z.object({ vendor: z.string() });
    const run = await batchFor(emulator)
      .addJob({
        id: 'think',
        model: 'claude-sonnet-4-6',
        maxTokens: 4_000,
        messages: userMessage('Vendor: Acme GmbH'),
        responseModel: Invoice,
        providerOptions: { anthropic: { thinking: { type: 'enabled', budget_tokens: 2_000 } } },
      })
      .addJob({
        id: 'plain',
        model: 'claude-sonnet-4-6',
        maxTokens: 4_000,
        messages: userMessage('Vendor: Acme GmbH'),
        responseModel: Invoice,
      })
      .run({ wait: true });
    const think = run.results().think!;
    const plain = run.results().plain!;
    expect(think.status).toBe('succeeded');
    expect(think.parsedResponse).toEqual({ vendor: 'Acme GmbH' });
    expect(think.rawResponse).toBe(plain.rawResponse);
    expect(think.outputTokens).toBe(plain.outputTokens + THINKING_TOKENS);
    const bill = await emulator.billing();
    const billed = bill.requests.find((r) => r.customId.endsWith('_think'))!;
    expect(think.outputTokens).toBe(billed.outputTokens);
    expect(think.costUsd).toBeCloseTo(
      batchCost('claude-sonnet-4-6', 'anthropic', {
        inputTokens: billed.inputTokens,
        outputTokens: billed.outputTokens,
      })!,
      12,
    );
  });

  it('an answer that thinking left no room for fails output_truncated, naming thinking', async () => {
    emulator.configure({
      respond: () => ({ text: '', stopReason: 'max_tokens' }),
    });
    const run = await batchFor(emulator)
      .addJob({
        id: 'cut',
        model: 'claude-sonnet-4-6',
        maxTokens: 1_100,
        messages: userMessage('x'),
        providerOptions: { anthropic: { thinking: { type: 'enabled', budget_tokens: 1_024 } } },
      })
      .run({ wait: true });
    expect(run.results().cut).toMatchObject({ status: 'failed', error: { code: 'output_truncated' } });
    expect(run.results().cut!.error!.message).toMatch(/thinking used up/);
  });

  it('estimates thinking as output: the budget on top of expectedOutputTokens, maxTokens with adaptive thinking', async () => {
    const report = await batchFor(emulator)
      .defaults({ model: 'claude-sonnet-4-6', maxTokens: 10_000, expectedOutputTokens: 500 })
      .addJob({ id: 'none', messages: userMessage('x') })
      .addJob({
        id: 'budget',
        messages: userMessage('x'),
        providerOptions: { anthropic: { thinking: { type: 'enabled', budget_tokens: 3_000 } } },
      })
      .addJob({
        id: 'adaptive',
        messages: userMessage('x'),
        providerOptions: { anthropic: { thinking: { type: 'adaptive' } } },
      })
      .dryRun();
    const output = Object.fromEntries(report.jobs.map((job) => [job.jobId, job.estimatedOutputTokens]));
    expect(output).toEqual({ none: 500, budget: 3_500, adaptive: 10_000 });
  });

  it('prices US-only inference (inference_geo: "us") at 1.1 times: in the estimate, the cost limit and costUsd', async () => {
    const build = (geo?: string) =>
      batchFor(emulator)
        .defaults({
          model: 'claude-opus-4-6',
          maxTokens: 200,
          ...(geo && { providerOptions: { anthropic: { inference_geo: geo } } }),
        })
        .addJob({ id: 'a', messages: userMessage('hello') })
        .addJob({ id: 'b', messages: userMessage('hello') });
    const global = (await build().dryRun()).jobs[0]!.estimatedCostUsd!;
    const us = (await build('us').dryRun()).jobs[0]!;
    const usTokens = { inputTokens: us.estimatedInputTokens, outputTokens: us.estimatedOutputTokens };
    expect(us.estimatedCostUsd).toBeCloseTo(batchCost('claude-opus-4-6', 'anthropic', usTokens)! * 1.1, 12);
    // A limit that holds both jobs at the global price holds one of them US-only.
    const limited = await build('us')
      .addCostLimit({ usd: 2 * global + 1e-9 })
      .dryRun();
    expect(limited.jobs.map((job) => job.stoppedByCostLimit)).toEqual([false, true]);

    const run = await build('us').run({ wait: true });
    const billing = await until(
      () => emulator.billing(),
      (b) => b.unfinished.length === 0,
    );
    expect(billing.requests.map((r) => r.inferenceGeo)).toEqual(['us', 'us']);
    for (const request of billing.requests) {
      const result = run.results()[request.customId.slice(request.customId.indexOf('_') + 1)]!;
      expect(result.costUsd).toBeCloseTo(billedCost(request)!, 12);
      const standard = batchCost('claude-opus-4-6', 'anthropic', {
        inputTokens: result.inputTokens,
        outputTokens: result.outputTokens,
      })!;
      expect(result.costUsd).toBeCloseTo(standard * 1.1, 12);
    }
  });

  it("prices a request the workspace's default ran US-only at 1.1 times, and warns that its estimate was short", async () => {
    emulator.configure({ defaultInferenceGeo: 'us' });
    const { warnings, logger } = warningsLogger();
    const run = await batchFor(emulator)
      .setVerbosity(logger)
      .addJob({ id: 'a', model: 'claude-opus-4-6', maxTokens: 200, messages: userMessage('hello') })
      .run({ wait: true });
    const billing = await until(
      () => emulator.billing(),
      (b) => b.unfinished.length === 0,
    );
    expect(billing.requests.map((r) => r.inferenceGeo)).toEqual(['us']);
    expect(run.results().a!.costUsd).toBeCloseTo(billedCost(billing.requests[0]!)!, 12);
    expect(warnings.join('\n')).toMatch(/ran 1 request\(s\) US-only .*inference_geo: 'us'/);
  });
});

import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { batchCost } from '../../src/pricing/prices.js';
import { batchFor, userMessage } from '../helpers/batch.js';
import { billedCost } from '../helpers/billing.js';
import { makePdf } from '../helpers/pdf.js';

let emulator: Emulator;
beforeEach(async () => {
  emulator = await startEmulator({ processingMs: 30 });
});
afterEach(() => emulator.close());

async function mixedBatch(options: Parameters<typeof batchFor>[1] = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'batchwise-dry-'));
  const pdf = join(dir, 'doc.pdf');
  await writeFile(pdf, await makePdf([['Vendor: Acme'], ['Total: 10.00']]));
  return batchFor(emulator, { itemsPerBatch: 2, ...options })
    .addJob({
      id: 'a1',
      model: 'claude-haiku-4-5',
      messages: [{ role: 'system', content: 'Be brief.' }, ...userMessage('hello')],
    })
    .addJob({
      id: 'a2',
      model: 'claude-haiku-4-5',
      file: pdf,
      prompt: 'Extract',
      responseModel: z.object({ vendor: z.string() }),
    })
    .addJob({ id: 'a3', model: 'claude-haiku-4-5', maxTokens: 50, messages: userMessage('third') })
    .addJob({ id: 'o1', model: 'gpt-4o-mini', temperature: 0.2, messages: userMessage('hello openai') })
    .addJob({
      id: 'o2',
      model: 'gpt-5-mini',
      file: pdf,
      prompt: 'Extract',
      responseModel: z.object({ vendor: z.string() }),
    });
}

describe('batch.dryRun()', () => {
  it('makes no request and reports bodies, batches, estimates and totals', async () => {
    const report = await (await mixedBatch()).dryRun();
    expect(emulator.stats().calls).toEqual({});
    expect(report.batches.map((b) => [b.provider, b.model, b.jobIds])).toEqual([
      ['anthropic', 'claude-haiku-4-5', ['a1', 'a2']],
      ['anthropic', 'claude-haiku-4-5', ['a3']],
      ['openai', 'gpt-4o-mini', ['o1']],
      ['openai', 'gpt-5-mini', ['o2']],
    ]);
    const a1 = report.jobs.find((j) => j.jobId === 'a1')!;
    // custom_id as sent: the batch's submission id, then the job id.
    expect(report.batches[0]!.submissionId).toMatch(/^[a-z0-9]{8}$/);
    expect(a1.request).toEqual({
      custom_id: `${report.batches[0]!.submissionId}_a1`,
      params: {
        model: 'claude-haiku-4-5',
        max_tokens: 1024,
        system: 'Be brief.',
        messages: [{ role: 'user', content: 'hello' }],
      },
    });
    expect(a1.estimatedOutputTokens).toBe(1024);
    expect(a1.estimatedCostUsd).toBeCloseTo(
      batchCost('claude-haiku-4-5', 'anthropic', {
        inputTokens: a1.estimatedInputTokens,
        outputTokens: 1024,
      })!,
      12,
    );
    const a2 = report.jobs.find((j) => j.jobId === 'a2')!;
    expect(a2.estimatedInputTokens).toBeGreaterThanOrEqual(2 * 3_000);
    expect(report.jobs.find((j) => j.jobId === 'o1')!.request).toMatchObject({
      custom_id: `${report.batches[2]!.submissionId}_o1`,
      method: 'POST',
      url: '/v1/chat/completions',
    });
    expect(report.totals.jobs).toBe(5);
    expect(report.totals.estimatedCostUsd).toBeCloseTo(
      report.jobs.reduce((s, j) => s + j.estimatedCostUsd!, 0),
      12,
    );
    expect(report.batches[0]!.estimatedCostUsd).toBeCloseTo(a1.estimatedCostUsd! + a2.estimatedCostUsd!, 12);
    expect(report.stoppedByCostLimit).toEqual([]);
  });

  it('sends exactly the bodies it reported', async () => {
    const received = new Map<string, Record<string, unknown>>();
    emulator.configure({ respond: ({ customId, body }) => void received.set(customId.slice(9), body) });
    const report = await (await mixedBatch()).dryRun();
    await (await mixedBatch()).run({ wait: true });
    for (const job of report.jobs) {
      const sent = job.provider === 'anthropic' ? job.request.params : job.request.body;
      expect(received.get(job.jobId), job.jobId).toEqual(sent);
    }
  });

  it('names the jobs a cost limit would stop, and never shows an API key', async () => {
    const batch = (await mixedBatch({ anthropic: { apiKey: 'sk-ant-secret-key-000' } })).addCostLimit({
      usd: 0.0006,
    });
    const report = await batch.dryRun();
    let committed = 0;
    const expected: string[] = [];
    for (const job of report.jobs) {
      if (committed + job.estimatedCostUsd! > 0.0006) expected.push(job.jobId);
      else committed += job.estimatedCostUsd!;
    }
    expect(report.stoppedByCostLimit).toEqual(expected);
    expect(expected.length).toBeGreaterThan(0);
    expect(report.costLimitUsd).toBe(0.0006);
    expect(JSON.stringify(report)).not.toContain('sk-ant-secret-key-000');
  });

  it('works without API keys, since nothing is sent', async () => {
    const saved = process.env.ANTHROPIC_API_KEY;
    delete process.env.ANTHROPIC_API_KEY;
    try {
      const { Batch } = await import('../../src/index.js');
      const report = await new Batch()
        .defaults({ model: 'claude-haiku-4-5' })
        .addJob({ messages: userMessage('x') })
        .dryRun();
      expect(report.totals.jobs).toBe(1);
    } finally {
      if (saved !== undefined) process.env.ANTHROPIC_API_KEY = saved;
    }
  });

  it('with a state file, a sample is part of the state: its results go where the run puts them, and the run follows', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'batchwise-sample-'));
    const batch = batchFor(emulator, {
      stateFile: join(dir, 'state.jsonl'),
      resultsDir: join(dir, 'results'),
    });
    for (let i = 0; i < 4; i++)
      batch.addJob({ id: `s${i}`, model: 'claude-haiku-4-5', messages: userMessage(`q${i}`) });
    await batch.dryRun({ sample: 0.25 });
    expect(await readdir(join(dir, 'results'))).toContain('s0.json');
    const run = await batch.run({ wait: true });
    expect(Object.values(run.results()).every((r) => r.isSuccess)).toBe(true);
    // s0 went out once, with the sample.
    expect((await emulator.billing()).requests.map((r) => r.customId.slice(9)).sort()).toEqual([
      's0',
      's1',
      's2',
      's3',
    ]);
  });

  it('dryRun({ sample }) runs a real sample and extrapolates from its actual usage', async () => {
    const batch = batchFor(emulator);
    for (let i = 0; i < 8; i++)
      batch.addJob({ id: `s${i}`, model: 'claude-haiku-4-5', messages: userMessage(`question ${i}`) });
    const report = await batch.dryRun({ sample: 0.25 });
    expect(report.sample!.jobIds).toEqual(['s0', 's4']);
    expect(emulator.stats().batchesCreated.anthropic).toBe(1);
    expect(Object.values(report.sample!.results).every((r) => r.isSuccess)).toBe(true);
    const { actualCostUsd, estimatedCostUsd, extrapolatedCostUsd } = report.sample!;
    expect(actualCostUsd).toBeGreaterThan(0);
    expect(actualCostUsd!).toBeLessThan(estimatedCostUsd!);
    expect(extrapolatedCostUsd).toBeCloseTo(
      (report.totals.estimatedCostUsd! * actualCostUsd!) / estimatedCostUsd!,
      12,
    );
    expect(extrapolatedCostUsd!).toBeLessThan(report.totals.estimatedCostUsd!);
  });

  it('a sampled job whose answer could not be read is collected by run(), not paid for again', async () => {
    const batch = batchFor(emulator, {
      retry: { attempts: 1 },
      anthropic: { apiKey: 'test-key', baseURL: emulator.anthropicBaseURL, maxRetries: 0 },
    }).addCostLimit({ usd: 1 });
    for (let i = 0; i < 4; i++)
      batch.addJob({ id: `j${i}`, model: 'claude-haiku-4-5', maxTokens: 50, messages: userMessage(`q${i}`) });
    // The sample's batch runs (and is billed), but its results cannot be downloaded.
    emulator.injectFault({ route: 'GET /v1/messages/batches/{id}/results', status: 500, times: 1000 });
    const report = await batch.dryRun({ sample: 0.25 });
    expect(report.sample!.results.j0).toMatchObject({ status: 'failed', error: { code: 'results_failed' } });
    emulator.clearFaults();
    // A second sample picks other jobs: j0 is paid for and waits for run() to collect it.
    const second = await batch.dryRun({ sample: 0.25 });
    expect(second.sample!.jobIds).not.toContain('j0');

    const run = await batch.run({ wait: true });
    const results = run.results();
    expect(Object.values(results).map((r) => [r.jobId, r.status])).toEqual(
      ['j0', 'j1', 'j2', 'j3'].map((id) => [id, 'succeeded']),
    );
    // Collected from the sample's provider batch: one batch for the sample, one for the rest.
    expect(results.j0!.providerBatchId).toBe(report.sample!.results.j0!.providerBatchId);
    const billed = (await emulator.billing()).requests.map((r) => r.customId.split('_').at(-1));
    expect(billed.sort()).toEqual(['j0', 'j1', 'j2', 'j3']);
    // What j0 cost is counted once: the run's spend is what the provider billed.
    const billedUsd = (await emulator.billing()).requests.reduce((sum, r) => sum + billedCost(r)!, 0);
    expect(run.progress().costSpentUsd).toBeCloseTo(billedUsd, 12);
    expect(run.progress().costReservedUsd).toBe(0);
  });
});

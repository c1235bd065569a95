import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import type { JobInput } from '../../src/index.js';
import { batchCost } from '../../src/pricing/prices.js';
import { batchFor, userMessage } from '../helpers/batch.js';
import { billedCost } from '../helpers/billing.js';
import { until } from '../helpers/clients.js';

let emulator: Emulator;
beforeEach(async () => {
  emulator = await startEmulator({ processingMs: 40 });
});
afterEach(() => emulator.close());

/** The text of a request's last message: where a retry's note goes. */
function lastMessage(body: unknown): string {
  return (body as { messages: { content: string }[] }).messages.at(-1)!.content;
}

/** Job "a": its answer must be `{ total: number }`, and it is sent again once after an invalid one. */
const retriedJob: JobInput = {
  id: 'a',
  model: 'claude-haiku-4-5',
  maxTokens: 100,
  retryInvalid: 1,
  responseModel: z.object({ total: z.number() }),
  messages: userMessage('first'),
};

/** What the emulator billed, in dollars at the batch price (both test models are in the price table). */
async function billedUsd(): Promise<number> {
  const billing = await emulator.billing();
  let usd = 0;
  for (const request of billing.requests) usd += billedCost(request) ?? Number.NaN;
  return usd;
}

describe('money is held until its cost is known', () => {
  it('a job whose results could not be downloaded keeps its reservation: it is not handed to another job', async () => {
    // Room for one worst case, not two.
    const worstCase = batchCost('claude-haiku-4-5', 'anthropic', { inputTokens: 40, outputTokens: 1_000 })!;
    emulator.injectFault({ route: 'GET /v1/messages/batches/{id}/results', status: 500, times: 1_000 });
    const batch = batchFor(emulator, {
      itemsPerBatch: 1,
      maxConcurrent: 1,
      retry: { attempts: 2 },
      anthropic: { maxRetries: 0 },
    })
      .addCostLimit({ usd: worstCase * 1.5 })
      .addJob({ id: 'a', model: 'claude-haiku-4-5', maxTokens: 1_000, messages: userMessage('first') })
      .addJob({ id: 'b', model: 'claude-haiku-4-5', maxTokens: 1_000, messages: userMessage('second') });
    const run = await batch.run({ wait: true });
    const results = run.results();
    expect(results.a).toMatchObject({ status: 'failed', error: { code: 'results_failed' }, costUsd: null });
    // The provider billed "a"; what it cost is not known, so its worst case stays reserved and "b" cannot fit.
    expect(results.b).toMatchObject({ status: 'failed', error: { code: 'cost_limit' } });
    expect(emulator.stats().batchesCreated.anthropic).toBe(1);
    expect(run.progress().costReservedUsd).toBeGreaterThan(0);
    expect(await billedUsd()).toBeLessThanOrEqual(worstCase * 1.5);
  });

  it('a resumed intent whose batch was never created gives its reservation back before its jobs are sent again', async () => {
    const stateFile = join(await mkdtemp(join(tmpdir(), 'batchwise-money-')), 'state.jsonl');
    const worstCase = batchCost('claude-haiku-4-5', 'anthropic', { inputTokens: 40, outputTokens: 1_000 })!;
    const batch = () =>
      batchFor(emulator, { stateFile, retry: { attempts: 1 }, anthropic: { maxRetries: 0 } })
        .addCostLimit({ usd: worstCase * 1.5 })
        .addJob({ id: 'a', model: 'claude-haiku-4-5', maxTokens: 1_000, messages: userMessage('first') });
    // A 5xx on create (it may have happened) and a look-up that fails: the intent stays open, nothing was created.
    emulator.injectFault({ route: 'POST /v1/messages/batches', status: 500, times: 1 });
    emulator.injectFault({ route: 'GET /v1/messages/batches', status: 403, times: 1_000 });
    const first = await batch().run({ wait: true });
    expect(first.results().a).toMatchObject({ error: { code: 'adopt_failed' } });
    emulator.clearFaults();
    // The resume finds no batch, abandons the intent and sends the job again within the same limit.
    const resumed = await batch().run({ wait: true });
    expect(resumed.results().a).toMatchObject({ status: 'succeeded' });
    expect(emulator.stats().batchesCreated.anthropic).toBe(1);
  });

  it.each(['gpt-4o-mini', 'claude-haiku-4-5'])(
    'a refusal (%s) fails and costs what the provider billed for it',
    async (model) => {
      emulator.configure({
        respond: () => ({
          refusal: 'I cannot help with that.',
          usage: { inputTokens: 120, outputTokens: 9 },
        }),
      });
      const run = await batchFor(emulator)
        .addJob({ id: 'r', model, messages: userMessage('something refused') })
        .run({ wait: true });
      const result = run.results().r!;
      expect(result).toMatchObject({
        status: 'failed',
        error: { code: 'refusal' },
        inputTokens: 120,
        outputTokens: 9,
      });
      const provider = model.startsWith('gpt') ? 'openai' : 'anthropic';
      // What the provider said is kept: Claude's stop_reason, OpenAI's finish_reason.
      expect(result.stopReason).toBe(provider === 'anthropic' ? 'refusal' : 'stop');
      const expected = batchCost(model, provider, { inputTokens: 120, outputTokens: 9 })!;
      expect(result.costUsd).toBeCloseTo(expected, 12);
      expect(run.progress().costSpentUsd).toBeCloseTo(expected, 12);
      expect(await billedUsd()).toBeCloseTo(expected, 12);
    },
  );
});

describe('a stop never makes a retryable outcome final, and what was paid is remembered', () => {
  it('an invalid answer with retries left, when the run is stopping, ends resumable; the resume pays only the new attempt', async () => {
    const stateFile = join(await mkdtemp(join(tmpdir(), 'batchwise-money-')), 'state.jsonl');
    const answered = new Set<string>();
    // Each job's first answer does not match the schema; later ones do.
    const prompts: string[] = [];
    emulator.configure({
      respond: ({ customId, body }) => {
        prompts.push(lastMessage(body));
        const jobId = customId.slice(9);
        if (answered.has(jobId)) return { json: { total: 42 } };
        answered.add(jobId);
        return { text: 'not json at all' };
      },
    });
    const batch = () =>
      batchFor(emulator, { stateFile })
        .addCostLimit({ usd: 1 })
        .defaults({
          model: 'claude-haiku-4-5',
          maxTokens: 100,
          responseModel: z.object({ total: z.number() }),
          retryInvalid: 1,
        })
        .addJob({ id: 'a', messages: userMessage('first') })
        .addJob({ id: 'b', messages: userMessage('second') });
    const first = await batch().run();
    first.once('batchSubmitted', () => void first.shutdown());
    const stopped = await first.wait();
    for (const id of ['a', 'b']) {
      expect(stopped[id]).toMatchObject({
        status: 'cancelled',
        error: { code: 'shutdown' },
        rawResponse: 'not json at all',
      });
      expect(stopped[id]!.costUsd).toBeGreaterThan(0); // the invalid answer was billed
    }
    const paidBefore = await billedUsd();

    const resumed = await batch().run({ wait: true });
    const results = resumed.results();
    for (const id of ['a', 'b'])
      expect(results[id]).toMatchObject({ status: 'succeeded', parsedResponse: { total: 42 } });
    // Both attempts are in each job's cost and in the run's spend: nothing paid is forgotten by a resume.
    const billed = await billedUsd();
    expect(billed).toBeGreaterThan(paidBefore);
    expect(results.a!.costUsd! + results.b!.costUsd!).toBeCloseTo(billed, 12);
    expect(resumed.progress().costSpentUsd).toBeCloseTo(billed, 12);
    // The resume continued the attempt count: two sends each, as retryInvalid: 1 allows, not a fresh budget.
    expect([results.a!.attempts, results.b!.attempts]).toEqual([2, 2]);
    const sends = (await emulator.billing()).requests.map((r) => r.customId.slice(9)).sort();
    expect(sends).toEqual(['a', 'a', 'b', 'b']);
    // The resume's retries say what was wrong with the answers the stopped run paid for.
    expect(prompts.filter((p) => p.includes('A previous answer to this request was rejected'))).toHaveLength(
      2,
    );
  });

  it('at a price of $0 the answers a stop kept still count as sends: the resume does not grant retryInvalid afresh', async () => {
    const stateFile = join(await mkdtemp(join(tmpdir(), 'batchwise-money-free-')), 'state.jsonl');
    emulator.configure({ respond: () => ({ text: 'not json at all' }) });
    const batch = () =>
      batchFor(emulator, {
        stateFile,
        prices: { 'claude-haiku-4-5': { inputPerMTok: 0, outputPerMTok: 0 } },
      }).addJob(retriedJob);
    const first = await batch().run();
    first.once('batchSubmitted', () => void first.shutdown());
    expect((await first.wait()).a).toMatchObject({
      error: { code: 'shutdown' },
      attempts: 1,
      costUsd: 0,
      rawResponse: 'not json at all',
    });
    const resumed = (await batch().run({ wait: true })).results().a!;
    // Two sends in all, as retryInvalid: 1 allows: the resume sent the retry, not the first attempt again.
    expect(resumed).toMatchObject({ status: 'invalid', attempts: 2 });
    expect((await emulator.billing()).requests).toHaveLength(2);
  });

  it('an attempt that is paid and sent again is on disk before the next one goes out', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'batchwise-money-'));
    let first = true;
    emulator.configure({
      respond: () => {
        if (!first) return { json: { total: 7 } };
        first = false;
        return { text: 'not json' };
      },
    });
    const run = await batchFor(emulator, {
      stateFile: join(dir, 'state.jsonl'),
      resultsDir: join(dir, 'results'),
    })
      .defaults({
        model: 'claude-haiku-4-5',
        maxTokens: 100,
        responseModel: z.object({ total: z.number() }),
        retryInvalid: 1,
      })
      .addJob({ id: 'a', messages: userMessage('first') })
      .run();
    // When the second attempt's batch is submitted, the first attempt's cost is already in a resumable marker.
    const marker = new Promise<unknown>((resolve) => {
      let submitted = 0;
      run.on('batchSubmitted', () => {
        if (++submitted === 2) resolve(JSON.parse(readFileSync(join(dir, 'results', 'a.json'), 'utf8')));
      });
    });
    await run.wait();
    expect(await marker).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'resending' },
      costUsd: expect.any(Number),
    });
    expect(((await marker) as { costUsd: number }).costUsd).toBeGreaterThan(0);
    expect(run.results().a).toMatchObject({ status: 'succeeded', attempts: 2 });
  });
});

describe('a sampled dry run is part of the run', () => {
  it('its jobs are not sent again, their results are reused, and what it spent counts against the limit', async () => {
    const batch = batchFor(emulator, { itemsPerBatch: 10 }).addCostLimit({ usd: 1 });
    for (let i = 0; i < 6; i++)
      batch.addJob({
        id: `j${i}`,
        model: 'claude-haiku-4-5',
        maxTokens: 100,
        messages: userMessage(`q${i}`),
      });
    const report = await batch.dryRun({ sample: 0.34 });
    const sampled = report.sample!.jobIds;
    expect(sampled.length).toBe(3);
    const run = await batch.run({ wait: true });
    const results = run.results();
    expect(Object.values(results).every((r) => r.isSuccess)).toBe(true);
    // Each job was billed exactly once, over the sample and the run together.
    const billing = await emulator.billing();
    const billedJobs = billing.requests.map((r) => r.customId.slice(9)).sort();
    expect(billedJobs).toEqual(['j0', 'j1', 'j2', 'j3', 'j4', 'j5']);
    for (const id of sampled) expect(results[id]).toEqual(report.sample!.results[id]);
    expect(run.progress().costSpentUsd).toBeCloseTo(await billedUsd(), 12);
  });

  it('with a stateFile the sample is journaled: running the same code again sends nothing twice', async () => {
    const stateFile = join(await mkdtemp(join(tmpdir(), 'batchwise-money-')), 'state.jsonl');
    const script = async () => {
      const batch = batchFor(emulator, { stateFile, itemsPerBatch: 10 }).addCostLimit({ usd: 1 });
      for (let i = 0; i < 8; i++)
        batch.addJob({
          id: `j${i}`,
          model: 'claude-haiku-4-5',
          maxTokens: 100,
          messages: userMessage(`q${i}`),
        });
      const report = await batch.dryRun({ sample: 0.25 });
      const run = await batch.run({ wait: true });
      return { report, results: run.results() };
    };
    const first = await script();
    expect(first.report.sample!.jobIds).toHaveLength(2);
    const again = await script();
    expect(again.results).toEqual(first.results);
    expect(again.report.sample!.results).toEqual(first.report.sample!.results);
    const billedJobs = (await emulator.billing()).requests.map((r) => r.customId.slice(9)).sort();
    expect(billedJobs).toEqual(['j0', 'j1', 'j2', 'j3', 'j4', 'j5', 'j6', 'j7']);
  });

  it('reuseState: false starts fresh once: the run after the sample continues it, and nothing is paid twice', async () => {
    const stateFile = join(await mkdtemp(join(tmpdir(), 'batchwise-money-')), 'state.jsonl');
    const batch = batchFor(emulator, { stateFile, reuseState: false, itemsPerBatch: 10 });
    for (let i = 0; i < 8; i++)
      batch.addJob({
        id: `j${i}`,
        model: 'claude-haiku-4-5',
        maxTokens: 100,
        messages: userMessage(`q${i}`),
      });
    await batch.dryRun({ sample: 0.25 });
    const run = await batch.run({ wait: true });
    expect(Object.values(run.results()).every((r) => r.isSuccess)).toBe(true);
    const billedJobs = (await emulator.billing()).requests.map((r) => r.customId.slice(9)).sort();
    expect(billedJobs).toEqual(['j0', 'j1', 'j2', 'j3', 'j4', 'j5', 'j6', 'j7']);
  });

  it('the sample stays under the cost limit, and the run gets only what is left', async () => {
    const worstCase = batchCost('claude-haiku-4-5', 'anthropic', { inputTokens: 40, outputTokens: 2_000 })!;
    const limit = worstCase * 2.5;
    const batch = batchFor(emulator, { itemsPerBatch: 1, maxConcurrent: 1 }).addCostLimit({ usd: limit });
    // Every answer is as long as allowed: actual costs equal the worst case.
    emulator.configure({ respond: () => ({ text: 'x', usage: { inputTokens: 40, outputTokens: 2_000 } }) });
    for (let i = 0; i < 4; i++)
      batch.addJob({
        id: `j${i}`,
        model: 'claude-haiku-4-5',
        maxTokens: 2_000,
        messages: userMessage(`q${i}`),
      });
    await batch.dryRun({ sample: 0.5 });
    const run = await batch.run({ wait: true });
    const results = Object.values(run.results());
    expect(results.filter((r) => r.isSuccess)).toHaveLength(2);
    expect(results.filter((r) => r.error?.code === 'cost_limit')).toHaveLength(2);
    expect(await billedUsd()).toBeLessThanOrEqual(limit);
  });
});

describe('attempts count sends', () => {
  it('a retry the cost limit held back is still granted after resumes, with its note: retryInvalid 2 means 3 sends', async () => {
    const prompts: string[] = [];
    emulator.configure({
      respond: ({ body }) => {
        prompts.push(lastMessage(body));
        return { text: 'not json' };
      },
    });
    const stateFile = join(await mkdtemp(join(tmpdir(), 'batchwise-attempts-')), 'state.jsonl');
    const batch = (usd: number | null) => {
      const built = batchFor(emulator, { stateFile }).addJob({
        id: 'job',
        model: 'claude-haiku-4-5',
        maxTokens: 100,
        retryInvalid: 2,
        responseModel: z.object({ n: z.number() }),
        messages: userMessage('Give n'),
      });
      return usd === null ? built : built.addCostLimit({ usd });
    };
    const worstCase = (await batch(null).dryRun()).totals.estimatedCostUsd!;
    // Room for one send only: the first is paid, the retry is held back.
    const first = (await batch(worstCase).run({ wait: true })).results().job!;
    // The retry was held back, and the answer paid for is kept.
    expect(first).toMatchObject({
      status: 'failed',
      error: { code: 'cost_limit' },
      attempts: 1,
      rawResponse: 'not json',
    });
    const second = (await batch(worstCase).run({ wait: true })).results().job!;
    expect(second).toMatchObject({ error: { code: 'cost_limit' }, attempts: 1, rawResponse: 'not json' });
    const last = (await batch(worstCase * 100).run({ wait: true })).results().job!;
    expect(last).toMatchObject({ status: 'invalid', attempts: 3 });
    expect((await emulator.billing()).requests).toHaveLength(3);
    // Each retry, though sent by a later run than the answer it follows, says what was wrong with that answer.
    expect(prompts).toHaveLength(3);
    expect(prompts[0]).toBe('Give n');
    for (const retry of prompts.slice(1)) {
      expect(retry).toMatch(
        /^Give n\n\nA previous answer to this request was rejected: Job "job": .+\. Answer again/,
      );
    }
  });

  it('a retry cancelled in flight keeps the answer paid for, and the resume sends it with its note', async () => {
    const stateFile = join(await mkdtemp(join(tmpdir(), 'batchwise-retry-cancel-')), 'state.jsonl');
    const prompts: string[] = [];
    emulator.configure({
      respond: ({ body }) => {
        prompts.push(lastMessage(body));
        return prompts.length === 1 ? { text: 'not json at all' } : { json: { total: 42 } };
      },
    });
    const batch = () => batchFor(emulator, { stateFile }).addJob(retriedJob);
    // Batches are held in progress: the first is let end, the retry's is cancelled while it runs (no answer).
    emulator.configure({ processingMs: 3_600_000, cancelMs: 10 });
    const first = await batch().run();
    let submitted = 0;
    first.on('batchSubmitted', () => {
      if (++submitted === 1) void emulator.finishProcessing();
      else void first.shutdown({ waitForActive: false });
    });
    const stopped = (await first.wait()).a!;
    expect(stopped).toMatchObject({ status: 'cancelled', rawResponse: 'not json at all' });
    emulator.configure({ processingMs: 40 });
    const resumed = (await batch().run({ wait: true })).results().a!;
    expect(resumed).toMatchObject({ status: 'succeeded', parsedResponse: { total: 42 } });
    expect(prompts.at(-1)).toContain('A previous answer to this request was rejected');
  });

  it('a resumed retry whose results cannot be read does not make the next resume forget what the first attempt cost', async () => {
    const stateFile = join(await mkdtemp(join(tmpdir(), 'batchwise-retry-unread-')), 'state.jsonl');
    emulator.configure({ respond: () => ({ text: 'not json at all' }) });
    const batch = () =>
      batchFor(emulator, { stateFile, retry: { attempts: 1 } })
        .addCostLimit({ usd: 1 })
        .addJob(retriedJob);
    // 1: the first answer is invalid and the run stops before the retry goes out.
    const first = await batch().run();
    first.once('batchSubmitted', () => void first.shutdown());
    expect((await first.wait()).a).toMatchObject({ error: { code: 'shutdown' }, attempts: 1 });
    // 2: the retry goes out, and its results cannot be downloaded.
    emulator.injectFault({ route: 'GET /v1/messages/batches/{id}/results', status: 500, times: 1_000 });
    const second = (await batch().run({ wait: true })).results().a!;
    expect(second).toMatchObject({ error: { code: 'results_failed' }, costUsd: null });
    // 3: the retry's results are read; the job cost both attempts, as the provider billed them.
    emulator.clearFaults();
    const third = await batch().run({ wait: true });
    const billed = await billedUsd();
    expect((await emulator.billing()).requests).toHaveLength(2);
    expect(third.results().a).toMatchObject({ status: 'invalid', attempts: 2 });
    expect(third.results().a!.costUsd).toBeCloseTo(billed, 12);
    expect(third.progress().costSpentUsd).toBeCloseTo(billed, 12);
  });

  it('a resume collects a retried job only from its latest batch: the batch that handed it back does not send it a third time', async () => {
    const stateFile = join(await mkdtemp(join(tmpdir(), 'batchwise-retry-twice-open-')), 'state.jsonl');
    // Each job's first answer is invalid, its retry's valid.
    const answered = new Map<string, number>();
    emulator.configure({
      processingMs: 300,
      respond: ({ customId }) => {
        const sends = (answered.get(customId.slice(9)) ?? 0) + 1;
        answered.set(customId.slice(9), sends);
        return sends === 1 ? { text: 'not json' } : { json: { total: 1 } };
      },
    });
    const batch = () => {
      const b = batchFor(emulator, {
        stateFile,
        itemsPerBatch: 4,
        retry: { attempts: 2 },
        anthropic: { maxRetries: 0 },
      });
      for (let i = 0; i < 4; i++)
        b.addJob({ ...retriedJob, id: `j${i}`, messages: userMessage(`question ${i}`) });
      return b;
    };
    // 1: the first batch's results break off twice after two answers: those two are retried in a second batch, and
    // the first batch stays open for the two it could not read. The second batch cannot be polled (403).
    emulator.injectFault({ route: 'GET /v1/messages/batches/{id}/results', kind: 'truncate', times: 2 });
    const first = await batch().run();
    let submitted = 0;
    first.on('batchSubmitted', () => {
      if (++submitted === 2)
        emulator.injectFault({ route: 'GET /v1/messages/batches/{id}', status: 403, times: 3 });
    });
    const codes = Object.values(await first.wait()).map((r) => r.error?.code);
    expect(codes.sort()).toEqual(['poll_failed', 'poll_failed', 'results_failed', 'results_failed']);
    // 2: the resume follows both batches. The retried jobs' answers come from the second; the first gives the other
    // two jobs' invalid answers, which are retried once.
    const second = await batch().run({ wait: true });
    const billing = await until(
      () => emulator.billing(),
      (b) => b.unfinished.length === 0,
    );
    for (const id of ['j0', 'j1', 'j2', 'j3']) {
      const billed = billing.requests.filter((r) => r.customId.endsWith(`_${id}`));
      expect(billed, id).toHaveLength(2);
      const result = second.results()[id]!;
      expect(result).toMatchObject({ status: 'succeeded', attempts: 2 });
      expect(result.costUsd).toBeCloseTo(
        billed.reduce((usd, r) => usd + billedCost(r)!, 0),
        12,
      );
    }
    expect(emulator.stats().batchesCreated.anthropic).toBe(3);
    expect(second.progress().costSpentUsd).toBeCloseTo(await billedUsd(), 12);
  });

  it('a job the cost limit never let out says it was sent 0 times', async () => {
    const batch = batchFor(emulator).addCostLimit({ usd: 1e-9 });
    batch.addJob({ id: 'never', model: 'claude-haiku-4-5', messages: userMessage('hi') });
    const result = (await batch.run({ wait: true })).results().never!;
    expect(result).toMatchObject({ error: { code: 'cost_limit' }, attempts: 0 });
  });
});

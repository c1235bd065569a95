import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { type BatchRun, type JobResult, type Progress, WaitTimeoutError } from '../../src/index.js';
import { batchFor, userMessage } from '../helpers/batch.js';
import { until } from '../helpers/clients.js';
import { proxyFor } from '../helpers/proxy.js';

let emulator: Emulator;
beforeEach(async () => {
  emulator = await startEmulator({ processingMs: 100 });
});
afterEach(() => emulator.close());

function withJobs(count: number, options: Parameters<typeof batchFor>[1] = {}) {
  const batch = batchFor(emulator, options).defaults({ model: 'claude-haiku-4-5', maxTokens: 100 });
  for (let i = 0; i < count; i++) batch.addJob({ id: `q${i}`, messages: userMessage(`question ${i}`) });
  return batch;
}

/** Checks the invariant on every progress event and returns the events seen. */
function watchProgress(run: BatchRun): Progress[] {
  const seen: Progress[] = [];
  run.on('progress', (p) => {
    expect(p.pending + p.active + p.completed + p.failed).toBe(p.total);
    expect(p.batchesCompleted + p.batchesPending).toBeLessThanOrEqual(p.batchesTotal);
    seen.push(p);
  });
  return seen;
}

function expectOneResultEach(results: Record<string, JobResult>, count: number) {
  expect(Object.keys(results).sort()).toEqual(Array.from({ length: count }, (_, i) => `q${i}`).sort());
}

describe('Batch.run() on Anthropic, end to end', () => {
  it('runs 1 job', async () => {
    const run = await withJobs(1).run({ wait: true });
    expect(run.results()).toEqual({
      q0: expect.objectContaining({
        jobId: 'q0',
        status: 'succeeded',
        isSuccess: true,
        rawResponse: 'Reply to: question 0',
        inputTokens: 12,
        outputTokens: 9,
        totalTokens: 21,
        provider: 'anthropic',
        model: 'claude-haiku-4-5',
        providerBatchId: emulator.stats().createdBatchIds.anthropic[0],
        stopReason: 'end_turn',
        error: null,
      }),
    });
  });

  it('runs 10 jobs and sends what the job says: system prompt, turns, max_tokens, provider options', async () => {
    const seen: Record<string, unknown>[] = [];
    emulator.configure({
      respond: ({ body }) => {
        seen.push(body);
        return undefined;
      },
    });
    const batch = withJobs(9).addJob({
      id: 'q9',
      providerOptions: { anthropic: { stop_sequences: ['END'], metadata: { user_id: 'user-9' } } },
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello' },
        { role: 'user', content: 'question 9' },
      ],
    });
    const run = await batch.run({ wait: true });
    expectOneResultEach(run.results(), 10);
    expect(Object.values(run.results()).every((r) => r.isSuccess)).toBe(true);
    expect(seen.find((body) => body.system)).toEqual({
      model: 'claude-haiku-4-5',
      max_tokens: 100,
      system: 'Be brief.',
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello' },
        { role: 'user', content: 'question 9' },
      ],
      stop_sequences: ['END'],
      metadata: { user_id: 'user-9' },
    });
  });

  it('runs 1,000 jobs split into provider batches, never more than maxConcurrent (2) in flight', async () => {
    // Batches are held in progress until two are processing (or the last one is out), then let end: the run must
    // reach its limit of 2 and never pass it, however slowly a loaded machine creates the second batch.
    emulator.configure({ processingMs: 3_600_000 });
    const run = await withJobs(1000, { itemsPerBatch: 150, maxConcurrent: 2 }).run();
    let processing = 0;
    let submitted = 0;
    run.on('batchSubmitted', () => {
      processing++;
      submitted++;
      if (processing === 2 || submitted === 7) {
        void emulator.finishProcessing().then((finished) => {
          processing -= finished;
        });
      }
    });
    const progress = watchProgress(run);
    const results = await run.wait();
    expectOneResultEach(results, 1000);
    expect(Object.values(results).every((r) => r.isSuccess)).toBe(true);
    const stats = emulator.stats();
    expect(stats.batchesCreated.anthropic).toBe(7);
    expect(stats.maxActiveBatches.anthropic).toBe(2);
    expect(progress.at(-1)).toMatchObject({
      completed: 1000,
      isComplete: true,
      batchesTotal: 7,
      batchesCompleted: 7,
    });
  });

  it('frees a maxConcurrent slot when the provider ends a batch: the next one goes out while its results are read', async () => {
    // Collecting is local work (parsing, result files, the journal) while the provider could already be processing
    // the next batch. The first batch's results are held back until the second batch is created: with the slot
    // held through collecting, the second batch would never be created and the run would never end.
    let created = 0;
    const heldResults: (() => void)[] = [];
    const proxy = await proxyFor(emulator.url, (req, forward) => {
      if (req.method === 'POST' && req.url === '/v1/messages/batches' && ++created === 2) {
        for (const release of heldResults.splice(0)) release();
      }
      if (req.url?.endsWith('/results') && created < 2) heldResults.push(forward);
      else forward();
    });
    try {
      const run = await withJobs(4, {
        itemsPerBatch: 2,
        maxConcurrent: 1,
        anthropic: { baseURL: proxy.baseURL },
      }).run({
        wait: true,
      });
      expectOneResultEach(run.results(), 4);
      expect(Object.values(run.results()).every((r) => r.isSuccess)).toBe(true);
      expect(emulator.stats().maxActiveBatches.anthropic).toBe(1);
    } finally {
      await proxy.close();
    }
  });

  it('collects at most maxConcurrent batches at once, though the provider has ended more', async () => {
    // Results downloads are held. The provider ends all three batches meanwhile; once the run has seen them ended,
    // two of them must wait for the first one's collection, not collect beside it.
    let holding = true;
    const held: (() => void)[] = [];
    const proxy = await proxyFor(emulator.url, (req, forward) => {
      if (req.url?.endsWith('/results') && holding) held.push(forward);
      else forward();
    });
    try {
      const run = await withJobs(6, {
        itemsPerBatch: 2,
        maxConcurrent: 1,
        anthropic: { baseURL: proxy.baseURL },
      }).run();
      const seen = await until(
        async () => run.status().batches,
        (batches) => batches.length === 3 && batches.every((b) => b.rawStatus === 'ended'),
      );
      // One download at a time; the two waiting for their turn are collecting too, not processing at the provider.
      expect(held).toHaveLength(1);
      expect(seen.map((b) => b.phase)).toEqual(['collecting', 'collecting', 'collecting']);
      holding = false;
      for (const forward of held) forward();
      const results = await run.wait();
      expectOneResultEach(results, 6);
      expect(Object.values(results).every((r) => r.isSuccess)).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  it('splits by the provider request limit and every result is matched by custom_id', async () => {
    const run = await withJobs(25, { anthropic: { limits: { maxRequests: 10 } } }).run({ wait: true });
    expect(emulator.stats().batchesCreated.anthropic).toBe(3);
    for (const [id, result] of Object.entries(run.results())) {
      expect(result.rawResponse).toBe(`Reply to: question ${id.slice(1)}`);
    }
  });

  it('gives errored rows a failed result with the provider reason, and keeps the successes', async () => {
    emulator.configure({ erroredShare: 0.3 });
    const run = await withJobs(40).run();
    const failed: JobResult[] = [];
    run.on('jobFailed', (result) => failed.push(result));
    const results = await run.wait();
    expectOneResultEach(results, 40);
    const errored = Object.values(results).filter((r) => !r.isSuccess);
    expect(errored.length).toBeGreaterThan(3);
    expect(failed).toHaveLength(errored.length);
    for (const result of errored) {
      expect(result).toMatchObject({ status: 'failed', error: { code: 'errored', type: 'api_error' } });
    }
    expect(run.progress()).toMatchObject({ failed: errored.length, completed: 40 - errored.length });
  });

  it('gives expired rows an expired result and keeps the finished ones (maxRetries: 0)', async () => {
    emulator.configure({ expire: { completedShare: 0.4 } });
    const results = await (await withJobs(10, { maxRetries: 0 }).run()).wait();
    const statuses = Object.values(results).map((r) => r.status);
    expect(statuses.filter((s) => s === 'succeeded')).toHaveLength(4);
    expect(statuses.filter((s) => s === 'expired')).toHaveLength(6);
    expect(Object.values(results).find((r) => r.status === 'expired')!.error!.code).toBe('expired');
  });

  it('resubmits only the unfinished jobs of an expired batch, keeping the finished results', async () => {
    emulator.configure({ expire: { completedShare: 0.4 } });
    const run = await withJobs(10).run();
    run.once('batchCompleted', () => emulator.configure({ expire: null }));
    const sent: number[] = [];
    run.on('batchSubmitted', (batch) => sent.push(batch.jobIds.length));
    const results = await run.wait();
    expect(Object.values(results).every((r) => r.isSuccess)).toBe(true);
    expect(sent).toEqual([10, 6]);
    expect(emulator.stats().batchesCreated.anthropic).toBe(2);
    const second = emulator.stats().createdBatchIds.anthropic[1];
    expect(Object.values(results).filter((r) => r.providerBatchId === second)).toHaveLength(6);
  });

  it('ends jobs expired after maxRetries resubmissions', async () => {
    emulator.configure({ expire: { completedShare: 0.5 } });
    const results = await (await withJobs(4, { maxRetries: 2 }).run()).wait();
    // 4 -> 2 left -> 1 left -> 1 expired for good (floor(1 x 0.5) = 0 done).
    expect(
      Object.values(results)
        .map((r) => r.status)
        .sort(),
    ).toEqual(['expired', 'succeeded', 'succeeded', 'succeeded']);
    expect(emulator.stats().batchesCreated.anthropic).toBe(3);
  });

  it('rides over 429 and 5xx during submit and poll without submitting twice', async () => {
    emulator.injectFault({ route: 'POST /v1/messages/batches', status: 429, times: 2 });
    emulator.injectFault({ route: 'POST /v1/messages/batches', status: 500, times: 1 });
    emulator.injectFault({ route: 'GET /v1/messages/batches/{id}', status: 503, times: 4 });
    emulator.injectFault({ route: 'GET /v1/messages/batches/{id}', kind: 'reset', times: 1 });
    // SDK retries off: batchwise's own retries and polling must carry it.
    const run = await withJobs(6, { itemsPerBatch: 3, anthropic: { maxRetries: 0 } }).run({ wait: true });
    expect(Object.values(run.results()).every((r) => r.isSuccess)).toBe(true);
    const stats = emulator.stats();
    expect(stats.batchesCreated.anthropic).toBe(2);
    expect(stats.calls['POST /v1/messages/batches']).toBe(5);
  });

  it('reads a results stream again after it broke, and records each job once', async () => {
    emulator.injectFault({ route: 'GET /v1/messages/batches/{id}/results', kind: 'truncate', times: 1 });
    const run = await withJobs(30, { anthropic: { maxRetries: 0 } }).run();
    const completed: string[] = [];
    run.on('jobCompleted', (result) => completed.push(result.jobId));
    const results = await run.wait();
    expectOneResultEach(results, 30);
    expect(Object.values(results).every((r) => r.isSuccess)).toBe(true);
    expect(completed.sort()).toEqual(Object.keys(results).sort());
    expect(emulator.stats().calls['GET /v1/messages/batches/{id}/results']).toBe(2);
  });

  it('fails a batch whose submit keeps being refused, with the reason, and runs the others', async () => {
    emulator.injectFault({ route: 'POST /v1/messages/batches', status: 500, times: 4 });
    const run = await withJobs(4, {
      itemsPerBatch: 2,
      maxConcurrent: 1,
      anthropic: { maxRetries: 0 },
      retry: { attempts: 4 },
    }).run({
      wait: true,
    });
    const statuses = Object.values(run.results()).map((r) => [r.jobId, r.status, r.error?.code ?? null]);
    expect(statuses).toEqual([
      ['q0', 'failed', 'submit_failed'],
      ['q1', 'failed', 'submit_failed'],
      ['q2', 'succeeded', null],
      ['q3', 'succeeded', null],
    ]);
    expect(run.results().q0!.error!.message).toContain('HTTP 500');
  });

  it('wait({ timeoutMs }) rejects with a timeout and the run keeps going', async () => {
    emulator.configure({ processingMs: 400 });
    const run = await withJobs(3).run();
    await expect(run.wait({ timeoutMs: 50 })).rejects.toBeInstanceOf(WaitTimeoutError);
    expect(run.progress().isComplete).toBe(false);
    const results = await run.wait({ timeoutMs: 10_000 });
    expect(Object.values(results).filter((r) => r.isSuccess)).toHaveLength(3);
  });

  it('shutdown({ waitForActive: true }) lets in-flight batches finish and cancels the unsubmitted', async () => {
    emulator.configure({ processingMs: 300 });
    const run = await withJobs(6, { itemsPerBatch: 2, maxConcurrent: 1 }).run();
    await new Promise((resolve) => run.once('batchSubmitted', resolve));
    const results = await run.shutdown({ waitForActive: true });
    expectOneResultEach(results, 6);
    expect(['q0', 'q1'].map((id) => results[id]!.status)).toEqual(['succeeded', 'succeeded']);
    for (const id of ['q2', 'q3', 'q4', 'q5']) {
      expect(results[id]).toMatchObject({
        status: 'cancelled',
        error: { code: 'shutdown' },
        providerBatchId: null,
      });
    }
    expect(emulator.stats().batchesCreated.anthropic).toBe(1);
    expect(emulator.stats().calls['POST /v1/messages/batches/{id}/cancel']).toBeUndefined();
  });

  it('shutdown({ waitForActive: false }) cancels in-flight provider batches and keeps what they finished', async () => {
    emulator.configure({ processingMs: 2_000, cancelMs: 50 });
    const run = await withJobs(4, { itemsPerBatch: 2, maxConcurrent: 1 }).run();
    await new Promise((resolve) => run.once('batchSubmitted', resolve));
    const results = await run.shutdown({ waitForActive: false });
    expectOneResultEach(results, 4);
    expect(emulator.stats().calls['POST /v1/messages/batches/{id}/cancel']).toBe(1);
    // What the user stopped is not lost work: both the cancelled request and the unsent one end resumable.
    expect(results.q0).toMatchObject({ status: 'cancelled', error: { code: 'shutdown' } });
    expect(results.q0!.providerBatchId).not.toBeNull();
    expect(results.q2).toMatchObject({ status: 'cancelled', error: { code: 'shutdown' } });
  });

  it('a time limit cancels in-flight batches; the rest end failed with "time limit exceeded"', async () => {
    // Batches that would take an hour: the run can only have ended by the time limit cancelling them.
    emulator.configure({ processingMs: 3_600_000, cancelMs: 50 });
    const run = await withJobs(4, { itemsPerBatch: 2, maxConcurrent: 1 })
      .addTimeLimit({ seconds: 0.3 })
      .run({ wait: true });
    const results = run.results();
    expectOneResultEach(results, 4);
    for (const result of Object.values(results)) {
      expect(result).toMatchObject({
        status: 'failed',
        error: { code: 'time_limit', message: expect.stringContaining('time limit exceeded') },
      });
    }
    // Whatever the machine's load let out before the limit passed (usually the first batch) was cancelled, and
    // nothing more went out after it: with one batch at a time, at most one was created.
    const stats = emulator.stats();
    const created = stats.batchesCreated.anthropic;
    expect(created).toBeLessThanOrEqual(1);
    expect(stats.calls['POST /v1/messages/batches/{id}/cancel'] ?? 0).toBe(created);
    expect(Object.values(results).filter((r) => r.providerBatchId !== null)).toHaveLength(created * 2);
  });

  it('writes one result file per job atomically, raw request and response beside it, and never deletes the directory', async () => {
    const resultsDir = await mkdtemp(join(tmpdir(), 'batchwise-results-'));
    await writeFile(join(resultsDir, 'keep-me.txt'), 'user data');
    const run = await withJobs(5, { resultsDir }).run({ wait: true });
    const files = (await readdir(resultsDir)).sort();
    expect(files).toEqual(['keep-me.txt', 'q0.json', 'q1.json', 'q2.json', 'q3.json', 'q4.json', 'raw']);
    const saved = JSON.parse(await readFile(join(resultsDir, 'q3.json'), 'utf8')) as JobResult;
    expect(saved).toEqual(run.results().q3);
    const raw = (await readdir(join(resultsDir, 'raw'))).sort();
    expect(raw).toContain('q3.request.json');
    expect(raw).toContain('q3.response.json');
    const request = JSON.parse(await readFile(join(resultsDir, 'raw', 'q3.request.json'), 'utf8'));
    expect(request).toMatchObject({
      custom_id: expect.stringMatching(/^[a-z0-9]{8}_q3$/),
      body: { messages: [{ role: 'user', content: 'question 3' }] },
    });
    const response = JSON.parse(await readFile(join(resultsDir, 'raw', 'q3.response.json'), 'utf8'));
    expect(response).toMatchObject({ custom_id: request.custom_id, result: { type: 'succeeded' } });
    expect(JSON.stringify(request) + JSON.stringify(response) + JSON.stringify(saved)).not.toContain(
      'test-key',
    );
  });

  it('saveRawResponses: false keeps only the result files', async () => {
    const resultsDir = await mkdtemp(join(tmpdir(), 'batchwise-results-'));
    await withJobs(2, { resultsDir, saveRawResponses: false }).run({ wait: true });
    expect((await readdir(resultsDir)).sort()).toEqual(['q0.json', 'q1.json']);
  });

  it('emits typed events and calls onProgress with consistent counts, ending complete', async () => {
    const ticks: Progress[] = [];
    const batch = withJobs(8, { itemsPerBatch: 4 });
    const run = await batch.run({ onProgress: (p) => ticks.push(p), progressIntervalMs: 10 });
    const events: string[] = [];
    run.on('batchCompleted', (b) => events.push(`batch ${b.index} ${b.status}`));
    run.on('complete', (results) => events.push(`complete ${Object.keys(results).length}`));
    await run.wait();
    expect(events).toContain('complete 8');
    expect(events.filter((e) => e.startsWith('batch'))).toHaveLength(2);
    expect(ticks.length).toBeGreaterThan(1);
    for (const p of ticks) expect(p.pending + p.active + p.completed + p.failed).toBe(8);
    expect(ticks.at(-1)).toMatchObject({
      isComplete: true,
      completed: 8,
      itemsPerBatch: 4,
      batchesTotal: 2,
      batchesCompleted: 2,
    });
    expect(run.status().batches.map((b) => b.status)).toEqual(['ended', 'ended']);
  });

  it('backs polling off from initialMs by factor up to maxMs', async () => {
    emulator.configure({ processingMs: 1_200 });
    await withJobs(1, { poll: { initialMs: 20, factor: 2, maxMs: 160 } }).run({ wait: true });
    // Fixed 20 ms polling would take about 60 polls; 20, 40, 80, 160, 160, ... takes about 10.
    const polls = emulator.stats().calls['GET /v1/messages/batches/{id}']!;
    expect(polls).toBeGreaterThanOrEqual(6);
    expect(polls).toBeLessThanOrEqual(14);
  });

  it('setVerbosity takes a logger of your own, and no message carries the API key', async () => {
    const lines: string[] = [];
    const log = (level: string) => (message: string) => lines.push(`${level} ${message}`);
    emulator.injectFault({ route: 'GET /v1/messages/batches/{id}', status: 500, times: 1 });
    const batch = withJobs(2, {
      anthropic: { maxRetries: 0, apiKey: 'sk-ant-logger-secret-1' },
    }).setVerbosity({
      debug: log('debug'),
      info: log('info'),
      warn: log('warn'),
      error: log('error'),
    });
    await batch.run({ wait: true });
    expect(lines.some((line) => line.startsWith('info submitted anthropic batch'))).toBe(true);
    expect(lines.some((line) => line.startsWith('warn poll of') && line.includes('HTTP 500'))).toBe(true);
    expect(lines.join('\n')).not.toContain('sk-ant-logger-secret-1');
  });

  it('status({ print: true }) prints a table of provider batches', async () => {
    const run = await withJobs(2).run({ wait: true });
    const lines: string[] = [];
    const original = console.log;
    console.log = (text: string) => lines.push(text);
    try {
      run.status({ print: true });
    } finally {
      console.log = original;
    }
    expect(lines.join('\n')).toMatch(/2 succeeded, 0 failed/);
    expect(lines.join('\n')).toContain(emulator.stats().createdBatchIds.anthropic[0]!);
  });
});

import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import type { BatchOptions } from '../../src/index.js';
import { batchFor, userMessage } from '../helpers/batch.js';
import { proxyFor } from '../helpers/proxy.js';

let emulator: Emulator;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'batchwise-stops-'));
  emulator = await startEmulator({
    processingMs: 80,
    dataDir: await mkdtemp(join(tmpdir(), 'batchwise-emu-')),
  });
});
afterEach(() => emulator.close());

function jobs(options: BatchOptions = {}, count = 4, model = 'claude-haiku-4-5') {
  const batch = batchFor(emulator, { stateFile: join(dir, 'state.jsonl'), itemsPerBatch: 2, ...options });
  for (let i = 0; i < count; i++)
    batch.addJob({ id: `j${i}`, model, maxTokens: 50, messages: userMessage(`q${i}`) });
  return batch;
}

describe('shutdown', () => {
  it('once shutdown begins, a batch being prepared is not submitted (its upload is deleted)', async () => {
    // The input is uploaded, its create refused with a 429: the batch waits to retry, and shutdown comes then.
    emulator.injectFault({ route: 'POST /v1/batches', status: 429, times: 1 });
    let shutdownCalled: Promise<unknown> | undefined;
    const batch = jobs({ retry: { initialDelayMs: 200 } }, 2, 'gpt-4o-mini').setVerbosity({
      debug: () => {},
      info: () => {},
      error: () => {},
      warn: (message) => {
        if (message.includes('create') && message.includes('retrying')) shutdownCalled ??= run.shutdown();
      },
    });
    const run = await batch.run();
    const results = await run.wait();
    expect(shutdownCalled).toBeDefined();
    expect(emulator.stats().batchesCreated.openai).toBe(0);
    expect(emulator.stats().calls['POST /v1/batches']).toBe(1);
    expect(emulator.stats().calls['DELETE /v1/files/{id}']).toBe(1);
    for (const id of ['j0', 'j1'])
      expect(results[id]).toMatchObject({ status: 'cancelled', error: { code: 'shutdown' } });
  });

  it('jobs stopped by shutdown({ waitForActive: false }) are sent again by a resume', async () => {
    emulator.configure({ processingMs: 3_000, cancelMs: 30 });
    const run = await jobs({ maxConcurrent: 1 }).run();
    await new Promise((resolve) => run.once('batchSubmitted', resolve));
    const stopped = await run.shutdown({ waitForActive: false });
    expect(Object.values(stopped).every((r) => r.error?.code === 'shutdown')).toBe(true);
    expect(emulator.stats().batchesCreated.anthropic).toBe(1);

    emulator.configure({ processingMs: 60 });
    const resumed = await jobs().run({ wait: true });
    expect(Object.values(resumed.results()).every((r) => r.isSuccess)).toBe(true);
    expect(Object.keys(resumed.results()).sort()).toEqual(['j0', 'j1', 'j2', 'j3']);
    expect(emulator.stats().batchesCreated.anthropic).toBe(3);
  });
});

describe('time limit', () => {
  it('jobs a time limit stopped are sent again by a resume', async () => {
    emulator.configure({ processingMs: 3_000, cancelMs: 30 });
    const first = await jobs({ maxConcurrent: 1 }).addTimeLimit({ seconds: 0.3 }).run({ wait: true });
    expect(Object.values(first.results()).every((r) => r.error?.code === 'time_limit')).toBe(true);

    emulator.configure({ processingMs: 60 });
    const resumed = await jobs().run({ wait: true });
    expect(Object.values(resumed.results()).every((r) => r.isSuccess)).toBe(true);
  });

  it('ends the run within the limit plus the grace period while polls keep failing, with a result for every job', async () => {
    emulator.configure({ processingMs: 60_000 });
    emulator.injectFault({ route: 'GET /v1/messages/batches/{id}', status: 503, times: 1_000_000 });
    emulator.injectFault({ route: 'POST /v1/messages/batches/{id}/cancel', status: 503, times: 1_000_000 });
    const batch = jobs({ stateFile: undefined, retry: { attempts: 20 } }).addTimeLimit({
      seconds: 1,
      graceSeconds: 0.5,
    });
    // Loads the token counters first, so that both batches are created well within the limit.
    await batch.dryRun();
    const run = await batch.run();
    const results = await run.wait();
    expect(Object.keys(results).sort()).toEqual(['j0', 'j1', 'j2', 'j3']);
    for (const result of Object.values(results)) expect(result.error?.code).toBe('time_limit');
    // Both batches were created and none was created twice.
    expect(emulator.stats().batchesCreated.anthropic).toBe(2);
  });

  for (const route of ['GET /v1/batches/{id}', 'POST /v1/batches/{id}/cancel']) {
    it(`an OpenAI 429 asking to retry in an hour (${route}) cannot hold the run past the grace period`, async () => {
      emulator.configure({ processingMs: 60_000 });
      // Left to the SDK, the wait for retry-after ignores the abort signal: the run would end in an hour.
      emulator.injectFault({ route, status: 429, retryAfterSeconds: 3_600, times: 1_000_000 });
      const batch = jobs({ stateFile: undefined }, 4, 'gpt-4o-mini').addTimeLimit({
        seconds: 2,
        graceSeconds: 0.5,
      });
      await batch.dryRun();
      const results = await (await batch.run()).wait();
      expect(Object.keys(results).sort()).toEqual(['j0', 'j1', 'j2', 'j3']);
      for (const result of Object.values(results)) expect(result.error?.code).toBe('time_limit');
      expect(emulator.stats().batchesCreated.openai).toBe(2);
      // Each batch's call was answered 429 once and waited on until the grace period ended it: never sent again.
      expect(emulator.stats().calls[route]).toBe(2);
    });
  }
});

describe('a provider that stops answering', () => {
  for (const [what, hangs] of [
    [
      'polls',
      (method: string, url: string) => method === 'GET' && /^\/v1\/messages\/batches\/[^/]+$/.test(url),
    ],
    ['result downloads', (method: string, url: string) => method === 'GET' && url.endsWith('/results')],
  ] as const) {
    it(`cannot hold the run past its time limit and grace period (hanging ${what})`, async () => {
      // Some requests are never answered.
      const proxy = await proxyFor(emulator.url, (req, forward) => {
        if (!hangs(req.method ?? '', req.url ?? '')) forward();
      });
      try {
        const run = await jobs({ stateFile: undefined, anthropic: { baseURL: proxy.baseURL } })
          .addTimeLimit({ seconds: 0.5, graceSeconds: 0.5 })
          .run();
        const results = await run.wait();
        expect(Object.keys(results).sort()).toEqual(['j0', 'j1', 'j2', 'j3']);
        for (const result of Object.values(results)) expect(result.error?.code).toBe('time_limit');
      } finally {
        await proxy.close();
      }
    });
  }
});

describe('one run per state', () => {
  it('two run() calls on one Batch: exactly one proceeds, the other gets a typed error', async () => {
    const batch = jobs();
    const outcomes = await Promise.allSettled([batch.run({ wait: true }), batch.run({ wait: true })]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const refused = outcomes.find((o) => o.status === 'rejected');
    expect(refused?.reason).toMatchObject({ code: 'already_run' });
    expect(emulator.stats().batchesCreated.anthropic).toBe(2);
  });

  it('two Batch objects on one stateFile in one process: exactly one proceeds', async () => {
    const batches = [jobs(), jobs()];
    const outcomes = await Promise.allSettled(batches.map((batch) => batch.run({ wait: true })));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const refusedAt = outcomes.findIndex((o) => o.status === 'rejected');
    expect((outcomes[refusedAt] as PromiseRejectedResult).reason).toMatchObject({ code: 'state_locked' });
    expect(emulator.stats().batchesCreated.anthropic).toBe(2);
    // The lock was released, and the refused Batch (nothing of it started) may run now: it resumes and finds
    // everything done.
    const later = await batches[refusedAt]!.run({ wait: true });
    expect(Object.values(later.results()).every((r) => r.isSuccess)).toBe(true);
    expect(emulator.stats().batchesCreated.anthropic).toBe(2);
  });
});

describe('many calls in flight', () => {
  it('more than 10 provider calls at once print no listener-leak warning (each links to the run signal)', async () => {
    // A proxy that holds the first poll of every batch until 12 are waiting at once: 12 calls linked to the run's
    // signal (creates take turns, one batch built and sent at a time; polls of batches in flight do not).
    const held: (() => void)[] = [];
    let released = false;
    const proxy = await proxyFor(emulator.url, (req, forward) => {
      const poll = req.method === 'GET' && /^\/v1\/messages\/batches\/[^/?]+$/.test(req.url ?? '');
      if (!poll || released) return forward();
      held.push(forward);
      if (held.length === 12) {
        released = true;
        for (const release of held.splice(0)) release();
      }
    });
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const batch = batchFor(emulator, {
        itemsPerBatch: 1,
        maxConcurrent: 12,
        anthropic: { baseURL: proxy.baseURL },
      });
      for (let i = 0; i < 12; i++)
        batch.addJob({ id: `j${i}`, model: 'claude-haiku-4-5', messages: userMessage(`q${i}`) });
      const results = await (await batch.run()).wait();
      expect(Object.values(results).filter((r) => r.isSuccess)).toHaveLength(12);
      // A warning is emitted on a later tick.
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      await proxy.close();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import type { Progress } from '../../src/index.js';
import { ProviderBatch } from '../../src/run/machine/provider-batch.js';
import { batchFor, userMessage } from '../helpers/batch.js';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ processingMs: 40 });
});
afterAll(() => emulator.close());

function jobs(count: number, model = 'claude-haiku-4-5', itemsPerBatch = 2) {
  const batch = batchFor(emulator, { itemsPerBatch, maxConcurrent: 50 });
  for (let i = 0; i < count; i++) batch.addJob({ id: `j${i}`, model, messages: userMessage(`q${i}`) });
  return batch;
}

/** Reads of a provider batch's state, wherever they happen: the work progress() could do per batch. */
function batchReads() {
  const spies = (['phase', 'isInFlight', 'outstanding', 'skipped', 'requestsDone'] as const).map((name) =>
    vi.spyOn(ProviderBatch.prototype, name, 'get'),
  );
  return {
    count: () => spies.reduce((sum, spy) => sum + spy.mock.calls.length, 0),
    reset: () => {
      for (const spy of spies) spy.mockClear();
    },
    restore: () => {
      for (const spy of spies) spy.mockRestore();
    },
  };
}

describe('progress', () => {
  it('counts the jobs the run started with: a job added to the Batch afterwards is refused and not counted', async () => {
    const batch = jobs(3);
    const run = await batch.run();
    expect(() =>
      batch.addJob({ id: 'late', model: 'claude-haiku-4-5', messages: userMessage('late') }),
    ).toThrow(expect.objectContaining({ code: 'already_run', jobId: 'late' }));
    const results = await run.wait();
    expect(Object.keys(results)).toEqual(['j0', 'j1', 'j2']);
    expect(run.progress()).toMatchObject({ total: 3, pending: 0, completed: 3, isComplete: true });
  });

  it('processedByProvider never goes back, also when invalid answers are sent again', async () => {
    emulator.configure({
      respond: (request) =>
        JSON.stringify(request.body).includes('previous answer') ? undefined : { text: 'not json' },
    });
    try {
      const batch = batchFor(emulator, { itemsPerBatch: 2, maxConcurrent: 4 });
      for (let i = 0; i < 4; i++) {
        batch.addJob({
          id: `r${i}`,
          model: 'gpt-4.1-mini',
          maxTokens: 100,
          retryInvalid: 1,
          responseModel: z.object({ a: z.string() }),
          messages: userMessage(`q${i}`),
        });
      }
      const run = await batch.run();
      const seen: number[] = [];
      const etaWhileAllProcessed: (number | null)[] = [];
      run.on('progress', (progress) => {
        seen.push(progress.processedByProvider);
        if (progress.processedByProvider === progress.total && !progress.isComplete)
          etaWhileAllProcessed.push(progress.etaMs);
      });
      const results = await run.wait();
      expect(Object.values(results).every((r) => r.isSuccess && r.attempts === 2)).toBe(true);
      expect(seen.length).toBeGreaterThan(2);
      for (let i = 1; i < seen.length; i++)
        expect(seen[i]!, `event ${i}: ${seen}`).toBeGreaterThanOrEqual(seen[i - 1]!);
      expect(seen.at(-1)).toBe(4);
      // Every job processed once while the retries went out again: no ETA (before, 0) for a round just started.
      expect(etaWhileAllProcessed).toContain(null);
    } finally {
      emulator.configure({ respond: undefined });
    }
  });

  it('costs the same per result whether the run has 8 provider batches or 80 (counts kept, nothing walked)', async () => {
    const reads = batchReads();
    try {
      const workPerRead: Record<number, number[]> = {};
      for (const size of [16, 160]) {
        const run = await jobs(size).run();
        const work: number[] = [];
        run.on('jobCompleted', () => {
          // progress() alone: what it reads of the batches, measured by counting, not by the clock.
          reads.reset();
          const progress = run.progress();
          work.push(reads.count());
          expect(progress.pending + progress.active + progress.completed + progress.failed).toBe(size);
        });
        await run.wait();
        expect(work).toHaveLength(size);
        workPerRead[size] = work;
        const final = run.progress();
        expect(final).toMatchObject({
          batchesTotal: size / 2,
          batchesCompleted: size / 2,
          batchesPending: 0,
        });
      }
      expect(Math.max(...workPerRead[160]!)).toBe(Math.max(...workPerRead[16]!));
      expect(Math.max(...workPerRead[160]!)).toBe(0);
    } finally {
      reads.restore();
    }
  });

  it('moves during an OpenAI batch: processedByProvider follows request_counts before any result, with an ETA', async () => {
    emulator.configure({ processingMs: 1_500 });
    try {
      const run = await jobs(40, 'gpt-4o-mini', 40).run();
      const seen: Progress[] = [];
      run.on('progress', (p) => seen.push(p));
      await run.wait();
      const early = seen.filter((p) => p.completed + p.failed === 0 && p.processedByProvider > 0);
      expect(early.length, 'a progress event while the batch ran, before any result').toBeGreaterThan(0);
      expect(early.some((p) => p.processedByProvider < 40)).toBe(true);
      for (const p of early) {
        expect(p.etaMs).toBeGreaterThanOrEqual(0);
        expect(p.active).toBe(40);
      }
      // Never backwards.
      const processed = seen.map((p) => p.processedByProvider);
      expect(processed).toEqual([...processed].sort((a, b) => a - b));
      expect(run.progress()).toMatchObject({ processedByProvider: 40, etaMs: 0, isComplete: true });
    } finally {
      emulator.configure({ processingMs: 40 });
    }
  });

  it('Anthropic reports counts only once a batch ended: processedByProvider jumps from none to all, the ETA waits for it', async () => {
    emulator.configure({ processingMs: 300 });
    try {
      const run = await jobs(10, 'claude-haiku-4-5', 10).run();
      const seen: Progress[] = [];
      run.on('progress', (p) => seen.push(p));
      await run.wait();
      // Nothing in between: the count jumps from none to all when the batch ends.
      expect(new Set(seen.map((p) => p.processedByProvider))).toEqual(new Set([0, 10]));
      for (const p of seen) if (p.processedByProvider === 0) expect(p.etaMs).toBeNull();
      expect(run.progress().etaMs).toBe(0);
    } finally {
      emulator.configure({ processingMs: 40 });
    }
  });
});

describe('onProgress', () => {
  it('an interval past the longest timer (about 24.8 days) is waited out, not fired every millisecond', async () => {
    const run = await jobs(4).run();
    const seen: Progress[] = [];
    // 30 days: setInterval would warn and fire every millisecond until the run ends.
    run.onProgress((progress) => seen.push(progress), 30 * 24 * 3_600_000);
    await run.wait();
    await new Promise<void>((resolve) => setImmediate(resolve));
    // Only the call the run's end makes.
    expect(seen).toHaveLength(1);
    expect(seen[0]!.isComplete).toBe(true);
  });

  it('on a run that has completed, it calls back once with the final progress and sets no timer', async () => {
    const run = await jobs(2).run();
    await run.wait();
    const seen: Progress[] = [];
    vi.useFakeTimers();
    try {
      const stop = run.onProgress((progress) => seen.push(progress), 10);
      // A timer set here would have called back a hundred times: nothing ends it once the run is over.
      vi.advanceTimersByTime(1_000);
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ isComplete: true, completed: 2 });
      expect(vi.getTimerCount()).toBe(0);
      stop();
    } finally {
      vi.useRealTimers();
    }
  });
});

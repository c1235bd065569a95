import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import type { BatchRun } from '../../src/index.js';
import { batchFor, userMessage } from '../helpers/batch.js';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ processingMs: 20 });
});
afterAll(() => emulator.close());

/** What a run holds per job beyond its result, read from its private parts (the shapes issue 14 cut). */
function perJobHoldings(run: BatchRun) {
  // biome-ignore lint/suspicious/noExplicitAny: reaching into private state is the point of this test
  const inner = run as any;
  const batches = inner.scheduler.batches as {
    isTerminal: boolean;
    requests: { count: number };
    requestJobIds: unknown[];
    positions: unknown;
  }[];
  return {
    costByJob: inner.ledger.costByJob.size as number,
    markers: inner.config.resultsWriter.markers.size as number,
    openSubmissions: inner.config.journal.journal.state.submissions.size as number,
    headerDigests: Object.keys(inner.config.journal.journal.state.header.jobDigests).length,
    requestsOfEndedBatches: batches
      .filter((b) => b.isTerminal)
      .reduce((n, b) => n + b.requests.count + b.requestJobIds.length, 0),
    positionMapsOfEndedBatches: batches.filter((b) => b.isTerminal && b.positions !== undefined).length,
    // Results are kept compactly: what the results of a provider batch have in common is one object.
    resultShapes: inner.ledger.results.shapeCount as number,
    terminalBatches: batches.filter((b) => b.isTerminal).length,
  };
}

/**
 * The maps, sets and arrays with at least `min` entries that the run's parts hold directly: with `min` above the
 * batch size, a structure with an entry per job of the run.
 */
function largeCollections(run: BatchRun, min: number): string[] {
  // biome-ignore lint/suspicious/noExplicitAny: reaching into private state is the point of this test
  const inner = run as any;
  const parts: [string, object][] = [
    ['run', inner],
    ['config', inner.config],
    ['scheduler', inner.scheduler],
    ['ledger', inner.ledger],
    ['results', inner.ledger.results],
    ['budget', inner.ledger.budget],
    ...(inner.scheduler.batches as object[]).map((batch): [string, object] => ['batch', batch]),
  ];
  const found = new Set<string>();
  for (const [name, part] of parts) {
    for (const [key, value] of Object.entries(part)) {
      const size =
        value instanceof Map || value instanceof Set
          ? value.size
          : Array.isArray(value) || ArrayBuffer.isView(value)
            ? (value as { length: number }).length
            : 0;
      if (size >= min) found.add(`${name}.${key}`);
    }
  }
  return [...found].sort();
}

describe('request bodies', () => {
  it('are built for one provider batch at a time: the next is built once the one before is created', async () => {
    // Batches stay in progress until the condition is seen, however slow the machine.
    emulator.configure({ processingMs: 600_000 });
    const batch = batchFor(emulator, { itemsPerBatch: 25, maxConcurrent: 3 });
    for (let i = 0; i < 200; i++) {
      batch.addJob({ id: `j${i}`, model: 'claude-haiku-4-5', maxTokens: 20, messages: userMessage(`q${i}`) });
    }
    const run = await batch.run();
    // biome-ignore lint/suspicious/noExplicitAny: reaching into private state is the point of this test
    const batches = (run as any).scheduler.batches as {
      requests: { count: number };
      observe(observer: () => void): void;
    }[];
    let most = 0;
    for (const b of batches) {
      b.observe(() => {
        most = Math.max(most, batches.filter((other) => other.requests.count > 0).length);
      });
    }
    let submitted = 0;
    try {
      await new Promise<void>((resolve) => {
        run.on('batchSubmitted', () => {
          if (++submitted === 3) resolve();
        });
      });
      // maxConcurrent batches at the provider at once: only their building and sending took turns.
      expect(submitted).toBe(3);
      expect(most).toBe(1);
    } finally {
      emulator.configure({ processingMs: 20 });
      await emulator.finishProcessing();
    }
    expect(Object.keys(await run.wait())).toHaveLength(200);
    expect(most).toBe(1);
  });
});

describe('what a finished run still holds per job', () => {
  it('while it runs: its jobs and results, and no other structure with an entry per job', async () => {
    const batch = batchFor(emulator, { itemsPerBatch: 25, maxConcurrent: 3 });
    for (let i = 0; i < 200; i++) {
      batch.addJob({ id: `j${i}`, model: 'claude-haiku-4-5', maxTokens: 20, messages: userMessage(`q${i}`) });
    }
    const run = (await batch.run()) as BatchRun;
    // The ids addJob checked against: not needed once it refuses, as it does after run().
    // biome-ignore lint/suspicious/noExplicitAny: reaching into private state is the point of this test
    expect((batch as any).jobIds.size).toBe(0);
    expect(() => batch.addJob({ id: 'j0', messages: userMessage('again') })).toThrow(
      /addJob\(\) after run\(\)/,
    );
    let midRun: string[] | undefined;
    let seen = 0;
    run.on('jobCompleted', () => {
      if (++seen === 100) midRun = largeCollections(run, 30);
    });
    const results = await run.wait();
    expect(Object.keys(results)).toHaveLength(200);
    // The run's jobs, and the results so far in the result store's columns. Before issue 14's last cuts there were
    // also a job -> batch map, a job -> reservation map and a copy of the job ids.
    expect(midRun).toEqual([
      'config.jobs',
      'results.answerAt',
      'results.numbers',
      'results.parsed',
      'results.shapeOf',
      'results.slots',
    ]);
  });

  it('is its result only, kept compactly: no request, cost entry, file marker, digest or open submission', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'batchwise-held-'));
    const batch = batchFor(emulator, {
      itemsPerBatch: 25,
      maxConcurrent: 3,
      stateFile: join(dir, 'state.jsonl'),
      resultsDir: join(dir, 'results'),
    });
    for (let i = 0; i < 200; i++) {
      batch.addJob({
        id: `j${i}`,
        model: i % 2 ? 'gpt-4o-mini' : 'claude-haiku-4-5',
        maxTokens: 20,
        messages: userMessage(`q${i}`),
      });
    }
    // Jobs share their settings: one object per model here, not one per job.
    // biome-ignore lint/suspicious/noExplicitAny: reaching into private state is the point of this test
    expect((batch as any).jobStorage.recent.length).toBe(2);
    const run = await batch.run();
    const results = await run.wait();
    expect(Object.values(results).filter((r) => r.isSuccess)).toHaveLength(200);
    expect(perJobHoldings(run as BatchRun)).toEqual({
      costByJob: 0,
      markers: 0,
      openSubmissions: 0,
      headerDigests: 0,
      requestsOfEndedBatches: 0,
      positionMapsOfEndedBatches: 0,
      resultShapes: 8,
      terminalBatches: 8,
    });
  });
});

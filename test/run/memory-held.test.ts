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
    requests: unknown[];
    requestJobIds: unknown[];
  }[];
  return {
    costByJob: inner.ledger.costByJob.size as number,
    markers: inner.config.resultsWriter.markers.size as number,
    openSubmissions: inner.config.journal.journal.state.submissions.size as number,
    headerDigests: Object.keys(inner.config.journal.journal.state.header.jobDigests).length,
    requestsOfEndedBatches: batches
      .filter((b) => b.isTerminal)
      .reduce((n, b) => n + b.requests.length + b.requestJobIds.length, 0),
    // Results are kept compactly: what the results of a provider batch have in common is one object.
    resultShapes: inner.ledger.resultShapes.byKey.size as number,
    terminalBatches: batches.filter((b) => b.isTerminal).length,
  };
}

describe('what a finished run still holds per job', () => {
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
      resultShapes: 8,
      terminalBatches: 8,
    });
  });
});

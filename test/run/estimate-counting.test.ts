import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { loadedEncodings } from '../../src/pricing/tokenizer.js';
import { batchFor, userMessage } from '../helpers/batch.js';

// Each vitest file runs in a worker of its own: the tokenizer cache starts empty here.
let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ processingMs: 30 });
});
afterAll(() => emulator.close());

/** Texts a byte bound must still cover: digits, hex-like runs, CJK, plain words. */
const texts = [
  '1 2 3 4 5 6 7 8 9 0 '.repeat(20),
  'ab12'.repeat(100),
  '東京都の天気は晴れです。'.repeat(10),
  'plain words '.repeat(30),
];

function jobsOn(batch: ReturnType<typeof batchFor>, models: string[]) {
  for (const model of models) {
    texts.forEach((text, i) => {
      batch.addJob({ id: `${model.slice(0, 6)}-${i}`, model, maxTokens: 50, messages: userMessage(text) });
    });
  }
  return batch;
}

const MODELS = ['claude-haiku-4-5', 'gpt-4o-mini'];

describe('how a run counts text for its estimates', () => {
  it('loads no tokenizer without a cost limit, reserving each job at least its tokenizer estimate; counts under one', async () => {
    const stateFile = join(await mkdtemp(join(tmpdir(), 'batchwise-counting-')), 'state.jsonl');
    const run = await jobsOn(batchFor(emulator, { itemsPerBatch: 2, stateFile }), MODELS).run();
    const results = await run.wait();
    expect(Object.values(results).map((r) => r.status)).toEqual(Array(8).fill('succeeded'));
    expect(loadedEncodings()).toEqual([]);

    // The same jobs under a cost limit: counted with the tokenizer.
    const limited = await jobsOn(batchFor(emulator), MODELS).addCostLimit({ usd: 5 }).run();
    expect(Object.values(await limited.wait()).every((r) => r.isSuccess)).toBe(true);
    expect(loadedEncodings()).toEqual(['o200k_base']);

    // What the first run reserved (one token per byte) covers the tokenizer's estimate and the actual cost.
    const reserved = new Map<string, number>();
    for (const line of (await readFile(stateFile, 'utf8')).split('\n')) {
      if (!line.includes('"intent"')) continue;
      const record = JSON.parse(line) as { type: string; jobIds: string[]; reservationsUsd: number[] };
      if (record.type !== 'intent') continue;
      for (const [i, id] of record.jobIds.entries()) reserved.set(id, record.reservationsUsd[i]!);
    }
    expect(reserved.size).toBe(8);
    const report = await jobsOn(batchFor(emulator), MODELS).dryRun();
    for (const job of report.jobs) {
      expect(reserved.get(job.jobId), job.jobId).toBeGreaterThanOrEqual(job.estimatedCostUsd!);
      expect(reserved.get(job.jobId), job.jobId).toBeGreaterThanOrEqual(results[job.jobId]!.costUsd!);
    }
  });
});

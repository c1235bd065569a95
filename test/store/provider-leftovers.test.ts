import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import type { BatchOptions } from '../../src/index.js';
import { batchFor, userMessage } from '../helpers/batch.js';

let emulator: Emulator | undefined;
afterEach(() => emulator?.close());

function jobs(on: Emulator, stateFile: string, options: BatchOptions = {}) {
  const batch = batchFor(on, { stateFile, itemsPerBatch: 2, ...options });
  for (let i = 0; i < 2; i++)
    batch.addJob({ id: `j${i}`, model: 'claude-haiku-4-5', maxTokens: 50, messages: userMessage(`q${i}`) });
  return batch;
}

/** Moves every intent of the state file `days` into the past, as if its batches had been created then. */
async function ageIntents(stateFile: string, days: number): Promise<void> {
  const lines = (await readFile(stateFile, 'utf8')).split('\n').map((line) => {
    if (!line.includes('"type":"intent"')) return line;
    const record = JSON.parse(line) as { intentAt: number };
    return JSON.stringify({ ...record, intentAt: record.intentAt - days * 24 * 3_600_000 });
  });
  await writeFile(stateFile, lines.join('\n'));
}

/** A run stopped once its batch exists, its cancel refused: the submission stays open, its batch still running. */
async function leaveOpen(on: Emulator, stateFile: string): Promise<void> {
  on.injectFault({ route: 'POST /v1/messages/batches/{id}/cancel', status: 500, times: 1_000 });
  const first = await jobs(on, stateFile, { retry: { attempts: 1 } })
    .addTimeLimit({ hours: 1, graceSeconds: 0.2 })
    .run();
  first.once('batchSubmitted', () => void first.shutdown({ waitForActive: false }));
  const stopped = await first.wait();
  expect(Object.values(stopped).every((r) => r.error?.code === 'shutdown' && r.providerBatchId)).toBe(true);
  on.clearFaults();
}

describe('a provider batch that is gone', () => {
  it('ends its jobs with batch_not_found after a definite 404 past the 29 days the provider keeps it, and is not polled again by later resumes', async () => {
    const stateFile = join(await mkdtemp(join(tmpdir(), 'batchwise-gone-')), 'state.jsonl');
    emulator = await startEmulator({ processingMs: 60_000 });
    await leaveOpen(emulator, stateFile);
    await emulator.close();

    // The provider no longer knows the batch, created 30 days ago: past its retention.
    await ageIntents(stateFile, 30);
    emulator = await startEmulator({ processingMs: 50 });
    const second = await jobs(emulator, stateFile).run({ wait: true });
    for (const result of Object.values(second.results())) {
      expect(result).toMatchObject({ status: 'failed', error: { code: 'batch_not_found' } });
    }
    expect(emulator.stats().batchesCreated.anthropic).toBe(0);

    emulator.resetStats();
    const third = await jobs(emulator, stateFile).run({ wait: true });
    expect(third.results()).toEqual(second.results());
    expect(emulator.stats().calls).toEqual({});
  });

  it('a 404 for a batch younger than that is no verdict (another baseURL or workspace): its paid results are collected by the next run', async () => {
    const stateFile = join(await mkdtemp(join(tmpdir(), 'batchwise-gone-')), 'state.jsonl');
    emulator = await startEmulator({ processingMs: 300 });
    await leaveOpen(emulator, stateFile);

    // A resume pointed at a provider that does not know the batch: it answers 404 every time.
    const elsewhere = await startEmulator({ processingMs: 50 });
    try {
      const lost = await jobs(elsewhere, stateFile).run({ wait: true });
      for (const result of Object.values(lost.results())) {
        expect(result).toMatchObject({ status: 'failed', error: { code: 'poll_failed' } });
        expect(result.error!.message).toContain('answers 404');
        expect(result.error!.message).toContain('baseURL or API key');
      }
      expect(elsewhere.stats().batchesCreated.anthropic).toBe(0);
    } finally {
      await elsewhere.close();
    }

    // Back at the provider that has it: the answers it billed are collected, nothing is sent again.
    const found = await jobs(emulator, stateFile).run({ wait: true });
    expect(Object.values(found.results()).map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    expect(emulator.stats().batchesCreated.anthropic).toBe(1);
    expect((await emulator.billing()).total.requests).toBe(2);
  });
});

import { mkdtemp } from 'node:fs/promises';
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

describe('a provider batch that is gone', () => {
  it('ends its jobs with batch_not_found after a definite 404, and is not polled again by later resumes', async () => {
    const stateFile = join(await mkdtemp(join(tmpdir(), 'batchwise-gone-')), 'state.jsonl');
    emulator = await startEmulator({ processingMs: 60_000 });
    emulator.injectFault({ route: 'POST /v1/messages/batches/{id}/cancel', status: 500, times: 1_000 });
    // A shutdown once the batch exists, its cancel refused: the submission stays open in the state file, its
    // provider batch still running.
    const first = await jobs(emulator, stateFile, { retry: { attempts: 1 } })
      .addTimeLimit({ hours: 1, graceSeconds: 0.2 })
      .run();
    first.once('batchSubmitted', () => void first.shutdown({ waitForActive: false }));
    const stopped = await first.wait();
    expect(Object.values(stopped).every((r) => r.error?.code === 'shutdown' && r.providerBatchId)).toBe(true);
    await emulator.close();

    // The provider no longer knows the batch (past its retention): a fresh emulator.
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
});

import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import type { BatchOptions, JobResult } from '../../src/index.js';
import { batchFor, userMessage } from '../helpers/batch.js';

let emulator: Emulator;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'batchwise-durable-'));
  emulator = await startEmulator({
    processingMs: 60,
    dataDir: await mkdtemp(join(tmpdir(), 'batchwise-emu-')),
  });
});
afterEach(() => emulator.close());

const stateFile = () => join(dir, 'state.jsonl');
const resultsDir = () => join(dir, 'results');

/** A logger that keeps every line, and lets a test react to one. */
function recordingLogger(onLine?: (line: string) => void) {
  const lines: string[] = [];
  const write = (level: string) => (message: string) => {
    lines.push(`${level}: ${message}`);
    onLine?.(`${level}: ${message}`);
  };
  return {
    lines,
    logger: { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') },
  };
}

function jobs(options: BatchOptions = {}, count = 4) {
  const batch = batchFor(emulator, {
    stateFile: stateFile(),
    resultsDir: resultsDir(),
    itemsPerBatch: 2,
    ...options,
  });
  for (let i = 0; i < count; i++)
    batch.addJob({ id: `j${i}`, model: 'claude-haiku-4-5', maxTokens: 50, messages: userMessage(`q${i}`) });
  return batch;
}

async function journal(): Promise<{ type: string; submissionId?: string }[]> {
  return (await readFile(stateFile(), 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}

describe('a result that cannot be written is never lost and never paid twice', () => {
  it('keeps the batch open (no ended record), tells the logger, and a resume collects it from the same provider batch', async () => {
    const { lines, logger } = recordingLogger();
    const run = await jobs().setVerbosity(logger).run();
    // Once the run is under way, a directory where j1's result file goes: the atomic rename onto it fails, as a full
    // or broken disk would.
    run.once('batchSubmitted', () => mkdirSync(join(resultsDir(), 'j1.json'), { recursive: true }));
    const results = await run.wait();
    expect(Object.keys(results).sort()).toEqual(['j0', 'j1', 'j2', 'j3']);
    expect(results.j1).toMatchObject({ status: 'failed', error: { code: 'write_failed' } });
    // The answer was paid for and is still shown.
    expect(results.j1!.rawResponse).toBe('Reply to: q1');
    expect(lines.some((line) => line.startsWith('error: write_failed') && line.includes('j1'))).toBe(true);
    const records = await journal();
    const ended = records.filter((r) => r.type === 'ended');
    expect(ended).toHaveLength(1); // j2 and j3's batch; j0 and j1's stays open
    expect(emulator.stats().batchesCreated.anthropic).toBe(2);

    await rm(join(resultsDir(), 'j1.json'), { recursive: true });
    const resumed = await jobs().run({ wait: true });
    expect(Object.values(resumed.results()).every((r) => r.isSuccess)).toBe(true);
    expect(emulator.stats().batchesCreated.anthropic).toBe(2); // collected, not resubmitted
    const written = JSON.parse(await readFile(join(resultsDir(), 'j1.json'), 'utf8')) as JobResult;
    expect(written).toMatchObject({ status: 'succeeded', rawResponse: 'Reply to: q1' });
    expect(written.providerBatchId).toBe(results.j1!.providerBatchId);
  });

  it('collects it again within the run once the disk recovers', async () => {
    let healed = false;
    const { logger } = recordingLogger((line) => {
      if (!healed && line.includes('write_failed')) {
        healed = true;
        void rm(join(resultsDir(), 'j1.json'), { recursive: true });
      }
    });
    const run = await jobs({ retry: { attempts: 6, initialDelayMs: 50 } })
      .setVerbosity(logger)
      .run();
    run.once('batchSubmitted', () => mkdirSync(join(resultsDir(), 'j1.json'), { recursive: true }));
    await run.wait();
    expect(healed).toBe(true);
    expect(Object.values(run.results()).every((r) => r.isSuccess)).toBe(true);
    expect((await journal()).filter((r) => r.type === 'ended')).toHaveLength(2);
    expect(emulator.stats().batchesCreated.anthropic).toBe(2);
  });
});

describe('result files that cannot be made durable', () => {
  it('the run still releases the state lock, and the next run of the state file collects what was lost', async () => {
    const run = await jobs({ itemsPerBatch: 4 }).run();
    const errors: string[] = [];
    run.on('error', (error) => errors.push(error.code));
    // The results folder deleted under the run: the files written so far can never be synced.
    run.once('jobCompleted', () => rmSync(resultsDir(), { recursive: true, force: true }));
    await run.wait();
    expect(errors).toContain('state_close_failed');
    expect(existsSync(`${stateFile()}.lock`)).toBe(false);

    // Not refused `state_locked` by the lock of a run that is over.
    const resumed = await jobs({ itemsPerBatch: 4 }).run({ wait: true });
    expect(Object.values(resumed.results()).every((r) => r.isSuccess)).toBe(true);
    expect(emulator.stats().batchesCreated.anthropic).toBe(1); // collected again, not sent again
  });

  it('holds back no later batch, and never journals a batch ended whose result files are not durable', async () => {
    const run = await jobs({ itemsPerBatch: 1, maxConcurrent: 1, saveRawResponses: false }, 3).run();
    // j0's file deleted with its folder: it can never be synced. The folder is back once j0's batch is over, so later
    // results can be written.
    run.once('jobCompleted', () => rmSync(resultsDir(), { recursive: true, force: true }));
    run.once('batchCompleted', () => mkdirSync(resultsDir()));
    const results = await run.wait();
    expect(Object.values(results).map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(emulator.stats().batchesCreated.anthropic).toBe(3);
    const records = await journal();
    const first = records.find(
      (r) => r.type === 'intent' && (r as { jobIds?: string[] }).jobIds?.includes('j0'),
    );
    expect(records.some((r) => r.type === 'ended' && r.submissionId === first!.submissionId)).toBe(false);

    // j0's batch is still open: a resume collects its result again, and sends nothing.
    const resumed = await jobs({ itemsPerBatch: 1, maxConcurrent: 1, saveRawResponses: false }, 3).run({
      wait: true,
    });
    expect(Object.values(resumed.results()).every((r) => r.isSuccess)).toBe(true);
    expect(existsSync(join(resultsDir(), 'j0.json'))).toBe(true);
    expect(emulator.stats().batchesCreated.anthropic).toBe(3);
  });
});

describe('a failure stays inside its provider batch', () => {
  it('a raw request copy that cannot be written holds nothing back: a warning, and every batch goes out', async () => {
    // j2's raw request cannot be written (a directory where its file would go). It is a copy for debugging: the
    // batch (j2, j3) went out all the same (it failed with batch_error, before anything was sent, until a review).
    await mkdir(join(resultsDir(), 'raw', 'j2.request.json'), { recursive: true });
    const { lines, logger } = recordingLogger();
    const run = await jobs().setVerbosity(logger).run();
    const results = await run.wait();
    expect(Object.values(results).every((r) => r.isSuccess)).toBe(true);
    expect(lines.some((line) => line.startsWith('warn: could not keep the raw requests of 1 job(s)'))).toBe(
      true,
    );
    expect(emulator.stats().batchesCreated.anthropic).toBe(2);
    expect(JSON.parse(await readFile(join(resultsDir(), 'raw', 'j3.request.json'), 'utf8'))).toMatchObject({
      custom_id: expect.stringContaining('j3'),
    });
  });
});

describe('listeners cannot change outcomes', () => {
  it('a throwing listener is logged; every paid answer is kept and downloaded once', async () => {
    const { lines, logger } = recordingLogger();
    const run = await jobs({ stateFile: undefined }).setVerbosity(logger).run();
    run.on('jobCompleted', () => {
      throw new Error('listener bug');
    });
    run.on('progress', () => {
      throw new Error('progress bar bug');
    });
    const seen: string[] = [];
    run.on('jobCompleted', (result) => seen.push(result.jobId));
    const results = await run.wait();
    expect(Object.values(results).every((r) => r.status === 'succeeded')).toBe(true);
    expect(seen.sort()).toEqual(['j0', 'j1', 'j2', 'j3']);
    expect(emulator.stats().calls['GET /v1/messages/batches/{id}/results']).toBe(2);
    expect(
      lines.some(
        (line) => line.includes("listener of 'jobCompleted' threw") && line.includes('listener bug'),
      ),
    ).toBe(true);
  });

  it('an onProgress callback that throws and an async listener that rejects are logged; the process goes on', async () => {
    const { lines, logger } = recordingLogger();
    const batch = jobs({ stateFile: undefined }).setVerbosity(logger);
    const run = await batch.run({
      progressIntervalMs: 5,
      onProgress: () => {
        throw new Error('bar exploded');
      },
    });
    run.on('jobCompleted', async () => {
      throw new Error('async listener bug');
    });
    const results = await run.wait();
    expect(Object.values(results).every((r) => r.isSuccess)).toBe(true);
    // Rejections are reported on a later tick: wait for the log line, not for a duration.
    await expect.poll(() => lines.some((line) => line.includes('async listener bug'))).toBe(true);
    expect(
      lines.some((line) => line.includes('onProgress callback threw') && line.includes('bar exploded')),
    ).toBe(true);
  });

  it('off() removes a listener added with on() or once()', async () => {
    const run = await jobs({ stateFile: undefined }).run();
    let calls = 0;
    const listener = () => {
      calls++;
    };
    run.on('jobCompleted', listener);
    run.off('jobCompleted', listener);
    run.once('complete', listener);
    await run.wait();
    expect(calls).toBe(1);
  });

  it("'error' events reach the logger when nobody listens", async () => {
    const { lines, logger } = recordingLogger();
    const run = await jobs({ stateFile: undefined, retry: { attempts: 1 } })
      .setVerbosity(logger)
      .run();
    run.once('batchSubmitted', () => mkdirSync(join(resultsDir(), 'j0.json'), { recursive: true }));
    await run.wait();
    expect(run.listenerCount('error')).toBe(0);
    expect(lines.some((line) => line.startsWith('error: write_failed') && line.includes('"j0"'))).toBe(true);
  });
});

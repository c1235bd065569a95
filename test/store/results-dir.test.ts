import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import type { BatchOptions } from '../../src/index.js';
import { batchFor, userMessage, warningsLogger } from '../helpers/batch.js';

let emulator: Emulator;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'batchwise-results-dir-'));
  emulator = await startEmulator({ processingMs: 40 });
});
afterEach(() => emulator.close());

const stateFile = () => join(dir, 'state.jsonl');

function jobs(options: BatchOptions) {
  const batch = batchFor(emulator, { stateFile: stateFile(), itemsPerBatch: 2, ...options });
  for (let i = 0; i < 4; i++)
    batch.addJob({ id: `j${i}`, model: 'claude-haiku-4-5', messages: userMessage(`q${i}`) });
  return batch;
}

const header = async () => JSON.parse((await readFile(stateFile(), 'utf8')).split('\n')[0]!);

describe('the state records where its results live', () => {
  it('refuses to resume with another resultsDir, naming both, before any request', async () => {
    const saved = join(dir, 'results');
    await jobs({ resultsDir: saved }).run({ wait: true });
    expect((await header()).resultsDir).toBe(saved);
    const calls = JSON.stringify(emulator.stats().calls);
    const other = join(dir, 'elsewhere');
    await expect(jobs({ resultsDir: other }).run()).rejects.toMatchObject({
      code: 'results_dir_mismatch',
      message: expect.stringMatching(
        new RegExp(`${saved}.*${other}.*resultsDir: '${saved}'.*reuseState: false`.replaceAll('/', '\\/')),
      ),
    });
    expect(JSON.stringify(emulator.stats().calls)).toBe(calls);
    expect(emulator.stats().batchesCreated.anthropic).toBe(2);
  });

  it('every result file gone: the answers are read again from the provider batches, nothing is sent or paid again', async () => {
    const results = join(dir, 'results');
    const first = await jobs({ resultsDir: results }).run({ wait: true });
    // Once more, so that compaction folds the ended submissions into the header.
    await jobs({ resultsDir: results }).run({ wait: true });
    expect((await header()).resultsDone).toBe(4);
    expect((await header()).providerBatches).toHaveLength(2);
    await rm(results, { recursive: true });
    const { warnings, logger } = warningsLogger();
    const again = await jobs({ resultsDir: results }).setVerbosity(logger).run({ wait: true });
    expect(again.results()).toEqual(first.results());
    expect(warnings.join('\n')).toContain('4 job(s) read again from the provider batches (not paid again)');
    const onDisk = JSON.parse(await readFile(join(results, 'j3.json'), 'utf8'));
    expect(onDisk).toEqual(JSON.parse(JSON.stringify(first.results().j3)));
    expect(emulator.stats().batchesCreated.anthropic).toBe(2);
    expect((await emulator.billing()).requests).toHaveLength(4);
    // Also right after the run that wrote them, before any compaction: the ended records name their batches.
    const fresh = join(dir, 'fresh');
    await jobs({ resultsDir: fresh, reuseState: false }).run({ wait: true });
    await rm(fresh, { recursive: true });
    const back = await jobs({ resultsDir: fresh }).run({ wait: true });
    expect(Object.values(back.results()).every((r) => r.isSuccess)).toBe(true);
    expect(emulator.stats().batchesCreated.anthropic).toBe(4);
  });

  it('every result file gone and its batches unreadable: refused, naming them, instead of paying again', async () => {
    const results = join(dir, 'results');
    const first = await jobs({ resultsDir: results }).run({ wait: true });
    const batchIds = [...new Set(Object.values(first.results()).map((r) => r.providerBatchId!))];
    await rm(results, { recursive: true });
    // Another endpoint that never had them stands for batches past their 29 days.
    const elsewhere = await startEmulator({ processingMs: 40 });
    try {
      const batch = batchFor(elsewhere, { stateFile: stateFile(), itemsPerBatch: 2, resultsDir: results });
      for (let i = 0; i < 4; i++)
        batch.addJob({ id: `j${i}`, model: 'claude-haiku-4-5', messages: userMessage(`q${i}`) });
      const refused = await batch.run().catch((error: unknown) => error);
      expect(refused).toMatchObject({
        code: 'results_missing',
        message: expect.stringContaining('records 4 final result(s)'),
      });
      expect(batchIds).toHaveLength(2);
      for (const id of batchIds) expect((refused as Error).message).toContain(id);
      expect(elsewhere.stats().batchesCreated.anthropic).toBe(0);
    } finally {
      await elsewhere.close();
    }
    // reuseState: false starts over, as the message says.
    const over = await jobs({ resultsDir: results, reuseState: false }).run({ wait: true });
    expect(Object.values(over.results()).every((r) => r.isSuccess)).toBe(true);
    expect(emulator.stats().batchesCreated.anthropic).toBe(4);
  });

  it('one result moved away on purpose: its job goes out again, with a warning that says it is paid again', async () => {
    const results = join(dir, 'results');
    await jobs({ resultsDir: results }).run({ wait: true });
    await rm(join(results, 'j2.json'));
    const { warnings, logger } = warningsLogger();
    const again = await jobs({ resultsDir: results }).setVerbosity(logger).run({ wait: true });
    expect(again.results().j2?.status).toBe('succeeded');
    expect(warnings.join('\n')).toContain('the jobs of the 1 missing file(s) are sent again, and paid again');
    expect(emulator.stats().batchesCreated.anthropic).toBe(3);
  });

  it('takes the same directory given as a relative or an absolute path', async () => {
    const absolute = join(dir, 'results');
    const first = await jobs({ resultsDir: relative(process.cwd(), absolute) }).run({ wait: true });
    expect((await header()).resultsDir).toBe(absolute);
    const again = await jobs({ resultsDir: absolute }).run({ wait: true });
    expect(emulator.stats().batchesCreated.anthropic).toBe(2);
    expect(again.results()).toEqual(first.results());
  });

  it('accepts a header written by batchwise 0.1 (no resultsDir) and records the directory on compaction', async () => {
    const results = join(dir, 'results');
    const first = await jobs({ resultsDir: results }).run({ wait: true });
    const lines = (await readFile(stateFile(), 'utf8')).split('\n');
    const { resultsDir: _, ...old } = JSON.parse(lines[0]!);
    await writeFile(stateFile(), [JSON.stringify(old), ...lines.slice(1)].join('\n'));
    const again = await jobs({ resultsDir: results }).run({ wait: true });
    expect(again.results()).toEqual(first.results());
    expect(emulator.stats().batchesCreated.anthropic).toBe(2);
    expect((await header()).resultsDir).toBe(results);
  });
});

describe("another run's results in the same resultsDir are never taken for this state's, nor overwritten", () => {
  const otherBatch = (resultsDir: string, ids: number[], stateName = 'other.jsonl') => {
    const batch = batchFor(emulator, { stateFile: join(dir, stateName), resultsDir, itemsPerBatch: 2 });
    for (const i of ids)
      batch.addJob({ id: `j${i}`, model: 'claude-haiku-4-5', messages: userMessage(`other ${i}`) });
    return batch;
  };

  it('a resume refuses result files another batch wrote for jobs it never sent, instead of returning them as its own', async () => {
    const results = join(dir, 'results');
    const first = await jobs({ resultsDir: results, maxConcurrent: 1 }).run();
    first.on('batchSubmitted', () => void first.shutdown());
    const stopped = await first.wait();
    expect([stopped.j2?.error?.code, stopped.j3?.error?.code]).toEqual(['shutdown', 'shutdown']);
    // Its markers moved away, another batch with a state file of its own writes j2 and j3 into the same directory.
    await rm(join(results, 'j2.json'));
    await rm(join(results, 'j3.json'));
    const other = await otherBatch(results, [2, 3]).run({ wait: true });
    const otherBatchId = other.results().j2!.providerBatchId!;
    const created = emulator.stats().batchesCreated.anthropic;
    const refused = await jobs({ resultsDir: results })
      .run()
      .catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'results_exist' });
    expect((refused as Error).message).toContain(otherBatchId);
    expect((refused as Error).message).toContain('j2, j3');
    expect(emulator.stats().batchesCreated.anthropic).toBe(created);
    // Moved away, as the message says: the resume sends its own j2 and j3.
    await rm(join(results, 'j2.json'));
    await rm(join(results, 'j3.json'));
    const resumed = await jobs({ resultsDir: results }).run({ wait: true });
    expect(resumed.results().j2?.rawResponse).toContain('q2');
    expect(resumed.results().j2?.providerBatchId).not.toBe(otherBatchId);
  });

  it('two new states writing the same job ids into one directory at once: neither overwrites the other', async () => {
    const results = join(dir, 'results');
    const [a, b] = await Promise.all([
      otherBatch(results, [0, 1, 2, 3], 'a.jsonl').run(),
      jobs({ resultsDir: results, stateFile: join(dir, 'b.jsonl') }).run(),
    ]);
    const [ra, rb] = await Promise.all([a.wait(), b.wait()]);
    for (const id of ['j0', 'j1', 'j2', 'j3']) {
      const onDisk = JSON.parse(await readFile(join(results, `${id}.json`), 'utf8'));
      const [writer, loser] = onDisk.providerBatchId === ra[id]!.providerBatchId ? [ra, rb] : [rb, ra];
      // The file is whole and is the answer of the run that wrote it first; the other run kept its own answer
      // collectable (write_failed), never wrote over it.
      expect(onDisk).toEqual(JSON.parse(JSON.stringify(writer[id])));
      expect(loser[id]).toMatchObject({ isSuccess: false, error: { code: 'write_failed' } });
    }
  });
});

describe('result files read again from the provider keep what the run paid', () => {
  /** An emulator answering each job by its id and how many times it was sent (1 the first time). */
  async function answering(answer: (jobId: string, send: number) => unknown) {
    const sends = new Map<string, number>();
    const own = await startEmulator({
      processingMs: 40,
      respond: ({ customId }) => {
        const id = customId.slice(customId.indexOf('_') + 1);
        const send = (sends.get(id) ?? 0) + 1;
        sends.set(id, send);
        return { json: answer(id, send) };
      },
    });
    return { own, sends };
  }

  /** One batch of jobs asking for `{ x: number }`, kept in the state file and `results`. */
  function structuredJobs(
    own: Emulator,
    results: string,
    ids: string[],
    retryInvalidOf: (id: string) => number,
  ) {
    const batch = batchFor(own, { stateFile: stateFile(), resultsDir: results, itemsPerBatch: 10 });
    for (const id of ids)
      batch.addJob({
        id,
        model: 'claude-haiku-4-5',
        maxTokens: 60,
        retryInvalid: retryInvalidOf(id),
        responseModel: z.object({ x: z.number() }),
        messages: userMessage(`q ${id}`),
      });
    return batch;
  }

  it('attempts and costs add up over retryInvalid resends; a final invalid answer is final; nothing is billed again', async () => {
    // a: invalid, then valid; b: invalid twice (retryInvalid 1); d: invalid (retryInvalid 0); c: valid.
    const { own } = await answering((id, send) =>
      id === 'a' ? (send === 1 ? { x: 'bad' } : { x: 1 }) : id === 'c' ? { x: 7 } : { x: 'bad' },
    );
    try {
      const results = join(dir, 'results');
      const build = () => structuredJobs(own, results, ['a', 'b', 'c', 'd'], (id) => (id === 'd' ? 0 : 1));
      const first = await build().run({ wait: true });
      expect(first.results().a).toMatchObject({ status: 'succeeded', attempts: 2 });
      expect(first.results().b).toMatchObject({ status: 'invalid', attempts: 2 });
      const billed = (await own.billing()).requests.length;
      expect(billed).toBe(6);
      await rm(results, { recursive: true });
      const again = await build().run({ wait: true });
      // Skipping invalid answers sent b and d again (b with its retryInvalid afresh); a came back at 1 attempt.
      expect(again.results()).toEqual(first.results());
      expect(again.progress().costSpentUsd).toBeCloseTo(first.progress().costSpentUsd!, 12);
      expect((await own.billing()).requests).toHaveLength(billed);
    } finally {
      await own.close();
    }
  });

  it('an invalid last answer with retryInvalid left is sent again as the retry it was, counting what it cost', async () => {
    const { own, sends } = await answering((id, send) =>
      id === 'e' && send === 1 ? { x: 'bad' } : { x: 3 },
    );
    try {
      const results = join(dir, 'results');
      const build = () => structuredJobs(own, results, ['c', 'e'], () => 1);
      // Stopped before e's retry went out: c is final, e's paid invalid answer is a marker.
      const first = await build().run();
      first.once('batchCompleted', () => void first.shutdown());
      const stopped = await first.wait();
      expect(stopped.e?.error?.code).toBe('shutdown');
      expect(own.stats().batchesCreated.anthropic).toBe(1);
      const firstCost = stopped.e!.costUsd!;
      expect(firstCost).toBeGreaterThan(0);
      await rm(results, { recursive: true });
      const again = await build().run({ wait: true });
      expect(again.results().e).toMatchObject({ status: 'succeeded', attempts: 2 });
      const billedE = (await own.billing()).requests.filter((r) => r.customId.endsWith('_e'));
      expect(billedE).toHaveLength(2);
      // Both attempts' cost: the first one's came back with its answer.
      expect(again.results().e!.costUsd).toBeGreaterThan(firstCost);
      expect(sends.get('c')).toBe(1);
    } finally {
      await own.close();
    }
  });

  it('a read that fails once is read again; one that keeps failing refuses, sending nothing', async () => {
    const results = join(dir, 'results');
    const first = await jobs({ resultsDir: results }).run({ wait: true });
    await rm(results, { recursive: true });
    emulator.injectFault({ route: 'GET /v1/messages/batches/{id}/results', kind: 'truncate', times: 1 });
    const again = await jobs({ resultsDir: results }).run({ wait: true });
    expect(again.results()).toEqual(first.results());
    expect(emulator.stats().batchesCreated.anthropic).toBe(2);
    await rm(results, { recursive: true });
    emulator.injectFault({ route: 'GET /v1/messages/batches/{id}/results', status: 503, times: 100 });
    await expect(jobs({ resultsDir: results, retry: { attempts: 2 } }).run()).rejects.toMatchObject({
      code: 'results_failed',
      message: expect.stringContaining('Nothing was sent'),
    });
    emulator.clearFaults();
    expect(emulator.stats().batchesCreated.anthropic).toBe(2);
    expect((await emulator.billing()).requests).toHaveLength(4);
  });
});

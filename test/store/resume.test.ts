import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import type { BatchOptions } from '../../src/index.js';
import { batchFor, userMessage, warningsLogger } from '../helpers/batch.js';

let emulator: Emulator;
let dir: string;
let dataDir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'batchwise-resume-'));
  dataDir = await mkdtemp(join(tmpdir(), 'batchwise-emu-'));
  emulator = await startEmulator({ processingMs: 60, dataDir });
});
afterEach(() => emulator.close());

const stateFile = () => join(dir, 'state.jsonl');

function jobs(options: BatchOptions = {}, count = 6, change?: (i: number) => string) {
  const batch = batchFor(emulator, { stateFile: stateFile(), itemsPerBatch: 3, ...options });
  for (let i = 0; i < count; i++)
    batch.addJob({ id: `j${i}`, model: 'claude-haiku-4-5', messages: userMessage(change?.(i) ?? `q${i}`) });
  return batch;
}

describe('resume with a state file', () => {
  it('a finished run run again sends nothing and returns the results from disk', async () => {
    const first = await jobs().run({ wait: true });
    expect(emulator.stats().batchesCreated.anthropic).toBe(2);
    expect(await readdir(join(dir, 'state.jsonl.results'))).toContain('j0.json');
    const again = await jobs().run({ wait: true });
    expect(emulator.stats().batchesCreated.anthropic).toBe(2);
    expect(again.results()).toEqual(first.results());
  });

  it('refuses a different job set, saying what differs, before any request', async () => {
    await jobs().run({ wait: true });
    const calls = JSON.stringify(emulator.stats().calls);
    await expect(jobs({}, 7).run()).rejects.toMatchObject({
      code: 'state_mismatch',
      message: expect.stringContaining('1 job(s) added (j6)'),
    });
    await expect(jobs({}, 6, (i) => (i === 2 ? 'changed' : `q${i}`)).run()).rejects.toMatchObject({
      code: 'state_mismatch',
      message: expect.stringMatching(/1 job\(s\) changed.*\(j2\).*reuseState: false/),
    });
    expect(JSON.stringify(emulator.stats().calls)).toBe(calls);
  });

  it('reuseState: false starts fresh, moving the old state and results aside instead of deleting them', async () => {
    await jobs().run({ wait: true });
    await jobs({ reuseState: false }, 6, (i) => `new ${i}`).run({ wait: true });
    const entries = await readdir(dir);
    expect(entries.filter((e) => e.endsWith('.old')).length).toBe(2);
    const oldResults = entries.find((e) => e.startsWith('state.jsonl.results.') && e.endsWith('.old'))!;
    expect(JSON.parse(await readFile(join(dir, oldResults, 'j0.json'), 'utf8')).rawResponse).toBe(
      'Reply to: q0',
    );
    expect(JSON.parse(await readFile(join(dir, 'state.jsonl.results', 'j0.json'), 'utf8')).rawResponse).toBe(
      'Reply to: new 0',
    );
  });

  it('reuseState: false over a state with batches still processing names them: they are billed, and their jobs sent again', async () => {
    // The first run's batches go on processing at the provider, and it cannot see them (403 on every poll).
    emulator.configure({ processingMs: 3_600_000 });
    emulator.injectFault({ route: 'GET /v1/messages/batches/{id}', status: 403, times: 1_000 });
    const first = await jobs().run();
    const submitted: string[] = [];
    first.on('batchSubmitted', (info) => submitted.push(info.providerBatchId!));
    const codes = Object.values(await first.wait()).map((r) => r.error?.code);
    expect(codes).toEqual(Array(6).fill('poll_failed'));
    emulator.clearFaults();
    emulator.configure({ processingMs: 60 });
    const { warnings, logger } = warningsLogger();
    await jobs({ reuseState: false }).setVerbosity(logger).run({ wait: true });
    const warning = warnings.find((w) => w.includes('still follows'));
    expect(warning).toContain('2 provider batch(es)');
    for (const id of submitted) expect(warning).toContain(id);
    expect(warning).toContain('paying twice');
  });

  it('refuses a corrupt state file and leaves it as it is', async () => {
    await writeFile(stateFile(), 'garbage\n');
    await expect(jobs().run()).rejects.toMatchObject({ code: 'state_corrupt' });
    expect(await readFile(stateFile(), 'utf8')).toBe('garbage\n');
    expect(emulator.stats().calls).toEqual({});
    expect(existsSync(`${stateFile()}.lock`)).toBe(false);
  });

  it('a state file a run was killed in creating (empty, or part of its header) is no state: the next run starts afresh', async () => {
    // What batchwise left when killed between creating the file and its header being flushed: no record was
    // acknowledged, so nothing was sent under it.
    const other = join(dir, 'other.jsonl');
    await jobs({ stateFile: other, resultsDir: join(dir, 'other') }).run({ wait: true });
    const headerLine = (await readFile(other, 'utf8')).split('\n')[0]!;
    const left = ['', headerLine.slice(0, 40), headerLine.slice(0, -1), headerLine];
    for (const content of left) {
      emulator.resetStats();
      await writeFile(stateFile(), content);
      const infos: string[] = [];
      const run = await jobs({ resultsDir: join(dir, `results-${content.length}`) })
        .setVerbosity({ debug: () => {}, info: (m) => infos.push(m), warn: () => {}, error: () => {} })
        .run({ wait: true });
      expect(
        Object.values(run.results()).every((r) => r.isSuccess),
        `${content.length} bytes`,
      ).toBe(true);
      expect(emulator.stats().batchesCreated.anthropic).toBe(2);
      expect(infos.join('\n')).toContain('held no complete record');
      const lines = (await readFile(stateFile(), 'utf8')).split('\n');
      expect(JSON.parse(lines[0]!)).toMatchObject({ type: 'header', version: 1 });
      expect(existsSync(`${stateFile()}.lock`)).toBe(false);
      // And it is a state like any other: run again, nothing is sent.
      await jobs({ resultsDir: join(dir, `results-${content.length}`) }).run({ wait: true });
      expect(emulator.stats().batchesCreated.anthropic).toBe(2);
      await rm(stateFile());
    }
  });

  it('still refuses a state file whose header is whole but a record after it is not readable', async () => {
    await jobs().run({ wait: true });
    const [header] = (await readFile(stateFile(), 'utf8')).split('\n');
    const calls = JSON.stringify(emulator.stats().calls);
    for (const corrupt of [`${header}\ngarbage\n{"type":"ended","submissionId":"x"}\n`, `${header}\n\n`]) {
      await writeFile(stateFile(), corrupt);
      await expect(jobs().run()).rejects.toMatchObject({ code: 'state_corrupt' });
      expect(await readFile(stateFile(), 'utf8')).toBe(corrupt);
    }
    // Without a newline, only what a header starts with is taken for an unfinished create.
    await writeFile(stateFile(), 'garbage');
    await expect(jobs().run()).rejects.toMatchObject({ code: 'state_corrupt' });
    expect(await readFile(stateFile(), 'utf8')).toBe('garbage');
    expect(JSON.stringify(emulator.stats().calls)).toBe(calls);
  });

  it('refuses results of unknown origin when there is no state file', async () => {
    const results = join(dir, 'state.jsonl.results');
    await import('node:fs/promises').then((fs) => fs.mkdir(results));
    await writeFile(join(results, 'j1.json'), '{}');
    await expect(jobs().run()).rejects.toMatchObject({ code: 'results_exist' });
  });

  it('takes over a stale lock left by a dead process', async () => {
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.on('exit', r));
    await writeFile(
      `${stateFile()}.lock`,
      JSON.stringify({ pid: dead.pid, host: hostname(), since: 'then' }),
    );
    const run = await jobs().run({ wait: true });
    expect(Object.values(run.results()).every((r) => r.isSuccess)).toBe(true);
    expect(existsSync(`${stateFile()}.lock`)).toBe(false);
  });

  it('refuses a second process on the same state file while the first is alive', async () => {
    const runner = resolve(import.meta.dirname, '../fixtures/crash/runner.ts');
    // The child's batches are held in progress until the second run was refused: the child is alive and holds the
    // lock for as long as the test needs, however slowly a loaded machine starts it.
    emulator.configure({ processingMs: 3_600_000 });
    const child = spawn(process.execPath, ['--import', 'tsx', runner, emulator.url, dir], {
      cwd: resolve(import.meta.dirname, '../..'),
    });
    let hasExited = false;
    const exited = new Promise<number | null>((r) =>
      child.on('exit', (code) => {
        hasExited = true;
        r(code);
      }),
    );
    const lock = join(dir, 'state.jsonl.lock');
    const tick = () => Promise.race([exited, new Promise((r) => setTimeout(r, 25))]);
    while (!existsSync(lock) && !hasExited) await tick();
    expect(existsSync(lock)).toBe(true);
    const second = batchFor(emulator, {
      stateFile: join(dir, 'state.jsonl'),
      resultsDir: join(dir, 'results'),
      itemsPerBatch: 4,
    });
    for (let i = 0; i < 8; i++)
      second.addJob({
        id: `a${i}`,
        model: 'claude-haiku-4-5',
        messages: userMessage(`anthropic question ${i}`),
      });
    for (let i = 0; i < 4; i++)
      second.addJob({ id: `o${i}`, model: 'gpt-4o-mini', messages: userMessage(`openai question ${i}`) });
    await expect(second.run()).rejects.toMatchObject({
      code: 'state_locked',
      message: expect.stringContaining(String(child.pid)),
    });
    // Now the child may finish: its batches (and any it creates next) end as soon as they exist.
    while (!hasExited) {
      await emulator.finishProcessing();
      await tick();
    }
    expect(await exited).toBe(0);
  }, 120_000);

  it('resubmits only the unfinished jobs of an expired batch, and a resume after that sends nothing more', async () => {
    emulator.configure({ expire: { completedShare: 0.5 } });
    const run = await jobs({ itemsPerBatch: 6 }).run();
    run.once('batchCompleted', () => emulator.configure({ expire: null }));
    const results = await run.wait();
    expect(Object.values(results).every((r) => r.isSuccess)).toBe(true);
    expect(emulator.stats().batchesCreated.anthropic).toBe(2);
    await jobs({ itemsPerBatch: 6 }).run({ wait: true });
    expect(emulator.stats().batchesCreated.anthropic).toBe(2);
  });

  it('jobs that stayed expired after the run resubmitted them are sent by the next run (never billed, so never paid twice)', async () => {
    emulator.configure({ expire: { completedShare: 0.5 } });
    const first = await jobs({ itemsPerBatch: 6, maxRetries: 0 }).run({ wait: true });
    const expired = Object.values(first.results()).filter((r) => r.status === 'expired');
    expect(expired).toHaveLength(3);
    emulator.configure({ expire: null });
    const sent: string[][] = [];
    const second = await jobs({ itemsPerBatch: 6, maxRetries: 0 }).run();
    second.on('batchSubmitted', (batch) => sent.push(batch.jobIds));
    const results = await second.wait();
    expect(Object.values(results).every((r) => r.isSuccess)).toBe(true);
    expect(sent).toEqual([expired.map((r) => r.jobId)]);
    // Only the requests that ran are billed: 3 in the first run, the 3 expired ones in the second.
    expect((await emulator.billing()).total.requests).toBe(6);
  });

  it('a state file that counted expired results as final (as batchwise did before) resumes them, without results_missing', async () => {
    emulator.configure({ expire: { completedShare: 0 } });
    await jobs({ itemsPerBatch: 6, maxRetries: 0 }).run({ wait: true });
    // What an older batchwise wrote: its ended record counted the 6 expired results as final ones.
    const lines = (await readFile(stateFile(), 'utf8')).split('\n');
    const older = lines.map((line) =>
      line.includes('"type":"ended"')
        ? line.replace(/"results":\d+/, '"results":6')
        : line.replace(',"expiredResumable":true', ''),
    );
    await writeFile(stateFile(), older.join('\n'));
    emulator.configure({ expire: null });
    const resumed = await jobs({ itemsPerBatch: 6, maxRetries: 0 }).run({ wait: true });
    expect(Object.values(resumed.results()).every((r) => r.isSuccess)).toBe(true);
    expect((await emulator.billing()).total.requests).toBe(6);
  });

  it('final results deleted beside expired ones are still missed: read again from their batch, not paid again', async () => {
    // One provider batch that expired half done: j0-j2 succeeded, j3-j5 expired.
    emulator.configure({ expire: { completedShare: 0.5 } });
    const results = await (await jobs({ itemsPerBatch: 6, maxRetries: 0 }).run()).wait();
    expect(
      Object.values(results)
        .map((r) => r.status)
        .sort(),
    ).toEqual(['expired', 'expired', 'expired', 'succeeded', 'succeeded', 'succeeded']);
    emulator.configure({ expire: null });
    for (const result of Object.values(results))
      if (result.isSuccess) await rm(join(`${stateFile()}.results`, `${result.jobId}.json`));
    const resumed = await (await jobs({ itemsPerBatch: 6, maxRetries: 0 }).run()).wait();
    for (const result of Object.values(results).filter((r) => r.isSuccess))
      expect(resumed[result.jobId]).toEqual(result);
    // Only the expired jobs went out again, in one new batch; the answers read again were not paid again.
    expect(Object.values(resumed).every((r) => r.isSuccess)).toBe(true);
    expect(emulator.stats().batchesCreated.anthropic).toBe(2);
    const billed = (await emulator.billing()).requests.map((r) => r.customId.slice(9)).sort();
    expect(billed).toEqual(['j0', 'j1', 'j2', 'j3', 'j4', 'j5']);
  });

  it('a retry that expired, of a model without a price, is resumed as the next attempt: retryInvalid is not granted afresh', async () => {
    await emulator.close();
    emulator = await startEmulator({
      processingMs: 60,
      dataDir,
      models: { anthropic: ['claude-acme-1'] },
      respond: () => ({ json: { n: 'not a number' } }),
    });
    const build = () =>
      batchFor(emulator, { stateFile: stateFile(), maxRetries: 0 }).addJob({
        id: 'a',
        model: 'claude-acme-1',
        provider: 'anthropic',
        maxTokens: 100,
        messages: userMessage('give n'),
        responseModel: z.object({ n: z.number() }),
        retryInvalid: 1,
      });
    const first = await build().run();
    first.once('batchSubmitted', () => emulator.configure({ expire: { completedShare: 0 } }));
    // The first attempt is answered (invalid, paid at a price unknown); its retry's batch expires.
    expect((await first.wait()).a).toMatchObject({ status: 'expired', attempts: 2, costUsd: null });
    emulator.configure({ expire: null });
    const second = await build().run({ wait: true });
    expect(second.results().a).toMatchObject({ status: 'invalid', attempts: 3 });
    // Two sends answered and billed: the first, and the retry the resume sent.
    expect((await emulator.billing()).total.requests).toBe(2);
  });

  it("a resumed result's parsedResponse is what the schema makes of the answer, a Date and a transform's output included", async () => {
    await emulator.close();
    emulator = await startEmulator({
      processingMs: 60,
      dataDir,
      respond: () => ({ json: { due: '2026-11-24T12:00:00Z', name: 'acme' } }),
    });
    const build = () =>
      batchFor(emulator, { stateFile: stateFile() }).addJob({
        id: 'a',
        model: 'claude-haiku-4-5',
        messages: userMessage('when is it due?'),
        responseModel: z.object({ due: z.coerce.date(), name: z.string().transform((s) => s.length) }),
      });
    const first = (await build().run({ wait: true })).results().a!;
    expect(first.parsedResponse).toEqual({ due: new Date('2026-11-24T12:00:00Z'), name: 4 });
    const resumed = (await build().run({ wait: true })).results().a!;
    expect(emulator.stats().batchesCreated.anthropic).toBe(1);
    expect(resumed.parsedResponse?.due).toBeInstanceOf(Date);
    expect(resumed.parsedResponse).toEqual(first.parsedResponse);

    // A refinement added since (the digests hold the schema's JSON form, which it does not change) refuses the
    // stored answer: its result stays as stored, said so, and nothing is sent again.
    const { warnings, logger } = warningsLogger();
    const refined = await batchFor(emulator, { stateFile: stateFile() })
      .setVerbosity(logger)
      .addJob({
        id: 'a',
        model: 'claude-haiku-4-5',
        messages: userMessage('when is it due?'),
        responseModel: z
          .object({ due: z.coerce.date(), name: z.string().transform((s) => s.length) })
          .refine((value) => value.name > 10),
      })
      .run({ wait: true });
    expect(emulator.stats().batchesCreated.anthropic).toBe(1);
    expect(refined.results().a).toMatchObject({ status: 'succeeded', parsedResponse: { name: 4 } });
    expect(warnings.join('\n')).toMatch(
      /1 stored answer\(s\) no longer pass their job's responseModel \(a\)/,
    );
  });

  it('results that could not be read are collected by the next run, from the same provider batch', async () => {
    emulator.injectFault({ route: 'GET /v1/messages/batches/{id}/results', status: 500, times: 50 });
    const options = { itemsPerBatch: 6, anthropic: { maxRetries: 0 }, retry: { attempts: 2 } };
    const first = await jobs(options).run({ wait: true });
    expect(Object.values(first.results()).map((r) => r.error?.code)).toEqual(Array(6).fill('results_failed'));
    emulator.clearFaults();
    const second = await jobs(options).run({ wait: true });
    expect(Object.values(second.results()).every((r) => r.isSuccess)).toBe(true);
    expect(emulator.stats().batchesCreated.anthropic).toBe(1);
  });

  it('rides over an emulator restart mid-run: polls fail, then the same batches finish', async () => {
    // Every step waits for a condition, never for a duration: the batches are held in progress (an hour's
    // processing) until the restarted emulator is told to end them, the outage starts only once both are created (so
    // no create is caught by it, whatever the machine's load), and it lasts until the run has seen a poll fail.
    emulator.configure({ processingMs: 3_600_000 });
    const port = emulator.port;
    let pollFailed!: () => void;
    const firstFailedPoll = new Promise<void>((resolve) => {
      pollFailed = resolve;
    });
    const quiet = () => {};
    const run = await jobs({ poll: { initialMs: 20, maxMs: 50 }, anthropic: { maxRetries: 0 } })
      .setVerbosity({
        debug: quiet,
        info: quiet,
        error: quiet,
        warn: (message) => {
          if (/^poll of \S+ failed/.test(message)) pollFailed();
        },
      })
      .run();
    let submitted = 0;
    await new Promise<void>((resolve) =>
      run.on('batchSubmitted', () => {
        if (++submitted === 2) resolve();
      }),
    );
    const before = emulator.stats().batchesCreated.anthropic;
    await emulator.close();
    await firstFailedPoll;
    emulator = await startEmulator({ port, dataDir });
    // The restarted emulator knows both batches from its data directory; they end now.
    expect(await emulator.finishProcessing()).toBe(2);
    const results = await run.wait();
    expect(Object.values(results).every((r) => r.isSuccess)).toBe(true);
    expect(before).toBe(2);
    expect(emulator.stats().batchesCreated.anthropic).toBe(0);
  });
});

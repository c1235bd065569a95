import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import type { JobResult } from '../../src/index.js';
import { billedCost } from '../helpers/billing.js';
import { until } from '../helpers/clients.js';

const root = resolve(import.meta.dirname, '../..');
const runner = join(root, 'test/fixtures/crash/runner.ts');
const JOB_IDS = [
  ...Array.from({ length: 8 }, (_, i) => `a${i}`),
  ...Array.from({ length: 4 }, (_, i) => `o${i}`),
];
const PROVIDER_BATCHES = 3;

let emulator: Emulator;
let reference: Record<string, Pick<JobResult, 'status' | 'rawResponse' | 'inputTokens' | 'outputTokens'>>;

beforeAll(async () => {
  emulator = await startEmulator({
    processingMs: 150,
    dataDir: await mkdtemp(join(tmpdir(), 'batchwise-emu-')),
  });
});
afterAll(() => emulator.close());

/** Runs the child; resolves with how it ended. */
function runChild(
  dir: string,
  crashAt?: string,
  at: Emulator = emulator,
): Promise<{ code: number | null; signal: string | null; stdout: string }> {
  return new Promise((resolvePromise) => {
    const env = { ...process.env, BATCHWISE_CRASH_AT: crashAt ?? '' };
    // tsx as a loader, so that the script runs in this very process and its SIGKILL is the child's.
    const child = spawn(process.execPath, ['--import', 'tsx', runner, at.url, dir], { env, cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('exit', (code, signal) => {
      if (code !== 0 && signal !== 'SIGKILL') console.error(stderr);
      resolvePromise({ code, signal, stdout });
    });
  });
}

async function resultsIn(dir: string) {
  const files = (await readdir(join(dir, 'results'))).filter((f) => f.endsWith('.json')).sort();
  const results: Record<string, JobResult> = {};
  for (const file of files)
    results[file.replace(/\.json$/, '')] = JSON.parse(await readFile(join(dir, 'results', file), 'utf8'));
  return { files, results };
}

const essence = (result: JobResult) => ({
  status: result.status,
  rawResponse: result.rawResponse,
  inputTokens: result.inputTokens,
  outputTokens: result.outputTokens,
});

describe('crash and resume (SIGKILL in a child process)', () => {
  it('an uninterrupted run, for reference', async () => {
    emulator.resetStats();
    const dir = await mkdtemp(join(tmpdir(), 'batchwise-crash-'));
    const { code, stdout } = await runChild(dir);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ results: 12, succeeded: 12 });
    const { results } = await resultsIn(dir);
    reference = Object.fromEntries(Object.entries(results).map(([id, r]) => [id, essence(r)]));
    expect(Object.keys(reference).sort()).toEqual([...JOB_IDS].sort());
    const created = emulator.stats().batchesCreated;
    expect(created.anthropic + created.openai).toBe(PROVIDER_BATCHES);
  }, 60_000);

  const points = [
    // Creating the state file: half its header written under the temporary name; then linked into place, the
    // temporary name not yet removed.
    'torn-state-header:1',
    'state-linked:1',
    'before-intent:1',
    'after-intent:1',
    'after-intent:2',
    'after-intent:3',
    'after-upload:1',
    'after-create:1',
    'after-create:2',
    'after-create:3',
    'after-submitted-record:1',
    'after-submitted-record:3',
    // Each of the three provider batches is polled at least once, however fast or slow the machine: three polls
    // are certain, a ninth is not.
    'poll:1',
    'poll:2',
    'poll:3',
    'results-stream:1',
    'results-stream:6',
    'results-stream:11',
    'before-result-write:1',
    'before-result-write:7',
    'after-result-write:4',
    'after-result-write:12',
    'torn-result-write:1',
    'torn-result-write:5',
    'before-ended-record:1',
    'before-ended-record:3',
  ];

  for (const point of points) {
    it(`killed at ${point}, resumed: one result per job, equal to the reference, each provider batch created once`, async () => {
      emulator.resetStats();
      const dir = await mkdtemp(join(tmpdir(), 'batchwise-crash-'));
      const crashed = await runChild(dir, point);
      expect(crashed.signal, `the child should have died at ${point}`).toBe('SIGKILL');
      const resumed = await runChild(dir);
      expect(resumed.code).toBe(0);
      expect(JSON.parse(resumed.stdout)).toEqual({ results: 12, succeeded: 12 });
      const { files, results } = await resultsIn(dir);
      expect(files).toEqual(JOB_IDS.map((id) => `${id}.json`).sort());
      for (const id of JOB_IDS) expect(essence(results[id]!), id).toEqual(reference[id]);
      const { batchesCreated, createdBatchIds } = emulator.stats();
      expect(batchesCreated.anthropic + batchesCreated.openai, JSON.stringify(createdBatchIds)).toBe(
        PROVIDER_BATCHES,
      );
      // Every result names a batch the emulator created in this scenario.
      const ids = new Set([...createdBatchIds.anthropic, ...createdBatchIds.openai]);
      for (const id of JOB_IDS) expect(ids.has(results[id]!.providerBatchId!)).toBe(true);
      expect(existsSync(join(dir, 'state.jsonl.lock'))).toBe(false);
      // Nothing left beside the state file: not the lock, not a temporary file of its creation.
      expect((await readdir(dir)).sort()).toEqual(['results', 'state.jsonl']);
      // Nothing is left behind at the provider: every input file uploaded in this scenario (also one uploaded just
      // before the kill, whose batch was never created) has been deleted.
      const openai = new OpenAI({ apiKey: 'test-key', baseURL: emulator.openaiBaseURL });
      const left: string[] = [];
      for await (const file of openai.files.list({ purpose: 'batch' })) left.push(file.filename);
      expect(left).toEqual([]);
      if (point.startsWith('after-create')) {
        // The id was never recorded: the resume found the batch at the provider (a list call) and adopted it.
        const { calls } = emulator.stats();
        expect((calls['GET /v1/messages/batches'] ?? 0) + (calls['GET /v1/batches'] ?? 0)).toBeGreaterThan(0);
      }
    }, 60_000);
  }

  it('a resume that asks another place (another baseURL) does not take a batch it cannot find for one never created', async () => {
    // Killed after the create, before its id was recorded; resumed against another provider, then the right one.
    const elsewhere = await startEmulator({ processingMs: 50 });
    try {
      emulator.resetStats();
      const dir = await mkdtemp(join(tmpdir(), 'batchwise-crash-'));
      expect((await runChild(dir, 'after-create:1')).signal).toBe('SIGKILL');
      const wrong = await runChild(dir, undefined, elsewhere);
      expect(wrong.code).toBe(0);
      const { results } = await resultsIn(dir);
      const unresolved = Object.values(results).filter((r) => r.error?.code === 'adopt_failed');
      expect(unresolved.length).toBeGreaterThan(0);
      expect(unresolved[0]!.error!.message).toContain(`it was sent, if at all, to ${emulator.url}`);

      const back = await runChild(dir);
      expect(JSON.parse(back.stdout)).toEqual({ results: 12, succeeded: 12 });
      // Every job paid for once, wherever it went.
      const billed = (await emulator.billing()).total.requests + (await elsewhere.billing()).total.requests;
      expect(billed).toBe(12);
    } finally {
      await elsewhere.close();
    }
  }, 60_000);
});

describe('a crash after an invalid answer was paid for and retried', () => {
  it('a resume that collects the same batch again counts that attempt once: costUsd is what was billed', async () => {
    // Each job's first answer is invalid, its retry's valid.
    const answered = new Map<string, number>();
    const own = await startEmulator({
      processingMs: 40,
      respond: ({ customId }) => {
        const job = customId.slice(customId.indexOf('_') + 1);
        answered.set(job, (answered.get(job) ?? 0) + 1);
        return answered.get(job) === 1 ? { text: 'not json' } : { json: { x: 1 } };
      },
    });
    try {
      const dir = await mkdtemp(join(tmpdir(), 'batchwise-crash-retry-'));
      const retryRunner = join(root, 'test/fixtures/crash/retry-runner.ts');
      // Killed once the first batch's answers are on disk (the paid attempts recorded, the retries handed back) and
      // before its end is journaled: the resume collects that batch again.
      const signal = await new Promise<string | null>((resolveSignal) => {
        const env = { ...process.env, BATCHWISE_CRASH_AT: 'before-ended-record:1' };
        spawn(process.execPath, ['--import', 'tsx', retryRunner, own.anthropicBaseURL, dir], {
          env,
          cwd: root,
        }).on('exit', (_code, killed) => resolveSignal(killed));
      });
      expect(signal).toBe('SIGKILL');
      const { retryBatch } = await import('../fixtures/crash/retry-runner.js');
      const run = await retryBatch(own.anthropicBaseURL, dir).run({ wait: true });
      const billing = await until(
        () => own.billing(),
        (b) => b.unfinished.length === 0,
      );
      let billedTotal = 0;
      for (const id of ['r0', 'r1']) {
        const billed = billing.requests.filter((r) => r.customId.endsWith(`_${id}`));
        expect(billed, id).toHaveLength(2);
        const usd = billed.reduce((sum, r) => sum + billedCost(r)!, 0);
        billedTotal += usd;
        expect(run.results()[id]).toMatchObject({ status: 'succeeded', attempts: 2 });
        expect(run.results()[id]!.costUsd).toBeCloseTo(usd, 12);
      }
      expect(run.progress().costSpentUsd).toBeCloseTo(billedTotal, 12);
    } finally {
      await own.close();
    }
  }, 60_000);
});

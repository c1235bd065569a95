import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { Batch, type JobResult } from '../../src/index.js';
import { addJobs, LARGE_ANSWER } from '../fixtures/full-disk/jobs.js';

const root = resolve(import.meta.dirname, '../..');
const runner = join(root, 'test/fixtures/full-disk/runner.ts');
const resumeRunner = join(root, 'test/fixtures/full-disk/resume-runner.ts');
/** In KiB (`ulimit -f`): the state file and the small result fit, the large result (about 36 KB) does not. */
const FILE_SIZE_LIMIT_KB = 16;

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({
    processingMs: 40,
    respond: ({ customId }) => (customId.endsWith('_large') ? { text: LARGE_ANSWER } : undefined),
  });
});
afterAll(() => emulator.close());

/**
 * A runner script with `args`, its files limited to `limitKb` KiB when given: writes past the limit fail with EFBIG,
 * as writes to a full disk fail with ENOSPC.
 */
function spawnRunner(
  script: string,
  args: string,
  limitKb?: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const node = `"${process.execPath}" --import tsx "${script}" ${args}`;
  const command = limitKb === undefined ? `exec ${node}` : `ulimit -f ${limitKb} && exec ${node}`;
  return new Promise((done) => {
    const child = spawn('bash', ['-c', command], { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => done({ code, stdout, stderr }));
  });
}

/** The runner under the file size limit. */
function runLimited(dir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return spawnRunner(runner, `"${emulator.anthropicBaseURL}" "${dir}"`, FILE_SIZE_LIMIT_KB);
}

describe('a disk too full for a result file', () => {
  it('leaves no torn file, keeps the answer at the provider, and a resume collects it without paying again', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'batchwise-full-'));
    emulator.resetStats();
    const { code, stdout, stderr } = await runLimited(dir);
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ small: 'succeeded', large: 'write_failed' });
    expect(existsSync(join(dir, 'results', 'small.json'))).toBe(true);
    // Never a half-written result where the whole one belongs.
    expect(existsSync(join(dir, 'results', 'large.json'))).toBe(false);
    const journal = await readFile(join(dir, 'state.jsonl'), 'utf8');
    expect(journal).not.toContain('"type":"ended"');

    // Space again: the same jobs resume and collect the answer from the same provider batch.
    const batch = new Batch({
      stateFile: join(dir, 'state.jsonl'),
      resultsDir: join(dir, 'results'),
      saveRawResponses: false,
      anthropic: { apiKey: 'test-key', baseURL: emulator.anthropicBaseURL },
      poll: { initialMs: 25, maxMs: 80 },
    }).setVerbosity('silent');
    const resumed = await (await addJobs(batch).run()).wait();
    expect(resumed.large).toMatchObject({ status: 'succeeded' });
    expect(emulator.stats().batchesCreated.anthropic).toBe(1);
    const written = JSON.parse(await readFile(join(dir, 'results', 'large.json'), 'utf8')) as JobResult;
    expect(written.rawResponse).toBe(LARGE_ANSWER);
  });
});

/** The resume runner with `jobs` jobs on `dir`, its files limited to `limitKb` KiB when given. */
async function runResume(dir: string, jobs: number, limitKb?: number) {
  const { code, stdout, stderr } = await spawnRunner(
    resumeRunner,
    `"${emulator.anthropicBaseURL}" "${dir}" ${jobs}`,
    limitKb,
  );
  expect(code, stderr).toBe(0);
  return JSON.parse(stdout) as { name: string; code?: string; message?: string; openCompactFiles: number };
}

describe('a disk too full to resume on', () => {
  it('refuses with state_write_failed, leaves the state file as it was and no temp file, not even a killed one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'batchwise-full-resume-'));
    const jobs = 400;
    expect(await runResume(dir, jobs)).toMatchObject({ name: 'ran' });
    const stateFile = join(dir, 'state.jsonl');
    const before = await readFile(stateFile, 'utf8');
    // Its compacted copy does not fit under the limit, as it would not on a full disk.
    const limitKb = 8;
    expect((await stat(stateFile)).size).toBeGreaterThan(limitKb * 1024);
    // What a process killed while compacting left: cleaned like any other leftover.
    await writeFile(`${stateFile}.99999.compact`, before);

    expect(await runResume(dir, jobs, limitKb)).toMatchObject({
      name: 'StateFileError',
      code: 'state_write_failed',
      message: expect.stringContaining(stateFile),
      openCompactFiles: 0,
    });
    expect(await readFile(stateFile, 'utf8')).toBe(before);
    expect((await readdir(dir)).sort()).toEqual(['results', 'state.jsonl']);
  });

  it('refuses with state_write_failed when not even the lock can be written, and leaves nothing of it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'batchwise-full-lock-'));
    expect(await runResume(dir, 2, 0)).toMatchObject({
      name: 'StateFileError',
      code: 'state_write_failed',
      message: expect.stringContaining(join(dir, 'state.jsonl.lock')),
    });
    expect(await readdir(dir)).toEqual([]);
  });
});

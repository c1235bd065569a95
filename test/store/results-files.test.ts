import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import type { BatchOptions } from '../../src/index.js';
import { syncFileSystem } from '../../src/store/results-writer.js';
import { batchFor, userMessage } from '../helpers/batch.js';

let emulator: Emulator;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'batchwise-results-files-'));
  emulator = await startEmulator({ processingMs: 40 });
});
afterEach(() => emulator.close());

const resultsDir = () => join(dir, 'results');

function jobs(options: BatchOptions = {}) {
  const batch = batchFor(emulator, { resultsDir: resultsDir(), itemsPerBatch: 2, ...options });
  for (let i = 0; i < 3; i++)
    batch.addJob({ id: `j${i}`, model: 'claude-haiku-4-5', messages: userMessage(`q${i}`) });
  return batch;
}

describe('batchwise never overwrites a result it did not write in this run', () => {
  it('without a state file, refuses a resultsDir holding another run’s result, before any request', async () => {
    await jobs().run({ wait: true });
    const before = await readFile(join(resultsDir(), 'j1.json'), 'utf8');
    emulator.resetStats();
    await expect(jobs().run()).rejects.toMatchObject({
      code: 'results_exist',
      message: expect.stringMatching(/j0, j1, j2.*choose another resultsDir/),
    });
    expect(emulator.stats().calls).toEqual({});
    expect(await readFile(join(resultsDir(), 'j1.json'), 'utf8')).toBe(before);
  });

  it('a run writes each job’s file once and may replace its own (a paid attempt’s marker, then the answer)', async () => {
    const run = await jobs().run({ wait: true });
    expect(Object.values(run.results()).every((r) => r.isSuccess)).toBe(true);
    const files = (await readdir(resultsDir())).filter((f) => f.endsWith('.json')).sort();
    expect(files).toEqual(['j0.json', 'j1.json', 'j2.json']);
  });
});

describe('symlinks inside resultsDir are not followed', () => {
  it('a <jobId>.json that is a symlink is refused before any request; its target is untouched', async () => {
    await mkdir(resultsDir());
    const outside = join(dir, 'outside.txt');
    await writeFile(outside, 'precious');
    await symlink(outside, join(resultsDir(), 'j1.json'));
    for (const options of [{}, { stateFile: join(dir, 'state.jsonl') }]) {
      await expect(jobs(options).run()).rejects.toMatchObject({
        code: 'results_dir_invalid',
        message: expect.stringContaining(`${join(resultsDir(), 'j1.json')} is a symlink`),
      });
    }
    expect(emulator.stats().calls).toEqual({});
    expect(await readFile(outside, 'utf8')).toBe('precious');
  });

  it('a raw/ that is a symlink is refused; nothing is written through it', async () => {
    await mkdir(resultsDir());
    const elsewhere = join(dir, 'elsewhere');
    await mkdir(elsewhere);
    await symlink(elsewhere, join(resultsDir(), 'raw'));
    await expect(jobs().run()).rejects.toMatchObject({ code: 'results_dir_invalid' });
    expect(await readdir(elsewhere)).toEqual([]);
    expect(emulator.stats().calls).toEqual({});
  });
});

/** Files of the user's beside the results, named like temp files but not as batchwise names its own. */
const userFiles = [
  'j0.json.1', // a numbered copy
  'j1.json.20250101', // a dated one
  'j2.json.cafe', // hex, not 8 digits
  'j0.json.1a2b3c4d', // 8 hex digits, no .tmp
  'j1.json.1a2b3c4.tmp', // 7
  'j2.json.1A2B3C4D.tmp', // upper case
  'j0.json.3735928559', // the form batchwise 0.1's temp files (write-file-atomic's) had
  'other.json.1a2b3c4d.tmp', // batchwise's form, but no job of this batch
  'notes.txt',
  'j2.json.bak',
  'raw/j0.response.json.1',
  'raw/j1.request.json.20250101',
];
/** What a killed replace leaves: the names batchwise gives its temp files (`<file>.<8 hex digits>.tmp`). */
const leftovers = [
  'j0.json.1a2b3c4d.tmp',
  'raw/j0.response.json.0badcafe.tmp',
  'raw/j1.request.json.12345678.tmp',
];

async function place(names: string[]) {
  await mkdir(join(resultsDir(), 'raw'), { recursive: true });
  for (const name of names) await writeFile(join(resultsDir(), name), `{"mine": "${name}"}`);
}

describe('what a killed write left is cleaned, and nothing else', () => {
  it('on resume: temp files of this batch’s jobs go; the user’s files beside them stay, unchanged', async () => {
    const stateFile = join(dir, 'state.jsonl');
    await jobs({ stateFile }).run({ wait: true });
    await place([...leftovers, ...userFiles]);
    emulator.resetStats();
    const again = await jobs({ stateFile }).run({ wait: true });
    expect(Object.values(again.results()).every((r) => r.isSuccess)).toBe(true);
    expect(emulator.stats().batchesCreated.anthropic).toBe(0);
    for (const name of leftovers) expect(existsSync(join(resultsDir(), name)), name).toBe(false);
    for (const name of userFiles) {
      expect(await readFile(join(resultsDir(), name), 'utf8'), name).toBe(`{"mine": "${name}"}`);
    }
  });

  it('on a fresh run (no state file), the same: the user’s files stay, leftover temp files go', async () => {
    await place([...leftovers, ...userFiles]);
    const run = await jobs().run({ wait: true });
    expect(Object.values(run.results()).every((r) => r.isSuccess)).toBe(true);
    for (const name of leftovers) expect(existsSync(join(resultsDir(), name)), name).toBe(false);
    for (const name of userFiles) {
      expect(await readFile(join(resultsDir(), name), 'utf8'), name).toBe(`{"mine": "${name}"}`);
    }
    const files = (await readdir(resultsDir())).filter((f) => f.endsWith('.json')).sort();
    expect(files).toEqual(['j0.json', 'j1.json', 'j2.json']);
  });

  it('a result file changed after its batch ended is refused on resume, naming it; nothing is sent', async () => {
    const stateFile = join(dir, 'state.jsonl');
    await jobs({ stateFile }).run({ wait: true });
    await writeFile(join(resultsDir(), 'j2.json'), '{"jobId": "j2", "stat');
    emulator.resetStats();
    await expect(jobs({ stateFile }).run()).rejects.toMatchObject({
      code: 'result_file_corrupt',
      message: expect.stringContaining(join(resultsDir(), 'j2.json')),
    });
    expect(emulator.stats().calls).toEqual({});
  });
});

describe('one syncfs for the whole group', () => {
  it('a results directory deleted under a run does not switch the rest of the process to an fsync per file', async () => {
    const gone = join(dir, 'deleted-under-the-run');
    expect(await syncFileSystem(gone)).toBe(false);
    // Linux has `sync -f`: the next group, in a directory that is there, is still synced in one call.
    expect(await syncFileSystem(dir)).toBe(process.platform === 'linux');
  });
});

import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { type BatchOptions, StateFileError } from '../../src/index.js';
import { batchFor, userMessage } from '../helpers/batch.js';

let emulator: Emulator;
let dir: string;
beforeAll(async () => {
  emulator = await startEmulator({ processingMs: 20 });
});
afterAll(() => emulator.close());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'batchwise-paths-'));
  emulator.resetStats();
});

function batch(options: BatchOptions, count = 2) {
  const b = batchFor(emulator, options).defaults({ model: 'claude-haiku-4-5' });
  for (let i = 0; i < count; i++) b.addJob({ id: `p${i}`, messages: userMessage(`q${i}`) });
  return b;
}

describe('where the state and results go is checked before any request', () => {
  it('a stateFile in a directory that does not exist', async () => {
    const stateFile = join(dir, 'no-such-dir', 'state.jsonl');
    for (const act of [() => batch({ stateFile }).run(), () => batch({ stateFile }).dryRun()]) {
      await expect(act()).rejects.toMatchObject({
        code: 'invalid_path',
        message: expect.stringContaining(join(dir, 'no-such-dir')),
      });
    }
    expect(emulator.stats().calls).toEqual({});
  });

  it('a stateFile that is a directory', async () => {
    await expect(batch({ stateFile: dir }).run()).rejects.toMatchObject({
      code: 'invalid_path',
      message: expect.stringContaining('is a directory'),
    });
    expect(emulator.stats().calls).toEqual({});
  });

  it('a stateFile that is a device or a FIFO, even with reuseState: false (which would rename it aside)', async () => {
    const fifo = join(dir, 'state.fifo');
    execFileSync('mkfifo', [fifo]);
    for (const stateFile of ['/dev/null', fifo]) {
      for (const reuseState of [true, false]) {
        await expect(batch({ stateFile, reuseState }).run()).rejects.toMatchObject({
          code: 'invalid_path',
          message: expect.stringContaining('is not a regular file'),
        });
      }
    }
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
    expect(statSync(fifo).isFIFO()).toBe(true);
    expect(emulator.stats().calls).toEqual({});
  });

  it("a stateFile that is a dangling symlink, or a .json file among the results (a job's result would replace it)", async () => {
    await symlink(join(dir, 'gone.jsonl'), join(dir, 'dangling.jsonl'));
    await expect(batch({ stateFile: join(dir, 'dangling.jsonl') }).run()).rejects.toMatchObject({
      code: 'invalid_path',
      message: expect.stringContaining('is a symlink to a path that does not exist'),
    });
    const resultsDir = join(dir, 'results');
    await expect(batch({ stateFile: join(resultsDir, 'p0.json'), resultsDir }).run()).rejects.toMatchObject({
      code: 'invalid_path',
      message: expect.stringContaining('Name it state.jsonl'),
    });
    // Nor through a symlink to the results, nor as a loop of symlinks.
    await mkdir(resultsDir);
    await symlink(resultsDir, join(dir, 'linked'));
    await expect(
      batch({ stateFile: join(resultsDir, 'p0.json'), resultsDir: join(dir, 'linked') }).run(),
    ).rejects.toMatchObject({
      code: 'invalid_path',
      message: expect.stringContaining('Name it state.jsonl'),
    });
    await symlink(join(dir, 'loop'), join(dir, 'loop'));
    await expect(batch({ stateFile: join(dir, 'loop') }).run()).rejects.toMatchObject({
      code: 'invalid_path',
      message: expect.stringContaining('loop of symlinks'),
    });
    // A state.jsonl among the results is no result's name.
    const run = await batch({ stateFile: join(resultsDir, 'state.jsonl'), resultsDir }).run({ wait: true });
    expect(Object.values(run.results()).every((r) => r.isSuccess)).toBe(true);
  });

  it('a resultsDir that is a file, or is under one', async () => {
    const file = join(dir, 'results.txt');
    await writeFile(file, 'not a directory');
    await expect(batch({ resultsDir: file }).run()).rejects.toMatchObject({
      code: 'invalid_path',
      message: expect.stringContaining('is a file'),
    });
    await expect(batch({ resultsDir: join(file, 'sub') }).run()).rejects.toMatchObject({
      code: 'invalid_path',
    });
    await expect(
      batch({ stateFile: join(dir, 'state.jsonl'), resultsDir: file }).run(),
    ).rejects.toBeInstanceOf(Error);
    expect(emulator.stats().calls).toEqual({});
    expect(await readFile(file, 'utf8')).toBe('not a directory');
  });

  it('a resultsDir that does not exist yet is created', async () => {
    const resultsDir = join(dir, 'a', 'b', 'results');
    const run = await batch({ resultsDir }).run({ wait: true });
    expect(Object.values(run.results()).every((r) => r.status === 'succeeded')).toBe(true);
    expect(existsSync(join(resultsDir, 'p0.json'))).toBe(true);
  });

  // /proc/sys takes no new entry from anyone, root included, whom permissions do not stop: as a read-only mount.
  const unwritable = '/proc/sys';

  it('a resultsDir that cannot be written: refused by dryRun() and run() before the state file is created', async () => {
    const stateFile = join(dir, 'state.jsonl');
    for (const resultsDir of [unwritable, join(unwritable, 'batchwise-results')]) {
      for (const act of [
        () => batch({ stateFile, resultsDir }).dryRun(),
        () => batch({ stateFile, resultsDir }).run(),
      ]) {
        await expect(act()).rejects.toMatchObject({
          code: 'invalid_path',
          message: expect.stringMatching(/\/proc\/sys is not writable.*Choose a directory you can write to/),
        });
      }
    }
    expect(emulator.stats().calls).toEqual({});
    // Not bound to the refused resultsDir (results_dir_mismatch): another one is taken.
    expect(existsSync(stateFile)).toBe(false);
    const run = await batch({ stateFile, resultsDir: join(dir, 'results') }).run({ wait: true });
    expect(Object.values(run.results()).every((r) => r.status === 'succeeded')).toBe(true);
  });

  it('a stateFile in a directory that cannot be written: refused by dryRun() and run()', async () => {
    const stateFile = join(unwritable, 'batchwise-state.jsonl');
    const resultsDir = join(dir, 'results');
    for (const act of [
      () => batch({ stateFile, resultsDir }).dryRun(),
      () => batch({ stateFile, resultsDir }).run(),
    ]) {
      await expect(act()).rejects.toMatchObject({
        code: 'invalid_path',
        message: expect.stringContaining(`its directory ${unwritable} is not writable`),
      });
    }
    expect(emulator.stats().calls).toEqual({});
    expect(existsSync(resultsDir)).toBe(false);
  });
});

describe('a start refused by its resultsDir leaves no state behind', () => {
  it('a raw/ that is a symlink: refused, no state file kept, so another resultsDir is then taken', async () => {
    const stateFile = join(dir, 'state.jsonl');
    const results = join(dir, 'results');
    await mkdir(results);
    await symlink(dir, join(results, 'raw'));
    await expect(batch({ stateFile, resultsDir: results }).run()).rejects.toMatchObject({
      code: 'results_dir_invalid',
    });
    // Kept, its header would have bound the state to that directory: results_dir_mismatch on the next line.
    expect(existsSync(stateFile)).toBe(false);
    const run = await batch({ stateFile, resultsDir: join(dir, 'elsewhere') }).run({ wait: true });
    expect(Object.values(run.results()).every((result) => result.isSuccess)).toBe(true);
  });
});

describe('a damaged result file on resume', () => {
  it.each([
    ['not JSON', '{"jobId": "p1", "status": "succ'],
    ['another job', JSON.stringify({ jobId: 'other', status: 'succeeded' })],
  ])('(%s) is refused naming the file, before any request', async (_, content) => {
    const stateFile = join(dir, 'state.jsonl');
    await batch({ stateFile }).run({ wait: true });
    const created = emulator.stats().batchesCreated.anthropic;
    const path = join(`${stateFile}.results`, 'p1.json');
    await writeFile(path, content);
    let thrown: unknown;
    try {
      await batch({ stateFile }).run();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(StateFileError);
    expect(thrown).toMatchObject({ code: 'result_file_corrupt', jobId: 'p1' });
    expect((thrown as Error).message).toContain(path);
    expect(emulator.stats().batchesCreated.anthropic).toBe(created);
    // The file was left as it was and the lock released: with the damaged file moved away, the run resumes.
    expect(await readFile(path, 'utf8')).toBe(content);
    await mkdir(join(dir, 'aside'));
    await rename(path, join(dir, 'aside', 'p1.json'));
    const again = await batch({ stateFile }).run({ wait: true });
    expect(again.results().p1?.status).toBe('succeeded');
  });
});

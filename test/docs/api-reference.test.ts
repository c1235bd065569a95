import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `npm run docs:api` builds the API reference from the TSDoc with TypeDoc (typedoc.json). It treats warnings as
// errors: a public type that names one not exported, or a {@link} to nothing, fails here.
const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
let out: string;
let result: { stdout: string; stderr: string; code: number };

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'batchwise-api-'));
  const typedoc = join(root, 'node_modules/typedoc/bin/typedoc');
  result = await run(process.execPath, [typedoc, '--out', out], {
    cwd: root,
    maxBuffer: 16 * 1024 * 1024,
  }).then(
    ({ stdout, stderr }) => ({ stdout, stderr, code: 0 }),
    (error: { stdout: string; stderr: string; code: number }) => error,
  );
}, 240_000);
afterAll(() => (out ? rm(out, { recursive: true, force: true }) : undefined));

describe('the API reference', () => {
  it('builds from the TSDoc without a warning', () => {
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/\[(warning|error)\]/);
    expect(result.code).toBe(0);
  });

  it('documents the builder, its results and the emulator', async () => {
    const classes = await readdir(join(out, 'classes'));
    expect(classes).toEqual(expect.arrayContaining(['batchwise.Batch.html', 'batchwise.BatchRun.html']));
    const interfaces = await readdir(join(out, 'interfaces'));
    expect(interfaces).toEqual(
      expect.arrayContaining(['batchwise.JobResult.html', 'batchwise_emulator.Emulator.html']),
    );
    const batch = await readFile(join(out, 'classes/batchwise.Batch.html'), 'utf8');
    for (const method of ['addJob', 'addCostLimit', 'dryRun', 'run']) expect(batch).toContain(`>${method}<`);
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Vitest's global setup: every temporary directory of the run (tests', the emulator's, spawned processes') is made
 * under one root, removed when the run ends. Tests make about 2,000 of them per run; left in the system's temporary
 * directory, they filled it run after run. `os.tmpdir()` reads TMPDIR each time it is called, and the workers and
 * the processes tests spawn inherit it.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const root = await mkdtemp(join(tmpdir(), 'batchwise-test-'));
  process.env.TMPDIR = root;
  return async () => {
    await rm(root, { recursive: true, force: true });
  };
}

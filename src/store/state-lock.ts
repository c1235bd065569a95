import { link, open, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { StateFileError } from './state-journal.js';

interface LockOwner {
  pid: number;
  host: string;
  since: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes `<stateFile>.lock` for this process. A lock held by a live process on this host is refused; one left by a
 * dead process (a crash, SIGKILL) is taken over. Returns the release function.
 */
export async function acquireStateLock(stateFile: string): Promise<() => Promise<void>> {
  const path = `${stateFile}.lock`;
  const owner: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    // Written whole under a temporary name, then linked into place: link fails if the lock exists, and a lock
    // that exists is never seen empty or half-written by another process.
    const temp = `${path}.${process.pid}.tmp`;
    const handle = await open(temp, 'w');
    await handle.writeFile(JSON.stringify(owner));
    await handle.sync();
    await handle.close();
    try {
      await link(temp, path);
      return async () => {
        await rm(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      await rm(temp, { force: true });
    }
    let holder: LockOwner | undefined;
    try {
      holder = JSON.parse(await readFile(path, 'utf8')) as LockOwner;
    } catch {
      holder = undefined; // unreadable: not a lock written whole by this code, so nobody holds it
    }
    if (holder && holder.host === owner.host && holder.pid !== process.pid && alive(holder.pid)) {
      throw new StateFileError(
        'state_locked',
        `State file ${stateFile} is in use by process ${holder.pid} (since ${holder.since}). Two runs on one state ` +
          'would submit the same jobs twice: wait for it to finish, or stop it first.',
      );
    }
    if (holder && holder.host !== owner.host) {
      throw new StateFileError(
        'state_locked',
        `State file ${stateFile} is locked by process ${holder.pid} on host ${holder.host}. If that run is dead, delete ${path}.`,
      );
    }
    await rm(path, { force: true }); // stale: its process is gone
  }
  throw new StateFileError('state_locked', `Could not take the lock ${path}.`);
}

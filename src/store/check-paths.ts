import { constants } from 'node:fs';
import { access, lstat, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ConfigurationError } from '../errors.js';

/**
 * Checks where the state file and results will go before anything is sent: a state file in a directory that does not
 * exist, a state file that is a directory, a results directory that is a file, or a directory that cannot be written
 * (read-only, not the user's) would otherwise fail with a raw `ENOENT`/`EISDIR`/`EEXIST`/`EROFS`/`EACCES` — some only
 * after the state file was created for that results directory, or after the run had started paying.
 */
export async function checkStoragePaths(paths: { stateFile?: string; resultsDir?: string }): Promise<void> {
  const { stateFile, resultsDir } = paths;
  if (stateFile !== undefined) {
    const own = await kindOf(stateFile);
    if (own === 'missing' && (await lstat(stateFile).catch(() => undefined))?.isSymbolicLink()) {
      refuse(
        `stateFile ${stateFile} is a symlink to a path that does not exist. Remove the link, or point it at a file.`,
      );
    }
    if (own === 'loop')
      refuse(`stateFile ${stateFile} is a loop of symlinks. Remove them, or choose another path.`);
    if (resultsDir !== undefined && stateFile.endsWith('.json')) {
      // Through symlinks too: the same directory by two names is still the one the results are written to.
      const dir = await realDirectory(dirname(resolve(stateFile)));
      const results = await realDirectory(resolve(resultsDir));
      // Its name could be a job's result file (`<jobId>.json`), which would be written over it.
      if (dir === results || dir === join(results, 'raw')) {
        refuse(
          `stateFile ${stateFile} is a .json file inside resultsDir ${resultsDir}, where each job's result is <jobId>.json. Name it state.jsonl, or keep it beside resultsDir.`,
        );
      }
    }
    if (own === 'directory') {
      refuse(
        `stateFile ${stateFile} is a directory. Give the path of a file in it, e.g. '${stateFile}/state.jsonl'.`,
      );
    }
    if (own === 'special') {
      // A device or a FIFO reads as no state (or blocks forever), and `reuseState: false` would rename it aside.
      refuse(
        `stateFile ${stateFile} is not a regular file (a device, a FIFO or a socket). Give the path of a file, e.g. './state.jsonl'.`,
      );
    }
    if (own === 'missing') {
      const parent = dirname(resolve(stateFile));
      const kind = await kindOf(parent);
      if (kind === 'missing') {
        refuse(
          `the directory of stateFile ${stateFile} (${parent}) does not exist. Create it first (mkdir -p), or choose a ` +
            'stateFile in a directory that exists.',
        );
      }
      if (kind === 'other' || kind === 'special' || kind === 'loop')
        refuse(`stateFile ${stateFile} is under ${parent}, which is not a directory.`);
    }
    // The lock, the compaction's temp file and the state file itself are created beside the file it names.
    const dir = dirname(own === 'missing' ? resolve(stateFile) : await realpath(stateFile));
    const denied = await unwritable(dir);
    if (denied) {
      refuse(
        `stateFile ${stateFile} cannot be written: its directory ${dir} is not writable (${denied}), and batchwise ` +
          'creates the state file, its lock and their temp files there. Choose a stateFile in a directory you can ' +
          'write to, or make that directory writable.',
      );
    }
  }
  if (resultsDir !== undefined) {
    // The nearest part of the path that exists must be a directory: the rest is created.
    let path = resolve(resultsDir);
    for (;;) {
      const kind = await kindOf(path);
      if (kind === 'directory') {
        // The results (and raw/) are created in it, or the missing part of the path is.
        const denied = await unwritable(path);
        if (denied) {
          refuse(
            path === resolve(resultsDir)
              ? `resultsDir ${resultsDir} is not writable (${denied}). Choose a directory you can write to, or make it writable.`
              : `resultsDir ${resultsDir} cannot be created: ${path} is not writable (${denied}). Choose a directory you ` +
                  'can write to, or create it yourself.',
          );
        }
        break;
      }
      if (kind === 'other' || kind === 'special' || kind === 'loop') {
        refuse(
          path === resolve(resultsDir)
            ? `resultsDir ${resultsDir} is a file, not a directory. Choose a directory (it is created if missing).`
            : `resultsDir ${resultsDir} cannot be created: ${path} is a file, not a directory.`,
        );
      }
      const parent = dirname(path);
      if (parent === path) break;
      path = parent;
    }
  }
}

function refuse(message: string): never {
  throw new ConfigurationError('invalid_path', `${message} Nothing was sent.`);
}

/**
 * Why files cannot be created in the directory `path` (a read-only file system, no permission), or undefined. Root
 * passes the permission check but not a read-only mount's.
 */
async function unwritable(path: string): Promise<string | undefined> {
  try {
    await access(path, constants.W_OK | constants.X_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'EROFS' ? 'a read-only file system' : (code ?? String(error));
  }
}

/** What is at `path`, symlinks followed: `other` is a regular file, `special` a device, FIFO or socket. */
async function kindOf(path: string): Promise<'missing' | 'directory' | 'other' | 'special' | 'loop'> {
  try {
    const found = await stat(path);
    return found.isDirectory() ? 'directory' : found.isFile() ? 'other' : 'special';
  } catch (error) {
    // ENOTDIR: a part of the path is a file; the walk up finds it.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
    if (code === 'ELOOP') return 'loop';
    throw error;
  }
}

/** A directory's path with its symlinks resolved; of one not created yet, its nearest existing parent's, resolved. */
async function realDirectory(path: string): Promise<string> {
  const rest: string[] = [];
  for (let at = path; ; at = dirname(at)) {
    const real = await realpath(at).catch(() => undefined);
    if (real !== undefined) return join(real, ...rest.reverse());
    if (dirname(at) === at) return path;
    rest.push(basename(at));
  }
}

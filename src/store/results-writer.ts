import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, constants, type Dirent, openSync, rmSync, writeSync } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ConfigurationError } from '../errors.js';
import type { Secrets } from '../secrets/redact.js';
import type { JobResult } from '../types.js';
import { crashNow, isCrashPoint } from './crash-point.js';
import { syncDirectory } from './sync-directory.js';
import { writeSynced } from './write-synced.js';

const execFileAsync = promisify(execFile);
const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_RDONLY } = constants;
/** A new file, never through a symlink and never over an existing file. */
const CREATE_NEW = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW;
/**
 * The name of the temp file that replaces `path` (see replaceOrCreate): always 8 hex digits and `.tmp`, so that what a
 * killed write left can be told from files of the user's, which are never deleted.
 */
const tempPath = (path: string) => `${path}.${randomBytes(4).toString('hex')}.tmp`;
/**
 * What a killed replace left: the only names {@link ResultsWriter.prepare} deletes. batchwise 0.1 wrote through
 * write-file-atomic, whose temp files are `<name>.<a 32-bit number in decimal>`: those are left alone, since a user's
 * `j0.json.1` or `j0.json.20250101` has the same form, and a copy of a result the same content as a temp file killed
 * just before its rename. Nothing reads them; deleting a user's file would lose it.
 */
const TEMP_FILE = /^(.+)\.json\.[0-9a-f]{8}\.tmp$/;
const RAW_TEMP_FILE = /^(.+)\.(?:request|response)\.json\.[0-9a-f]{8}\.tmp$/;
/** fsyncs in flight at once: libuv runs four at a time; a few more keep its queue full. */
const SYNC_CONCURRENCY = 8;

/** The results directory cannot be used as it is (a file, or a symlink where batchwise writes). */
export class ResultsDirError extends ConfigurationError {}

/**
 * Writes one `<jobId>.json` per job (the JobResult) and, when asked, the raw request and response beside it in
 * `raw/`. Durability is per group, not per file: a result file is written plainly (no temp file, no fsync), and
 * {@link sync} makes everything written since the last call durable together (one syncfs on Linux; elsewhere an
 * fsync of each file, then of the directories). The run calls it before each state-file record, so a record never refers to a result a power loss
 * could take back; a file a crash cut short is never taken for a result (a resume parses it, and collects the job
 * again from its provider batch, which is still open in the journal).
 *
 * It never writes through a symlink (`O_NOFOLLOW`, `lstat`), never overwrites a file it did not write in this run
 * unless the run adopts the directory (a resume of its state file), and replaces a file it wrote before atomically
 * (temp file and rename), so that a result or a paid-attempt marker is never torn by its own replacement.
 */
export class ResultsWriter {
  private ready: Promise<void> | undefined;
  /**
   * Jobs whose file this run wrote as a marker of a paid attempt (not their final result): the final result replaces
   * it. A final result is written once, so a 100,000-job run does not remember every file it wrote.
   */
  private readonly markers = new Set<string>();
  /** Files written since the last {@link sync}. */
  private dirty: string[] = [];

  /** The directory belongs to this run's state file: files already there may be replaced. */
  private adopt = false;

  constructor(
    readonly dir: string,
    readonly saveRaw: boolean,
    /** The batch's keys: a raw request holds what the job put in its body, a key pasted into providerOptions too. */
    private readonly secrets?: Secrets,
  ) {}

  /**
   * Checks the directory before anything is sent, and deletes the temp files a killed replace left for the jobs of
   * `jobIds` (no other file): `resultsDir` must be a directory (or not exist yet), `raw/` and the jobs' files must
   * not be symlinks, and — unless the directory is adopted (`adopt`: the run has the state file that wrote them) — no
   * job of `jobIds` may have a result file already (`results_exist`).
   */
  async prepare(jobIds: readonly string[], options: { adopt: boolean }): Promise<void> {
    this.adopt = options.adopt;
    await this.makeDirs();
    const ids = new Set(jobIds);
    const existing: string[] = [];
    for (const entry of await readdir(this.dir, { withFileTypes: true })) {
      const temp = TEMP_FILE.exec(entry.name);
      if (temp && ids.has(temp[1]!) && entry.isFile()) {
        await rm(join(this.dir, entry.name), { force: true });
        continue;
      }
      if (!entry.name.endsWith('.json')) continue;
      const id = entry.name.slice(0, -'.json'.length);
      if (!ids.has(id)) continue;
      if (!entry.isFile()) throw notAFile(this.resultPath(id), entry);
      existing.push(id);
    }
    if (this.saveRaw) await this.cleanRaw(ids);
    if (existing.length > 0 && !this.adopt) {
      throw new ConfigurationError(
        'results_exist',
        `${this.dir} already holds results for ${existing.length} of these jobs (${existing.slice(0, 3).join(', ')}${existing.length > 3 ? ', …' : ''}), ` +
          'written by another run. batchwise never overwrites a result it did not write: choose another resultsDir, ' +
          'move those files away, or give the run the stateFile of the run that wrote them to resume it.',
      );
    }
  }

  resultPath(jobId: string): string {
    return join(this.dir, `${jobId}.json`);
  }

  /**
   * A result collected from a provider batch (it names one) is written in place: its submission stays open in the
   * journal until {@link sync}, so a resume collects it again if a kill cut the file short. Any other result (a job
   * that never ran, or ended by a stop) is written atomically, since nothing would fetch it again.
   */
  async writeResult(result: JobResult, options: { final?: boolean } = {}): Promise<void> {
    await this.makeDirs();
    const path = this.resultPath(result.jobId);
    const text = `${JSON.stringify(result, null, 2)}\n`;
    const mine = this.markers.has(result.jobId);
    if (!mine && result.providerBatchId !== null) {
      try {
        await this.create(path, text);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        await this.mayReplace(path);
        await this.replaceOrCreate(path, text);
      }
    } else {
      if (!mine) await this.mayReplace(path);
      await this.replaceOrCreate(path, text);
    }
    if (options.final === false) this.markers.add(result.jobId);
    else this.markers.delete(result.jobId);
  }

  /** A job's file not written by this run may be replaced only in an adopted directory, and never if it is a link. */
  private async mayReplace(path: string): Promise<void> {
    const entry = await lstat(path).catch(() => undefined);
    if (!entry) return;
    if (!entry.isFile()) throw notAFile(path, entry);
    if (!this.adopt) {
      throw new ConfigurationError(
        'results_exist',
        `${path} was written by another run; batchwise never overwrites a result it did not write. Choose another resultsDir or move the file away.`,
      );
    }
  }

  async writeRaw(jobId: string, kind: 'request' | 'response', value: unknown): Promise<void> {
    if (!this.saveRaw) return;
    await this.makeDirs();
    const path = join(this.dir, 'raw', `${jobId}.${kind}.json`);
    const text = `${JSON.stringify(this.secrets ? this.secrets.value(value) : value)}\n`;
    try {
      await this.create(path, text);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const entry = await lstat(path);
      if (!entry.isFile()) throw notAFile(path, entry);
      await this.replaceOrCreate(path, text);
    }
  }

  /**
   * Makes every file written since the last call durable: fsync of each (a few at once), then of the directories
   * that name them. Throws when one cannot be synced; the files stay listed for the next call.
   */
  async sync(): Promise<void> {
    const paths = this.dirty;
    if (paths.length === 0) return;
    this.dirty = [];
    // One syncfs for the whole group where there is one: ten times cheaper than an fsync per file.
    if (await syncFileSystem(this.dir)) return;
    try {
      let next = 0;
      const worker = async () => {
        while (next < paths.length) {
          const path = paths[next++]!;
          const handle = await open(path, O_RDONLY | O_NOFOLLOW);
          try {
            await handle.sync();
          } finally {
            await handle.close();
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(SYNC_CONCURRENCY, paths.length) }, worker));
      await syncDirectory(this.dir);
      if (this.saveRaw) await syncDirectory(join(this.dir, 'raw'));
    } catch (error) {
      this.dirty.push(...paths);
      throw error;
    }
  }

  /**
   * A new file: written in place, without fsync ({@link sync} makes it durable with the rest of its group). With
   * synchronous calls: open, write and close of a small file take about 25 µs this way, against about 150 µs of
   * main-thread time through the promise API (three trips to libuv's thread pool, each its own promise) — at 100,000
   * results the difference between 3 and 15 seconds. The event loop waits only those microseconds per file.
   */
  private async create(path: string, text: string): Promise<void> {
    const fd = openSync(path, CREATE_NEW, 0o644);
    let filled = false;
    try {
      if (isCrashPoint('torn-result-write')) {
        // For the crash tests: half a file, as a kill in the middle of a write leaves it.
        writeSync(fd, text.slice(0, text.length >> 1));
        crashNow();
      }
      writeAll(fd, Buffer.from(text));
      filled = true;
    } finally {
      closeSync(fd);
      // A file this call created (O_EXCL: ours) but could not fill — a full disk — goes, so that collecting the
      // result again creates it anew instead of finding a stranger's file in the way.
      if (!filled) rmSync(path, { force: true });
    }
    this.dirty.push(path);
  }

  /** A whole temp file renamed over the path, so that the old content (or none) or the new one is there. */
  private async replaceOrCreate(path: string, text: string): Promise<void> {
    const temp = tempPath(path);
    await writeSynced(temp, text, CREATE_NEW, 0o644);
    await rename(temp, path);
    this.dirty.push(path);
  }

  private makeDirs(): Promise<void> {
    this.ready ??= (async () => {
      const info = await stat(this.dir).catch(() => undefined);
      if (info && !info.isDirectory()) {
        throw new ResultsDirError(
          'results_dir_invalid',
          `resultsDir ${this.dir} is a file, not a directory. Pass the path of a directory (it is created when missing).`,
        );
      }
      await mkdir(this.dir, { recursive: true });
      if (!this.saveRaw) return;
      const raw = join(this.dir, 'raw');
      // Another run starting on the same directory may create `raw/` between a look and a mkdir: looked at after.
      await mkdir(raw).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      });
      const entry = await lstat(raw);
      if (!entry.isDirectory()) throw notAFile(raw, entry, 'a directory');
    })();
    return this.ready;
  }

  private async cleanRaw(ids: ReadonlySet<string>): Promise<void> {
    const raw = join(this.dir, 'raw');
    for (const entry of await readdir(raw, { withFileTypes: true })) {
      const id = RAW_TEMP_FILE.exec(entry.name)?.[1];
      if (id !== undefined && ids.has(id) && entry.isFile()) await rm(join(raw, entry.name), { force: true });
    }
  }
}

function notAFile(
  path: string,
  entry: Dirent | { isSymbolicLink(): boolean },
  what = 'a file',
): ResultsDirError {
  const is = entry.isSymbolicLink() ? 'a symlink' : 'not a regular file';
  return new ResultsDirError(
    'results_dir_invalid',
    `${path} is ${is}; batchwise writes results only into ${what} of its own inside resultsDir, never through a link. Move it away, or choose another resultsDir.`,
  );
}

/** `write(2)` may write less than asked (a full disk's last blocks, a signal): the rest is written after it. */
function writeAll(fd: number, bytes: Buffer): void {
  for (let offset = 0; offset < bytes.length; ) {
    const written = writeSync(fd, bytes, offset);
    if (written === 0) throw new Error('the file system accepted no bytes');
    offset += written;
  }
}

let syncfsMissing = false;

/**
 * Linux: `sync -f` (coreutils, and busybox) calls syncfs(2), which flushes every file of the directory's file system
 * at once, data and names. Node has no binding for it; a native addon would need an install script. Returns false
 * where it is not available, and the caller syncs file by file. Exported for its test.
 */
export async function syncFileSystem(dir: string): Promise<boolean> {
  if (process.platform !== 'linux' || syncfsMissing) return false;
  try {
    await execFileAsync('sync', ['-f', dir]);
    return true;
  } catch {
    // A directory deleted under the run fails too, and says nothing of `sync -f` for the rest of the process.
    if (await stat(dir).catch(() => undefined)) syncfsMissing = true;
    return false;
  }
}

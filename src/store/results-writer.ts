import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { JobResult } from '../types.js';

/**
 * Writes one `<jobId>.json` per job (the JobResult) and, when asked, the raw request and response beside it in
 * `raw/`. Every write is atomic (temp file, fsync, rename): a crash leaves the old file or the new one, never half.
 * Existing directories and files of other jobs are never deleted.
 */
export class ResultsWriter {
  private ready: Promise<void> | undefined;

  constructor(
    readonly dir: string,
    readonly saveRaw: boolean,
  ) {}

  private prepare(): Promise<void> {
    this.ready ??= (async () => {
      await mkdir(this.dir, { recursive: true });
      if (this.saveRaw) await mkdir(join(this.dir, 'raw'), { recursive: true });
    })();
    return this.ready;
  }

  resultPath(jobId: string): string {
    return join(this.dir, `${jobId}.json`);
  }

  async writeResult(result: JobResult): Promise<void> {
    await this.prepare();
    await writeFileAtomic(this.resultPath(result.jobId), `${JSON.stringify(result, null, 2)}\n`);
  }

  async writeRaw(jobId: string, kind: 'request' | 'response', value: unknown): Promise<void> {
    if (!this.saveRaw) return;
    await this.prepare();
    await writeFileAtomic(join(this.dir, 'raw', `${jobId}.${kind}.json`), `${JSON.stringify(value)}\n`);
  }
}

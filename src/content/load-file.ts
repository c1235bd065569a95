import { readFile } from 'node:fs/promises';
import type { NormalizedFile, NormalizedJob } from '../jobs/normalized-job.js';

/** The bytes of a file job's files, in order; null for a job of messages. */
export async function loadJobFiles(job: NormalizedJob): Promise<Buffer[] | null> {
  return job.content.kind === 'file' ? Promise.all(job.content.files.map(loadFile)) : null;
}

/** The file's bytes, read only when its provider batch is built. */
export async function loadFile(file: NormalizedFile): Promise<Buffer> {
  if (file.data) return Buffer.from(file.data.buffer, file.data.byteOffset, file.data.byteLength);
  return readFile(file.path!);
}

import type { NormalizedJob } from '../jobs/normalized-job.js';

/** Each file's bytes as a Buffer, one per file of the job; a one-file job may pass its bytes alone. */
export function fileBytes(job: NormalizedJob, files: readonly Uint8Array[] | Uint8Array | null): Buffer[] {
  const count = job.content.kind === 'file' ? job.content.files.length : 0;
  const list = files === null ? [] : files instanceof Uint8Array ? [files] : files;
  if (list.length !== count) throw new Error(`job ${job.id}: file bytes were not loaded`);
  return list.map((data) => Buffer.from(data.buffer, data.byteOffset, data.byteLength));
}

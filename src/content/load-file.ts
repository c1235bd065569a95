import { readFile } from 'node:fs/promises';
import { JobValidationError } from '../errors.js';
import type { NormalizedFile, NormalizedJob } from '../jobs/normalized-job.js';
import { isText, sniffType } from './file-type.js';

/** The bytes of a file job's files, in order; null for a job of messages. */
export async function loadJobFiles(job: NormalizedJob): Promise<Buffer[] | null> {
  if (job.content.kind !== 'file') return null;
  return Promise.all(
    job.content.files.map(async (file) => {
      const bytes = await loadFile(file);
      const change = changeSinceAddJob(file, bytes);
      if (change) {
        throw new JobValidationError(
          'file_changed',
          `Job "${job.id}": ${file.name} changed since addJob() (${change}): it was checked, typed and sized as it was then. Nothing was sent for it; run again with the file as it is now.`,
          { jobId: job.id },
        );
      }
      return bytes;
    }),
  );
}

/** The file's bytes, read only when its provider batch is built. */
export async function loadFile(file: NormalizedFile): Promise<Buffer> {
  if (file.data) return Buffer.from(file.data.buffer, file.data.byteOffset, file.data.byteLength);
  return readFile(file.path!);
}

/**
 * How a file read from its path differs from what `addJob` checked, or null: another size, or bytes of another type
 * (a text file overwritten with an image would go out as text full of replacement characters).
 */
function changeSinceAddJob(file: NormalizedFile, bytes: Buffer): string | null {
  if (file.data) return null;
  if (bytes.length !== file.size) return `${file.size} bytes then, ${bytes.length} now`;
  const sniffed = sniffType(bytes.subarray(0, 16));
  const same =
    file.kind === 'text' ? sniffed === undefined && isText(bytes) : sniffed?.mediaType === file.mediaType;
  return same ? null : `it was ${file.mediaType} then, and its bytes are not now`;
}

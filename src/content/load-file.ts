import { readFile } from 'node:fs/promises';
import type { NormalizedFile } from '../jobs/normalized-job.js';

/** The file's bytes, read only when its provider batch is built. */
export async function loadFile(file: NormalizedFile): Promise<Buffer> {
  if (file.data) return Buffer.from(file.data.buffer, file.data.byteOffset, file.data.byteLength);
  return readFile(file.path!);
}

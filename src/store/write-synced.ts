import { open } from 'node:fs/promises';

/**
 * Creates `path` (opened with `flags`), writes `text` whole and fsyncs it before closing: a temp file renamed or
 * linked into place after this is never seen empty or half-written after a power loss.
 */
export async function writeSynced(
  path: string,
  text: string,
  flags: string | number,
  mode?: number,
): Promise<void> {
  const handle = await open(path, flags, mode);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

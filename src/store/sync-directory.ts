import { open } from 'node:fs/promises';

/** fsync of a directory, so that the names created in it survive a power loss. */
export async function syncDirectory(path: string): Promise<void> {
  // Windows cannot open a directory as a file, and NTFS journals its names itself.
  if (process.platform === 'win32') return;
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** Where the bytes are: a file read in parts (only the head, tail or header needed), or bytes in memory. */
export type ByteSource = { path: string } | { data: Uint8Array };

/** Random access to a file's bytes, so that `addJob` reads only the parts its checks need. */
export interface ByteReader {
  size(): number;
  /** Bytes `[from, to)`; fewer at the end of the file. */
  read(from: number, to: number): Uint8Array;
  close(): void;
}

export function byteReader(source: ByteSource): ByteReader {
  if ('data' in source) {
    const { data } = source;
    return { size: () => data.length, read: (from, to) => data.subarray(from, to), close: () => {} };
  }
  const fd = openSync(source.path, 'r');
  return {
    size: () => fstatSync(fd).size,
    read: (from, to) => {
      const buffer = Buffer.alloc(Math.max(0, to - from));
      let done = 0;
      while (done < buffer.length) {
        const n = readSync(fd, buffer, done, buffer.length - done, from + done);
        if (n === 0) break;
        done += n;
      }
      return buffer.subarray(0, done);
    },
    close: () => closeSync(fd),
  };
}

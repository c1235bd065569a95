/**
 * Text kept as UTF-8 in large shared buffers, off the JavaScript heap: a job's prompt lives from `addJob` to the end
 * of its run, and V8 grows its heap to a multiple of what is live on it (issue 14), while buffer bytes count once.
 * Only well-formed text goes in (`addJob` refuses lone surrogates), so it reads back exactly as it went in.
 */
export class TextArena {
  /**
   * The most a chunk holds, and the stride of positions: chunk `i` starts at `i * CHUNK_BYTES`. Text longer than a
   * quarter of it stays a string (the arena would save nothing on it).
   */
  static readonly CHUNK_BYTES = 1 << 20;
  /** The first chunks are small (a Batch of a few jobs does not take a megabyte); each is twice the one before. */
  private static readonly FIRST_CHUNK_BYTES = 4_096;
  private readonly chunks: Buffer[] = [];
  private used = 0;
  /** The last text put: jobs in a row given the same text (a shared prompt) share its bytes. */
  private lastText: string | undefined;
  private lastAt = 0;

  /**
   * Where `text` now is (its bytes are `Buffer.byteLength(text)`), or undefined when it stays a string: too long, or
   * past the positions a small integer can address.
   */
  put(text: string, bytes: number): number | undefined {
    if (text === this.lastText) return this.lastAt;
    if (bytes > TextArena.CHUNK_BYTES / 4) return undefined;
    const current = this.chunks.at(-1);
    if (!current || this.used + bytes > current.length) {
      // Positions stay small integers (V8 keeps them in the object, without a heap number): 2 GiB of text.
      if (this.chunks.length >= 2047) return undefined;
      const size = Math.min(TextArena.FIRST_CHUNK_BYTES * 2 ** this.chunks.length, TextArena.CHUNK_BYTES);
      this.chunks.push(Buffer.allocUnsafeSlow(Math.max(size, bytes)));
      this.used = 0;
    }
    const at = (this.chunks.length - 1) * TextArena.CHUNK_BYTES + this.used;
    this.chunks.at(-1)!.write(text, this.used, 'utf8');
    this.used += bytes;
    this.lastText = text;
    this.lastAt = at;
    return at;
  }

  get(at: number, bytes: number): string {
    // An empty text put when the last chunk was full points at the next chunk, which may not exist yet.
    if (bytes === 0) return '';
    const chunk = this.chunks[Math.floor(at / TextArena.CHUNK_BYTES)]!;
    const start = at % TextArena.CHUNK_BYTES;
    return chunk.toString('utf8', start, start + bytes);
  }
}

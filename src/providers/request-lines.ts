/** Lines are packed into buffers of this size; a longer line (a request with a PDF) gets a buffer of its own. */
const CHUNK_BYTES = 1024 * 1024;

/**
 * A provider batch's requests as they go on the wire: each request's line of JSON (as the provider's
 * `toWireLine` writes it) in UTF-8, packed one after another into buffers, with the job it is for.
 *
 * Built as the batch's requests are built, so that no request object outlives the building of its line: a batch of
 * 10,000 requests held as objects until its create is answered is megabytes on the JavaScript heap, which V8 grows
 * to a multiple of what is live there (issue 14), and the base64 of a batch's PDFs is far more. Bytes in buffers are
 * off that heap, and go to the provider as they are.
 */
export class RequestLines {
  private readonly chunks: Buffer[] = [];
  /** Bytes used in the last chunk. */
  private used = CHUNK_BYTES;
  /** Per line: its chunk, its first byte in the chunk, its length in bytes. */
  private spans = new Uint32Array(3 * 64);
  private readonly jobIds: string[] = [];
  private totalBytes = 0;

  /** How many requests. */
  get count(): number {
    return this.jobIds.length;
  }

  /** The bytes of every line together, without separators. */
  get byteLength(): number {
    return this.totalBytes;
  }

  /** Adds the request for `jobId` as `line` (JSON text, no newline in it); returns its index. */
  add(jobId: string, line: string): number {
    const bytes = Buffer.byteLength(line);
    if (bytes > CHUNK_BYTES - this.used) {
      this.chunks.push(Buffer.allocUnsafe(Math.max(CHUNK_BYTES, bytes)));
      this.used = 0;
    }
    const chunk = this.chunks.length - 1;
    const start = this.used;
    this.chunks[chunk]!.write(line, start, 'utf8');
    this.used += bytes;
    return this.push(jobId, chunk, start, bytes);
  }

  /** The job of the request at `index`. */
  jobIdAt(index: number): string {
    return this.jobIds[this.spanAt(index) / 3]!;
  }

  /** The line at `index` as its bytes (a view into the chunk, not a copy). */
  bytesAt(index: number): Uint8Array {
    return this.view(index);
  }

  private view(index: number): Buffer {
    const at = this.spanAt(index);
    const start = this.spans[at + 1]!;
    return this.chunks[this.spans[at]!]!.subarray(start, start + this.spans[at + 2]!);
  }

  /** The line at `index` as text. */
  lineAt(index: number): string {
    return this.view(index).toString('utf8');
  }

  /**
   * The requests at `indices`, in that order, as a set of their own (sharing these buffers: nothing is copied).
   * What the cost limit admitted of the requests built for a batch.
   */
  pick(indices: readonly number[]): RequestLines {
    const picked = new RequestLines();
    for (const index of indices) {
      const at = this.spanAt(index);
      picked.adopt(
        this.jobIds[index]!,
        this.chunks[this.spans[at]!]!,
        this.spans[at + 1]!,
        this.spans[at + 2]!,
      );
    }
    return picked;
  }

  /**
   * The lines joined into one buffer: `open`, then each line with `separator` between them, then `close` (Anthropic:
   * a JSON body of `{"requests":[…]}`; OpenAI: JSONL).
   */
  join(open: string, separator: string, close: string): Uint8Array {
    const count = this.count;
    const separatorBytes = Buffer.from(separator);
    const openBytes = Buffer.from(open);
    const closeBytes = Buffer.from(close);
    const size =
      openBytes.length + this.totalBytes + separatorBytes.length * Math.max(0, count - 1) + closeBytes.length;
    const body = Buffer.allocUnsafe(size);
    let at = openBytes.copy(body, 0);
    for (let index = 0; index < count; index++) {
      if (index > 0) at += separatorBytes.copy(body, at);
      at += this.view(index).copy(body, at);
    }
    closeBytes.copy(body, at);
    return body;
  }

  /**
   * The lines as JSONL, a newline after each, in pieces of about `pieceBytes` (a line longer than that is a piece of
   * its own): for a streamed upload that never holds the whole file twice.
   */
  *jsonl(pieceBytes = CHUNK_BYTES): Generator<Uint8Array> {
    let piece: Buffer[] = [];
    let size = 0;
    const newline = Buffer.from('\n');
    for (let index = 0; index < this.count; index++) {
      const line = this.view(index);
      piece.push(line, newline);
      size += line.length + 1;
      if (size >= pieceBytes) {
        yield Buffer.concat(piece, size);
        piece = [];
        size = 0;
      }
    }
    if (size > 0) yield Buffer.concat(piece, size);
  }

  /** Takes a line that lives in another set's chunk. */
  private adopt(jobId: string, chunk: Buffer, start: number, bytes: number): void {
    let index = this.chunks.lastIndexOf(chunk);
    if (index === -1) {
      this.chunks.push(chunk);
      index = this.chunks.length - 1;
    }
    // A picked set is never added to: its last chunk counts as full.
    this.used = CHUNK_BYTES;
    this.push(jobId, index, start, bytes);
  }

  /** Where the span of the line at `index` starts in {@link spans}. */
  private spanAt(index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) {
      throw new RangeError(`no request at index ${index} of ${this.count}`);
    }
    return 3 * index;
  }

  private push(jobId: string, chunk: number, start: number, bytes: number): number {
    const index = this.jobIds.length;
    if (3 * (index + 1) > this.spans.length) {
      const larger = new Uint32Array(this.spans.length * 2);
      larger.set(this.spans);
      this.spans = larger;
    }
    this.spans[3 * index] = chunk;
    this.spans[3 * index + 1] = start;
    this.spans[3 * index + 2] = bytes;
    this.jobIds.push(jobId);
    this.totalBytes += bytes;
    return index;
  }
}

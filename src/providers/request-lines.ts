/** How a provider's batch input joins its requests' lines (Anthropic: a JSON body; OpenAI: a JSONL file). */
export interface WireFraming {
  open: string;
  separator: string;
  close: string;
}

/**
 * A buffer this large or larger is mapped for itself by glibc's malloc (its largest mmap threshold is 32 MiB) and
 * handed back to the system when freed; only the pages written are resident. A smaller one comes from the malloc
 * heap, where a batch's buffer freed after its create leaves a hole that later allocations fragment: with buffers of
 * a few megabytes, a 100,000-job run's malloc heap grew by 40 MB (issue 14).
 */
const MAPPED_BYTES = 33 * 1024 * 1024;
/** Up to this size a buffer is what it needs (a few requests: tests, small batches). */
const SMALL_BYTES = 64 * 1024;

/**
 * A provider batch's requests as they go on the wire: each request's line of JSON (as the provider's `toWireLine`
 * writes it) in UTF-8, written one after another into one buffer already framed as the provider takes the batch, with
 * the job each is for. {@link body} is that buffer, which the SDK sends as it is (Node's `fetch` copies it once
 * more, off the heap, while sending).
 *
 * Built as the batch's requests are built, so that no request object outlives the building of its line: a batch of
 * 10,000 requests held as objects until its create is answered is megabytes on the JavaScript heap, which V8 grows
 * to a multiple of what is live there (issue 14), and the base64 of a batch's PDFs is far more. Bytes in a buffer
 * are off that heap.
 */
export class RequestLines {
  private bytes: Buffer;
  /** Bytes written: the opening, the lines and the separators between them. */
  private used: number;
  /** Per line: its first byte and its length in bytes. */
  private spans = new Uint32Array(2 * 64);
  private readonly jobIds: string[] = [];
  private readonly separatorBytes: number;
  private readonly closeBytes: number;

  /** `capacity`: about how many bytes the lines will take (more is grown into). */
  constructor(
    private readonly framing: WireFraming,
    capacity = 0,
  ) {
    this.separatorBytes = Buffer.byteLength(framing.separator);
    this.closeBytes = Buffer.byteLength(framing.close);
    this.bytes = allocate(Buffer.byteLength(framing.open) + capacity + this.closeBytes);
    this.used = this.bytes.write(framing.open, 0);
  }

  /** A set with no requests (and no framing): what a batch keeps once the provider has its requests. */
  static none(): RequestLines {
    return new RequestLines({ open: '', separator: '', close: '' });
  }

  /** How many requests. */
  get count(): number {
    return this.jobIds.length;
  }

  /** Adds the request for `jobId` as `line` (JSON text, no newline in it); returns its index. */
  add(jobId: string, line: string): number {
    return this.append(jobId, Buffer.byteLength(line), (at) => this.bytes.write(line, at));
  }

  /** The bytes of a body of the first `count` lines, framed: what a provider holds to its size limit. */
  bodyBytesOf(count: number): number {
    if (count === 0) return Buffer.byteLength(this.framing.open) + this.closeBytes;
    const at = this.spanAt(count - 1);
    return this.spans[at]! + this.spans[at + 1]! + this.closeBytes;
  }

  /** The job of the request at `index`. */
  jobIdAt(index: number): string {
    return this.jobIds[this.spanAt(index) / 2]!;
  }

  /** The line at `index` as its bytes (a view into the buffer, not a copy). */
  bytesAt(index: number): Uint8Array {
    return this.view(index);
  }

  /** The line at `index` as text. */
  lineAt(index: number): string {
    return this.view(index).toString('utf8');
  }

  /** The requests at `indices`, in that order, as a set of their own: what the cost limit admitted of a batch. */
  pick(indices: readonly number[]): RequestLines {
    let bytes = 0;
    for (const index of indices) bytes += this.spans[this.spanAt(index) + 1]! + this.separatorBytes;
    const picked = new RequestLines(this.framing, bytes);
    for (const index of indices) {
      const line = this.view(index);
      picked.append(this.jobIds[index]!, line.length, (at) => line.copy(picked.bytes, at));
    }
    return picked;
  }

  /** Every line, framed: the batch as the provider takes it (a view into the buffer, not a copy). */
  body(): Uint8Array {
    // Room for the closing is kept by every append; a line appended later writes over it.
    this.bytes.write(this.framing.close, this.used);
    return this.bytes.subarray(0, this.used + this.closeBytes);
  }

  /** {@link body} in pieces of about `pieceBytes` (views, not copies): for a streamed upload. */
  *pieces(pieceBytes: number): Generator<Uint8Array> {
    const body = this.body();
    for (let at = 0; at < body.length; at += pieceBytes) yield body.subarray(at, at + pieceBytes);
  }

  private append(jobId: string, bytes: number, write: (at: number) => number): number {
    const separator = this.count > 0 ? this.separatorBytes : 0;
    this.reserve(this.used + separator + bytes + this.closeBytes);
    if (separator > 0) this.used += this.bytes.write(this.framing.separator, this.used);
    const start = this.used;
    this.used += write(start);
    const index = this.jobIds.length;
    if (2 * (index + 1) > this.spans.length) {
      const larger = new Uint32Array(this.spans.length * 2);
      larger.set(this.spans);
      this.spans = larger;
    }
    this.spans[2 * index] = start;
    this.spans[2 * index + 1] = bytes;
    this.jobIds.push(jobId);
    return index;
  }

  /** Room for `size` bytes: the buffer doubles when full (its capacity was a guess). */
  private reserve(size: number): void {
    if (size <= this.bytes.length) return;
    const larger = allocate(Math.max(size, 2 * this.bytes.length));
    this.bytes.copy(larger, 0, 0, this.used);
    this.bytes = larger;
  }

  private view(index: number): Buffer {
    const at = this.spanAt(index);
    const start = this.spans[at]!;
    return this.bytes.subarray(start, start + this.spans[at + 1]!);
  }

  /** Where the span of the line at `index` starts in {@link spans}. */
  private spanAt(index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) {
      throw new RangeError(`no request at index ${index} of ${this.count}`);
    }
    return 2 * index;
  }
}

function allocate(size: number): Buffer {
  return Buffer.allocUnsafe(size <= SMALL_BYTES ? size : Math.max(size, MAPPED_BYTES));
}

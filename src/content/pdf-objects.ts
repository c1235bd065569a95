import type { PdfFile } from './pdf-file.js';
import { decodeStream } from './pdf-stream.js';
import { isDict, nameOf, PdfLexer, PdfRef, PdfSyntaxError, type PdfValue } from './pdf-syntax.js';
import type { XrefEntry } from './pdf-xref.js';

/** References followed in a row; a longer chain is a loop. */
const MAX_CHAIN = 32;

/**
 * Finds a PDF's indirect objects by their cross-reference entries: at a file offset, or inside an object stream
 * (ISO 32000-1, 7.5.7: `/Type /ObjStm`, `/N` pairs of `num offset` then the objects from `/First`), decoded once.
 */
export class PdfObjects {
  private readonly objectStreams = new Map<number, { text: string; offsets: Map<number, number> }>();

  constructor(
    private readonly file: PdfFile,
    private readonly entries: ReadonlyMap<number, XrefEntry>,
  ) {}

  /** The value `value` refers to, following references; a reference to no object is null (7.3.10). */
  resolve(value: PdfValue | undefined, chain = 0): PdfValue | undefined {
    if (!(value instanceof PdfRef)) return value;
    if (chain > MAX_CHAIN) throw new PdfSyntaxError('references refer to each other in a loop');
    return this.resolve(this.get(value.num), chain + 1);
  }

  private get(num: number): PdfValue {
    const entry = this.entries.get(num);
    if (!entry || entry.kind === 'free') return null;
    if (entry.kind === 'offset') return this.file.objectAt(entry.offset, num).value;
    const stream = this.objectStream(entry.stream);
    const offset = stream.offsets.get(num);
    if (offset === undefined)
      throw new PdfSyntaxError(`object ${num} is not in object stream ${entry.stream}`);
    return new PdfLexer(stream.text, offset).value();
  }

  /** Every object an object stream holds, by number. */
  objectStreamContents(num: number): Map<number, PdfValue> {
    const stream = this.objectStream(num);
    const contents = new Map<number, PdfValue>();
    for (const [inner, offset] of stream.offsets)
      contents.set(inner, new PdfLexer(stream.text, offset).value());
    return contents;
  }

  private objectStream(num: number): { text: string; offsets: Map<number, number> } {
    const cached = this.objectStreams.get(num);
    if (cached) return cached;
    const entry = this.entries.get(num);
    if (entry?.kind !== 'offset') throw new PdfSyntaxError(`object stream ${num} is not in the file`);
    const object = this.file.objectAt(entry.offset, num);
    const dict = object.value;
    if (!isDict(dict) || nameOf(dict.get('Type')) !== 'ObjStm' || object.streamStart === undefined) {
      throw new PdfSyntaxError(`object ${num} is not an object stream`);
    }
    const length = this.resolve(dict.get('Length'));
    const data = decodeStream(dict, this.file.streamData(dict, object.streamStart, length));
    const text = Buffer.from(data).toString('latin1');
    const count = dict.get('N');
    const first = dict.get('First');
    if (typeof count !== 'number' || typeof first !== 'number') {
      throw new PdfSyntaxError(`object stream ${num} has no /N or /First`);
    }
    const header = new PdfLexer(text);
    const offsets = new Map<number, number>();
    for (let i = 0; i < count; i++) {
      const inner = header.integer();
      offsets.set(inner, first + header.integer());
    }
    const stream = { text, offsets };
    this.objectStreams.set(num, stream);
    return stream;
  }
}

import type { ByteReader } from './byte-reader.js';
import { type PdfDict, PdfLexer, PdfSyntaxError, type PdfValue } from './pdf-syntax.js';

/** An indirect object as written in the file: `num gen obj value [stream … endstream] endobj`. */
export interface PdfObject {
  num: number;
  gen: number;
  value: PdfValue;
  /** Where a stream's data starts, when the value is a stream's dictionary. */
  streamStart?: number;
}

const FIRST_WINDOW = 1024;
/** Reads go by aligned chunks, a few kept: page objects usually lie together, so a walk of the page tree reads each chunk once. */
const CHUNK = 16 * 1024;
const KEPT_CHUNKS = 64;
/** An object whose dictionary needs more than this is not one of the few a page count reads. */
const MAX_WINDOW = 4 * 1024 * 1024;

/**
 * A PDF read in parts: objects are parsed where the cross-reference section says they are, in a window of text that
 * grows until the object fits, so that `addJob` reads a few kilobytes of a large PDF, not all of it.
 */
export class PdfFile {
  readonly size: number;
  /** The whole file as text, when it was read whole (for a scan, which looks at every byte anyway). */
  private readonly whole: string | undefined;

  constructor(
    private readonly reader: ByteReader,
    options: { whole?: boolean } = {},
  ) {
    this.size = reader.size();
    if (options.whole) this.whole = Buffer.from(reader.read(0, this.size)).toString('latin1');
  }

  private readonly chunks = new Map<number, string>();

  /** Bytes `[from, to)` as latin1 text: one char per byte, so text offsets are file offsets. */
  text(from: number, to: number): string {
    const start = Math.max(0, from);
    const end = Math.min(this.size, to);
    if (end <= start) return '';
    if (this.whole !== undefined) return this.whole.slice(start, end);
    const first = Math.floor(start / CHUNK);
    if (end <= (first + 1) * CHUNK)
      return this.chunk(first).slice(start - first * CHUNK, end - first * CHUNK);
    let text = '';
    for (let chunk = first; chunk * CHUNK < end; chunk++) text += this.chunk(chunk);
    return text.slice(start - first * CHUNK, end - first * CHUNK);
  }

  private chunk(index: number): string {
    let text = this.chunks.get(index);
    if (text === undefined) {
      text = Buffer.from(this.reader.read(index * CHUNK, Math.min(this.size, (index + 1) * CHUNK))).toString(
        'latin1',
      );
      if (this.chunks.size >= KEPT_CHUNKS) this.chunks.delete(this.chunks.keys().next().value!);
      this.chunks.set(index, text);
    }
    return text;
  }

  bytes(from: number, to: number): Uint8Array {
    return this.reader.read(Math.max(0, from), Math.min(this.size, to));
  }

  /** Parses with `parse` from `offset`, in a window grown until the parse succeeds, the file ends or `maxWindow`. */
  parseAt<T>(offset: number, parse: (lexer: PdfLexer) => T, maxWindow = MAX_WINDOW): T {
    if (!Number.isInteger(offset) || offset < 0 || offset >= this.size) {
      throw new PdfSyntaxError(`offset ${offset} is outside the file`);
    }
    for (let window = FIRST_WINDOW; ; window *= 2) {
      const lexer = new PdfLexer(this.text(offset, offset + window));
      try {
        return parse(lexer);
      } catch (error) {
        const whole = offset + window >= this.size;
        if (!(error instanceof PdfSyntaxError) || whole || window >= maxWindow) throw error;
      }
    }
  }

  /** The indirect object at `offset`; throws when something else is there, or another object than `expected`. */
  objectAt(offset: number, expected?: number): PdfObject {
    return this.parseAt(offset, (lexer) => {
      const num = lexer.integer();
      const gen = lexer.integer();
      lexer.expect('obj');
      if (expected !== undefined && num !== expected) {
        throw new PdfSyntaxError(`object ${expected} is said to be at ${offset}, where object ${num} is`);
      }
      const value = lexer.value();
      const object: PdfObject = { num, gen, value };
      const next = lexer.token();
      if (next === 'stream') {
        // The keyword is followed by CRLF or LF (7.3.8.1); a lone CR is taken too, as readers do.
        let start = lexer.pos;
        if (lexer.text[start] === '\r') start++;
        if (lexer.text[start] === '\n') start++;
        object.streamStart = offset + start;
      } else if (next !== 'endobj') {
        // Writers forget endobj; what matters is the value, so a following object is no error. The text window
        // ending here is: the window grows.
        if (lexer.pos >= lexer.text.length) throw new PdfSyntaxError('unexpected end of data');
      }
      return object;
    });
  }

  /**
   * A stream's raw data: `/Length` bytes from its start (`length` resolved by the caller when it is a reference), or up
   * to `endstream` when the length is missing or wrong, as readers repair it.
   */
  streamData(dict: PdfDict, start: number, length: PdfValue | undefined): Uint8Array {
    if (
      typeof length === 'number' &&
      Number.isInteger(length) &&
      length >= 0 &&
      start + length <= this.size
    ) {
      const after = this.text(start + length, start + length + 32);
      if (/^\s*endstream/.test(after)) return this.bytes(start, start + length);
    }
    for (let window = FIRST_WINDOW; ; window *= 4) {
      const text = this.text(start, start + window);
      const end = text.indexOf('endstream');
      if (end >= 0) {
        let last = end;
        // The end-of-line before `endstream` is not data (7.3.8.1).
        if (text[last - 1] === '\n') last--;
        if (text[last - 1] === '\r') last--;
        return this.bytes(start, start + last);
      }
      if (start + window >= this.size)
        throw new PdfSyntaxError(`a stream (${dict.size} keys) has no endstream`);
    }
  }
}

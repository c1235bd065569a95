import type { PdfFile } from './pdf-file.js';
import { decodeStream } from './pdf-stream.js';
import { isDict, nameOf, type PdfDict, type PdfLexer, PdfSyntaxError, type PdfValue } from './pdf-syntax.js';

/** Where an object is: at an offset, inside an object stream, or deleted. */
export type XrefEntry =
  | { kind: 'offset'; offset: number }
  | { kind: 'compressed'; stream: number; index: number }
  | { kind: 'free' };

/** A PDF's cross-reference: every object's place, newest section first, and the trailer. */
export interface Xref {
  entries: Map<number, XrefEntry>;
  /** The newest trailer's entries, completed by older sections' (an update's trailer repeats /Root anyway). */
  trailer: PdfDict;
}

/** Incremental updates a real file has are few; more sections than this is a loop or a crafted file. */
const MAX_SECTIONS = 1_000;

/**
 * Reads the cross-reference sections from `startxref` back through `/Prev` (ISO 32000-1, 7.5.4–7.5.8): classic
 * tables, cross-reference streams, and hybrid files (a table whose trailer names a stream by `/XRefStm`). With
 * incremental updates (7.5.6) the newest section's entry for an object wins. Throws {@link PdfSyntaxError} where the
 * file does not match its cross-reference, which readers then rebuild by scanning.
 */
export function readXref(file: PdfFile): Xref {
  const tail = file.text(file.size - 1_024, file.size);
  const at = tail.lastIndexOf('startxref');
  if (at < 0) throw new PdfSyntaxError('no startxref');
  const start = Number(/^startxref\s+(\d+)/.exec(tail.slice(at))?.[1] ?? NaN);
  const xref: Xref = { entries: new Map(), trailer: new Map() };
  const seen = new Set<number>();
  const pending: { offset: number; hybrid: boolean }[] = [{ offset: start, hybrid: false }];
  while (pending.length > 0) {
    const { offset, hybrid } = pending.shift()!;
    if (seen.has(offset)) continue;
    if (seen.size >= MAX_SECTIONS) throw new PdfSyntaxError('too many cross-reference sections');
    seen.add(offset);
    const trailer = /^\s*xref/.test(file.text(offset, offset + 64))
      ? file.parseAt(offset, (lexer) => readTable(lexer, xref), file.size)
      : readStreamSection(file, offset, xref, hybrid);
    if (!hybrid) for (const [key, value] of trailer) if (!xref.trailer.has(key)) xref.trailer.set(key, value);
    // A hybrid file's stream holds the objects its table leaves out or marks free for older readers; it comes
    // before the older sections (7.5.8.4).
    const next = [
      { offset: trailer.get('XRefStm'), hybrid: true },
      { offset: trailer.get('Prev'), hybrid: false },
    ].filter((section): section is { offset: number; hybrid: boolean } => typeof section.offset === 'number');
    pending.unshift(...(hybrid ? [] : next));
  }
  return xref;
}

/** A classic table: `xref`, subsections `first count` of `offset gen n|f` lines, then `trailer << … >>`. */
function readTable(lexer: PdfLexer, xref: Xref): PdfDict {
  lexer.expect('xref');
  while (lexer.token(true) !== 'trailer') {
    const first = lexer.integer();
    const count = lexer.integer();
    for (let i = 0; i < count; i++) {
      const offset = lexer.integer();
      lexer.integer();
      const type = lexer.token();
      if (type !== 'n' && type !== 'f') throw new PdfSyntaxError(`a cross-reference entry of type "${type}"`);
      set(xref, first + i, type === 'n' ? { kind: 'offset', offset } : { kind: 'free' });
    }
  }
  lexer.expect('trailer');
  const trailer = lexer.value();
  if (!isDict(trailer)) throw new PdfSyntaxError('the trailer is not a dictionary');
  return trailer;
}

/** A cross-reference stream (7.5.8): its dictionary is the trailer; its rows are `type field2 field3` by `/W`. */
function readStreamSection(file: PdfFile, offset: number, xref: Xref, hybrid: boolean): PdfDict {
  const object = file.objectAt(offset);
  const dict = object.value;
  if (!isDict(dict) || nameOf(dict.get('Type')) !== 'XRef' || object.streamStart === undefined) {
    throw new PdfSyntaxError(`startxref or /Prev points at ${offset}, where there is no cross-reference`);
  }
  const widths = numbers(dict.get('W'));
  const size = dict.get('Size');
  if (widths.length !== 3 || typeof size !== 'number')
    throw new PdfSyntaxError('a cross-reference stream without /W or /Size');
  const index = numbers(dict.get('Index') ?? [0, size]);
  const data = decodeStream(dict, file.streamData(dict, object.streamStart, dict.get('Length')));
  const rowBytes = widths[0]! + widths[1]! + widths[2]!;
  /** A big-endian field of `width` bytes at `from`; a field of width 0 takes its default (7.5.8.2). */
  const field = (from: number, width: number, fallback: number) => {
    if (width === 0) return fallback;
    let value = 0;
    for (let b = 0; b < width; b++) value = value * 256 + data[from + b]!;
    return value;
  };
  let row = 0;
  for (let i = 0; i + 1 < index.length; i += 2) {
    for (let num = index[i]!; num < index[i]! + index[i + 1]!; num++, row++) {
      const at = row * rowBytes;
      if (at + rowBytes > data.length)
        throw new PdfSyntaxError('a cross-reference stream is shorter than its /Index');
      const type = field(at, widths[0]!, 1);
      const second = field(at + widths[0]!, widths[1]!, 0);
      const third = field(at + widths[0]! + widths[1]!, widths[2]!, 0);
      if (hybrid && xref.entries.get(num)?.kind === 'free') xref.entries.delete(num);
      if (type === 0) set(xref, num, { kind: 'free' });
      else if (type === 1) set(xref, num, { kind: 'offset', offset: second });
      else if (type === 2) set(xref, num, { kind: 'compressed', stream: second, index: third });
      // Other types are reserved and read as null references (7.5.8.3).
    }
  }
  return dict;
}

/** Newer sections are read first, so the first entry set for an object is its current one. */
function set(xref: Xref, num: number, entry: XrefEntry): void {
  if (!xref.entries.has(num)) xref.entries.set(num, entry);
}

function numbers(value: PdfValue | undefined): number[] {
  if (
    !Array.isArray(value) ||
    !value.every((item) => typeof item === 'number' && Number.isInteger(item) && item >= 0)
  ) {
    throw new PdfSyntaxError('expected an array of whole numbers');
  }
  return value as number[];
}

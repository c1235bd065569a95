import type { PdfFile } from './pdf-file.js';
import { PdfObjects } from './pdf-objects.js';
import { isDict, nameOf, type PdfDict, PdfLexer, PdfSyntaxError } from './pdf-syntax.js';
import type { XrefEntry } from './pdf-xref.js';

/** What a scan of the whole file finds, as a reader that repairs files would. */
export interface PdfScan {
  /** Every `num gen obj` found (the last of a number wins, as in an updated file), and the objects of object streams. */
  entries: Map<number, XrefEntry>;
  /** Trailer dictionaries (after `trailer`, or of cross-reference streams), newest first. */
  trailers: PdfDict[];
  /** Objects whose dictionary says `/Type /Catalog`, newest first. */
  catalogs: number[];
  /** Object streams that could not be decoded: what they hold is unknown. */
  unreadStreams: number;
}

const OBJECT_HEADER = /(?<![^\0\t\n\f\r >\]])(\d+)\s+(\d+)\s+obj\b/g;

/**
 * Rebuilds the cross-reference of a PDF whose own does not match the file (offsets shifted by an editor, a broken
 * `startxref`), by finding every object header, as pdf.js does before it gives up. Stream data is skipped, so bytes
 * in a stream that look like an object header are not taken for one.
 */
export function scanPdf(file: PdfFile): PdfScan {
  const text = file.text(0, file.size);
  const scan: PdfScan = { entries: new Map(), trailers: [], catalogs: [], unreadStreams: 0 };
  const streams: number[] = [];
  const trailersAt: { at: number; dict: PdfDict }[] = [];
  OBJECT_HEADER.lastIndex = 0;
  for (let match = OBJECT_HEADER.exec(text); match; match = OBJECT_HEADER.exec(text)) {
    const num = Number(match[1]);
    const offset = match.index;
    scan.entries.set(num, { kind: 'offset', offset });
    try {
      const object = file.objectAt(offset, num);
      const dict = object.value;
      const type = isDict(dict) ? nameOf(dict.get('Type')) : undefined;
      if (type === 'Catalog') scan.catalogs.unshift(num);
      if (type === 'ObjStm') streams.push(num);
      if (type === 'XRef' && isDict(dict)) trailersAt.push({ at: offset, dict });
      if (object.streamStart !== undefined) {
        const end = text.indexOf('endstream', object.streamStart);
        if (end > 0) OBJECT_HEADER.lastIndex = end;
      }
    } catch (error) {
      if (!(error instanceof PdfSyntaxError)) throw error;
    }
  }
  for (let at = text.indexOf('trailer'); at >= 0; at = text.indexOf('trailer', at + 7)) {
    try {
      const lexer = new PdfLexer(text, at + 'trailer'.length);
      const dict = lexer.value();
      if (isDict(dict)) trailersAt.push({ at, dict });
    } catch (error) {
      if (!(error instanceof PdfSyntaxError)) throw error;
    }
  }
  scan.trailers = trailersAt.sort((a, b) => b.at - a.at).map(({ dict }) => dict);
  addObjectStreams(file, scan, streams);
  return scan;
}

/** Registers the objects inside each object stream that no plain object of the same number overrides. */
function addObjectStreams(file: PdfFile, scan: PdfScan, streams: number[]): void {
  const objects = new PdfObjects(file, scan.entries);
  for (const stream of streams) {
    try {
      const inner = objects.objectStreamContents(stream);
      inner.forEach((value, num) => {
        if (!scan.entries.has(num)) scan.entries.set(num, { kind: 'compressed', stream, index: 0 });
        if (isDict(value) && nameOf(value.get('Type')) === 'Catalog') scan.catalogs.push(num);
      });
    } catch (error) {
      if (!(error instanceof PdfSyntaxError)) throw error;
      scan.unreadStreams++;
    }
  }
}

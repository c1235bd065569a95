import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { type ByteReader, byteReader } from '../../src/content/byte-reader.js';
import { readPdfStructure } from '../../src/content/pdf-page-count.js';
import { isPdfProblem, readPdf } from '../../src/content/read-pdf.js';
import { makeEncryptedPdf, makeObjectStreamPdf, makePagesPdf, updatePageTree } from '../helpers/pdf.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../fixtures/pdf', name));
const structure = (data: Uint8Array) => readPdfStructure(byteReader({ data }));

/** pdf.js's page count (unpdf), the count the run()/dryRun() backstop and the emulator use; null when it refuses. */
async function pdfJsPages(data: Uint8Array): Promise<number | null> {
  const read = await readPdf(data);
  return isPdfProblem(read) ? null : read.pages.length;
}

/** The synchronous count follows the cross-reference, and agrees with pdf.js. */
async function countedLikePdfJs(data: Uint8Array, pages: number, via: 'xref' | 'scan' = 'xref') {
  expect(structure(data)).toEqual({ kind: 'pages', pages, via });
  expect(await pdfJsPages(data)).toBe(pages);
}

async function withObjectStreams(pdf: Buffer, useObjectStreams: boolean): Promise<Buffer> {
  return Buffer.from(await (await PDFDocument.load(pdf)).save({ useObjectStreams }));
}

describe('readPdfStructure counts pages synchronously, as pdf.js does', () => {
  it('pdf-lib PDFs of 1, 100 and 101 pages, with a cross-reference table or object streams', async () => {
    for (const count of [1, 100, 101]) {
      const pdf = await makePagesPdf(count);
      await countedLikePdfJs(await withObjectStreams(pdf, false), count);
      await countedLikePdfJs(await withObjectStreams(pdf, true), count);
    }
  });

  it('incremental updates: the newest section’s page tree wins, in tables and cross-reference streams', async () => {
    const table = await withObjectStreams(await makePagesPdf(100), false);
    const streams = await withObjectStreams(await makePagesPdf(100), true);
    await countedLikePdfJs(await updatePageTree(table, 101), 101);
    await countedLikePdfJs(await updatePageTree(table, 40), 40);
    await countedLikePdfJs(await updatePageTree(table, 101, { xrefStream: true }), 101);
    await countedLikePdfJs(await updatePageTree(streams, 101, { xrefStream: true }), 101);
    await countedLikePdfJs(await updatePageTree(streams, 101), 101);
    const twice = await updatePageTree(await updatePageTree(streams, 120, { xrefStream: true }), 7);
    await countedLikePdfJs(twice, 7);
  });

  it('PDFs written by qpdf: linearized, cross-reference streams with a PNG predictor, object streams', async () => {
    await countedLikePdfJs(fixture('linearized-3-pages.pdf'), 3);
    await countedLikePdfJs(fixture('object-streams-120-pages.pdf'), 120);
  });

  it('a page tree in a Flate object stream, found by a cross-reference stream or a hybrid table; another filter is left to pdf.js', async () => {
    await countedLikePdfJs(makeObjectStreamPdf(101, 'FlateDecode'), 101);
    await countedLikePdfJs(makeObjectStreamPdf(101, 'FlateDecode', { hybrid: 'omits' }), 101);
    // A hybrid table that marks the compressed object free: the stream has it (7.5.8.4, as qpdf reads it); pdf.js
    // takes the free entry and refuses the file at run()/dryRun().
    const markedFree = makeObjectStreamPdf(101, 'FlateDecode', { hybrid: 'marks-free' });
    expect(structure(markedFree)).toEqual({ kind: 'pages', pages: 101, via: 'xref' });
    const hex = makeObjectStreamPdf(101, 'ASCIIHexDecode');
    expect(structure(hex)).toMatchObject({
      kind: 'unsure',
      reason: expect.stringContaining('ASCIIHexDecode'),
    });
    expect(await pdfJsPages(hex)).toBe(101);
  });

  it('a cross-reference that does not match the file is rebuilt by a scan, as pdf.js repairs it', async () => {
    for (const pdf of [
      await withObjectStreams(await makePagesPdf(12), false),
      await withObjectStreams(await makePagesPdf(12), true),
      fixture('linearized-3-pages.pdf'),
    ]) {
      const pages = (await pdfJsPages(pdf))!;
      const text = pdf.toString('latin1');
      const firstLine = text.indexOf('\n') + 1;
      // An editor inserted bytes: every offset is off by 300.
      const shifted = text.slice(0, firstLine) + '%junk\n'.repeat(50) + text.slice(firstLine);
      await countedLikePdfJs(Buffer.from(shifted, 'latin1'), pages, 'scan');
      const lost = text.replace(/startxref\s+\d+/g, 'startxref\n99999999');
      await countedLikePdfJs(Buffer.from(lost, 'latin1'), pages, 'scan');
    }
  });

  it('corrupt only when no reader can take it: no objects, or no document catalog', async () => {
    const noObjects = Buffer.from('%PDF-1.7\nnot a PDF body at all\n%%EOF\n');
    expect(structure(noObjects)).toEqual({ kind: 'corrupt', reason: 'it has no objects' });
    expect(await pdfJsPages(noObjects)).toBeNull();
    const text = (await withObjectStreams(await makePagesPdf(2), false)).toString('latin1');
    const noCatalog = Buffer.from(text.replace('/Catalog', '/Catalxg').replace('/Root', '/Rxxt'), 'latin1');
    expect(structure(noCatalog)).toEqual({ kind: 'corrupt', reason: 'it has no document catalog' });
    expect(await pdfJsPages(noCatalog)).toBeNull();
  });

  it('a PDF cut short anywhere (then given an end marker) is never called corrupt, nor miscounted, where pdf.js reads it', async () => {
    for (const pdf of [
      await withObjectStreams(await makePagesPdf(5), true),
      fixture('linearized-3-pages.pdf'),
    ]) {
      for (let cut = 40; cut < pdf.length; cut += Math.ceil(pdf.length / 25)) {
        const damaged = Buffer.concat([pdf.subarray(0, cut), Buffer.from('\n%%EOF\n')]);
        const found = structure(damaged);
        const pages = await pdfJsPages(damaged);
        if (pages !== null) {
          expect(found.kind).not.toBe('corrupt');
          if (found.kind === 'pages') expect(found.pages).toBe(pages);
        }
        if (found.kind === 'corrupt') expect(pages).toBeNull();
      }
    }
  });

  it('bytes changed at random (a fixed seed) never make it throw, call a PDF pdf.js reads corrupt, or miscount it', async () => {
    let seed = 12_345;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (const pdf of [
      await withObjectStreams(await makePagesPdf(4), false),
      fixture('linearized-3-pages.pdf'),
    ]) {
      for (let trial = 0; trial < 30; trial++) {
        const damaged = Buffer.from(pdf);
        for (let flip = 0; flip < 1 + (trial % 4); flip++) {
          damaged[Math.floor(random() * damaged.length)] = Math.floor(random() * 256);
        }
        const found = structure(damaged);
        const pages = await pdfJsPages(damaged);
        if (pages !== null && found.kind === 'pages') expect(found.pages).toBe(pages);
        if (pages !== null) expect(found.kind).not.toBe('corrupt');
      }
    }
  });

  it('an encrypted PDF, even with a comment inside its trailer', () => {
    expect(structure(makeEncryptedPdf())).toEqual({ kind: 'encrypted' });
    expect(structure(makeEncryptedPdf({ commented: true }))).toEqual({ kind: 'encrypted' });
  });

  it('reads the page tree, not the rest of the file', async () => {
    // 20 pages and 2 MB of other content (an attachment, random so that it does not compress).
    const document = await PDFDocument.load(await makePagesPdf(20));
    await document.attach(randomBytes(2 * 1024 * 1024), 'data.bin', { mimeType: 'application/octet-stream' });
    const pdf = Buffer.from(await document.save());
    const inner = byteReader({ data: pdf });
    let read = 0;
    const counting: ByteReader = {
      ...inner,
      read: (from, to) => {
        const bytes = inner.read(from, to);
        read += bytes.length;
        return bytes;
      },
    };
    expect(readPdfStructure(counting)).toEqual({ kind: 'pages', pages: 20, via: 'xref' });
    expect(read).toBeLessThan(pdf.length / 20);
  });
});

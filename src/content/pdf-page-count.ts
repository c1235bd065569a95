import type { ByteReader } from './byte-reader.js';
import { PdfFile } from './pdf-file.js';
import { PdfObjects } from './pdf-objects.js';
import { scanPdf } from './pdf-scan.js';
import { isDict, type PdfDict, PdfRef, PdfSyntaxError, type PdfValue } from './pdf-syntax.js';
import { readXref } from './pdf-xref.js';

/** What `addJob` learns of a PDF's structure without a full parse. */
export type PdfStructure =
  /** `via`: the cross-reference sections, or a scan of every object header when they do not match the file. */
  | { kind: 'pages'; pages: number; via: 'xref' | 'scan' }
  | { kind: 'encrypted' }
  /** No reader can take it: it has no objects, or no document catalog anywhere. */
  | { kind: 'corrupt'; reason: string }
  /** A structure this reader does not follow (damaged, an unusual filter): pdf.js decides at `run()`/`dryRun()`. */
  | { kind: 'unsure'; reason: string };

/**
 * A PDF whose cross-reference does not match it is scanned whole only up to every provider's 32 MB per request: a
 * larger one is refused for its size (`file_too_large`), which needs no scan.
 */
const MAX_SCAN_BYTES = 32 * 1024 * 1024;

/**
 * A PDF's page count, synchronously: the `/Count` of the page tree's root (ISO 32000-1, 7.7.3.2), found through the
 * trailer's `/Root` and the cross-reference sections (tables and streams, incremental updates, objects in object
 * streams), reading only those objects. When the cross-reference does not match the file, every object header is
 * found by a scan, as pdf.js repairs files, and the newest trailer or catalog that leads to a page count is taken.
 * The count is pdf.js's `numPages`, which reads the same `/Count`.
 */
export function readPdfStructure(reader: ByteReader): PdfStructure {
  const file = new PdfFile(reader);
  let reason: string;
  try {
    const xref = readXref(file);
    if (xref.trailer.has('Encrypt')) return { kind: 'encrypted' };
    const pages = pageCount(new PdfObjects(file, xref.entries), xref.trailer.get('Root'));
    return { kind: 'pages', pages, via: 'xref' };
  } catch (error) {
    if (!(error instanceof PdfSyntaxError)) throw error;
    reason = error.message;
  }
  if (file.size > MAX_SCAN_BYTES) return { kind: 'unsure', reason };
  const whole = new PdfFile(reader, { whole: true });
  const scan = scanPdf(whole);
  if (scan.entries.size === 0) return { kind: 'corrupt', reason: 'it has no objects' };
  if (scan.trailers.some((trailer) => trailer.has('Encrypt'))) return { kind: 'encrypted' };
  const objects = new PdfObjects(whole, scan.entries);
  const roots: PdfValue[] = [
    ...scan.trailers.flatMap((trailer: PdfDict) => trailer.get('Root') ?? []),
    ...scan.catalogs.map((num) => new PdfRef(num, 0)),
  ];
  for (const root of roots) {
    try {
      return { kind: 'pages', pages: pageCount(objects, root), via: 'scan' };
    } catch (error) {
      if (!(error instanceof PdfSyntaxError)) throw error;
    }
  }
  if (roots.length === 0 && scan.unreadStreams === 0) {
    return { kind: 'corrupt', reason: 'it has no document catalog' };
  }
  return { kind: 'unsure', reason };
}

/**
 * The `/Count` of the page tree the catalog `root` names, confirmed by counting the tree's leaves: pdf.js reports
 * `/Count` too, but counts the pages it can read when the tree is damaged, so a tree whose leaves do not add up to
 * its `/Count` is left to pdf.js.
 */
function pageCount(objects: PdfObjects, root: PdfValue | undefined): number {
  const catalog = objects.resolve(root);
  if (!isDict(catalog)) throw new PdfSyntaxError('the trailer /Root is not a dictionary');
  const pages = objects.resolve(catalog.get('Pages'));
  if (!isDict(pages)) throw new PdfSyntaxError('the catalog has no /Pages dictionary');
  const count = objects.resolve(pages.get('Count'));
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
    throw new PdfSyntaxError('the page tree has no whole-number /Count');
  }
  const leaves = countLeaves(objects, pages, new Set(), 0);
  if (leaves !== count)
    throw new PdfSyntaxError(`the page tree has ${leaves} pages, its /Count says ${count}`);
  return count;
}

/** Page trees are shallow (a few levels); deeper is a crafted file. */
const MAX_TREE_DEPTH = 64;

/** The pages under a page tree node: a kid with `/Kids` is a node, any other dictionary a page (as pdf.js reads). */
function countLeaves(objects: PdfObjects, node: PdfDict, seen: Set<number>, depth: number): number {
  if (depth > MAX_TREE_DEPTH) throw new PdfSyntaxError('the page tree is too deep');
  const kids = objects.resolve(node.get('Kids'));
  if (!Array.isArray(kids)) throw new PdfSyntaxError('a page tree node has no /Kids array');
  let leaves = 0;
  for (const kid of kids) {
    if (!(kid instanceof PdfRef)) throw new PdfSyntaxError('a page tree kid is not a reference');
    if (seen.has(kid.num)) throw new PdfSyntaxError('the page tree refers to a page twice');
    seen.add(kid.num);
    const value = objects.resolve(kid);
    if (!isDict(value)) throw new PdfSyntaxError(`page tree kid ${kid.num} is not a dictionary`);
    leaves += value.has('Kids') ? countLeaves(objects, value, seen, depth + 1) : 1;
  }
  return leaves;
}

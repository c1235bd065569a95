import { createHash } from 'node:crypto';
import { extractText, getDocumentProxy } from 'unpdf';
import type { DocumentView } from './request-view.js';

/** What the emulator reads from a PDF: each page's text and size, or why the service would refuse it. */
export type PdfRead =
  | { ok: true; pages: { text: string; widthPt: number; heightPt: number }[] }
  | { ok: false; problem: 'encrypted' | 'unreadable' };

const cache = new Map<string, Promise<PdfRead>>();

/** A PDF read with unpdf (pdf.js), cached by content so that a batch of the same document parses it once. */
export function readPdf(data: Buffer): Promise<PdfRead> {
  const key = createHash('sha256').update(data).digest('hex');
  let pending = cache.get(key);
  if (!pending) {
    pending = read(data);
    if (cache.size >= 256) cache.clear();
    cache.set(key, pending);
  }
  return pending;
}

async function read(data: Buffer): Promise<PdfRead> {
  let document: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    document = await getDocumentProxy(new Uint8Array(data), { verbosity: 0 });
  } catch (error) {
    return { ok: false, problem: (error as Error).name === 'PasswordException' ? 'encrypted' : 'unreadable' };
  }
  try {
    const { info } = (await document.getMetadata()) as { info?: { EncryptFilterName?: unknown } };
    if (info?.EncryptFilterName) return { ok: false, problem: 'encrypted' };
    const { text } = await extractText(document, { mergePages: false });
    const pages = [];
    for (let number = 1; number <= document.numPages; number++) {
      const [x0 = 0, y0 = 0, x1 = 0, y1 = 0] = (await document.getPage(number)).view;
      pages.push({ text: text[number - 1] ?? '', widthPt: Math.abs(x1 - x0), heightPt: Math.abs(y1 - y0) });
    }
    return { ok: true, pages };
  } catch {
    return { ok: false, problem: 'unreadable' };
  } finally {
    await document.destroy();
  }
}

/** Reads every PDF of a request once: page texts and sizes, or why it cannot be read. */
export async function readDocuments(documents: DocumentView[]): Promise<void> {
  for (const document of documents) {
    if (document.kind !== 'pdf' || !document.data || document.pages || document.problem) continue;
    const read = await readPdf(document.data);
    if (!read.ok) {
      document.problem = read.problem;
      document.pages = [];
      continue;
    }
    document.pages = read.pages.map((page) => page.text);
    document.pageSizes = read.pages.map(({ widthPt, heightPt }) => ({ widthPt, heightPt }));
    document.text = document.pages.join('\n');
  }
}

import { createHash } from 'node:crypto';
import { PDFParse } from 'pdf-parse';

export interface PdfText {
  pages: string[];
}

const cache = new Map<string, Promise<PdfText>>();

/** Page texts of a PDF, cached by content so that a batch of the same document parses it once. */
export function pdfText(data: Buffer): Promise<PdfText> {
  const key = createHash('sha256').update(data).digest('hex');
  let pending = cache.get(key);
  if (!pending) {
    pending = extract(data);
    cache.set(key, pending);
  }
  return pending;
}

async function extract(data: Buffer): Promise<PdfText> {
  const parser = new PDFParse({ data: new Uint8Array(data) });
  try {
    const result = await parser.getText();
    return { pages: result.pages.map((page) => page.text) };
  } catch {
    return { pages: [] };
  } finally {
    await parser.destroy();
  }
}

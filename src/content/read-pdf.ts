import { extractText, getDocumentProxy } from 'unpdf';

/** What batchwise needs from a PDF: its pages' text (for citations and token estimates) and sizes. */
export interface PdfContent {
  pages: { text: string; widthPt: number; heightPt: number }[];
}

/** Why a PDF cannot be sent: providers take only standard PDFs, without passwords or encryption. */
export type PdfProblem = { kind: 'encrypted' } | { kind: 'corrupt'; reason: string };

/**
 * Reads a PDF with unpdf (pdf.js, without canvas). Returns its pages, or the problem that makes a provider refuse it:
 * encrypted (a password, or only permission restrictions — Anthropic documents "no passwords/encryption"), or
 * unreadable.
 */
export async function readPdf(data: Uint8Array): Promise<PdfContent | PdfProblem> {
  let document: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    // A copy: pdf.js may take over (detach) the buffer it is given.
    document = await getDocumentProxy(new Uint8Array(data), { verbosity: 0 });
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    if (name === 'PasswordException') return { kind: 'encrypted' };
    return { kind: 'corrupt', reason: error instanceof Error ? error.message : String(error) };
  }
  try {
    const { info } = (await document.getMetadata()) as { info?: { EncryptFilterName?: unknown } };
    if (info?.EncryptFilterName) return { kind: 'encrypted' };
    const { text } = await extractText(document, { mergePages: false });
    const pages: PdfContent['pages'] = [];
    for (let number = 1; number <= document.numPages; number++) {
      const [x0 = 0, y0 = 0, x1 = 0, y1 = 0] = (await document.getPage(number)).view;
      pages.push({ text: text[number - 1] ?? '', widthPt: Math.abs(x1 - x0), heightPt: Math.abs(y1 - y0) });
    }
    return { pages };
  } catch (error) {
    return { kind: 'corrupt', reason: error instanceof Error ? error.message : String(error) };
  } finally {
    await document.destroy();
  }
}

export function isPdfProblem(value: PdfContent | PdfProblem): value is PdfProblem {
  return 'kind' in value;
}

import { PDFParse } from 'pdf-parse';

/** Whether a PDF has text that can be extracted (and so cited); an image-only scan has none. */
export async function pdfHasText(data: Buffer): Promise<boolean> {
  const parser = new PDFParse({ data: new Uint8Array(data) });
  try {
    const result = await parser.getText();
    return result.pages.some((page) => page.text.trim().length > 0);
  } catch {
    return false;
  } finally {
    await parser.destroy();
  }
}

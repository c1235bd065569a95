import { PDFDocument, StandardFonts } from 'pdf-lib';

/** A text PDF with one page per entry, each page's lines drawn top-down. */
export async function makePdf(pages: string[][]): Promise<Buffer> {
  const document = await PDFDocument.create();
  const font = await document.embedFont(StandardFonts.Helvetica);
  for (const lines of pages) {
    const page = document.addPage([612, 792]);
    lines.forEach((line, index) => {
      page.drawText(line, { x: 50, y: 740 - index * 18, size: 12, font });
    });
  }
  return Buffer.from(await document.save());
}

/** A PDF with a page but no text (like a scan). */
export async function makeImageOnlyPdf(): Promise<Buffer> {
  const document = await PDFDocument.create();
  const page = document.addPage([612, 792]);
  page.drawRectangle({ x: 50, y: 50, width: 200, height: 100 });
  return Buffer.from(await document.save());
}

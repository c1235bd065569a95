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

/** A PDF of `count` pages, each saying its number. */
export async function makePagesPdf(count: number, size: [number, number] = [612, 792]): Promise<Buffer> {
  const document = await PDFDocument.create();
  const font = await document.embedFont(StandardFonts.Helvetica);
  for (let i = 1; i <= count; i++) {
    document.addPage(size).drawText(`Page ${i}`, { x: 50, y: size[1] - 60, size: 12, font });
  }
  return Buffer.from(await document.save());
}

/**
 * A minimal encrypted PDF, written by hand: one page, and a trailer whose /Encrypt names a standard security handler
 * (RC4, 40-bit) whose password check no reader can pass without a password. pdf-lib cannot encrypt. `commented`
 * puts a comment between the key and its value (valid PDF syntax), which only a real parser reads past.
 */
export function makeEncryptedPdf(options: { commented?: boolean } = {}): Buffer {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>',
    `<< /Filter /Standard /V 1 /R 2 /Length 40 /P -44 /O <${'11'.repeat(32)}> /U <${'22'.repeat(32)}> >>`,
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, index) => {
    offsets.push(body.length);
    body += `${index + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) body += `${String(offset).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Encrypt ${options.commented ? '% the key\n' : ''}4 0 R /ID [<${'ab'.repeat(16)}> <${'ab'.repeat(16)}>] >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

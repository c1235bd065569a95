import { deflateSync } from 'node:zlib';
import { PDFDocument, PDFName, type PDFRef, StandardFonts } from 'pdf-lib';

/**
 * A text PDF with one page per entry, each page's lines drawn top-down. The same pages give the same bytes: the
 * dates pdf-lib would stamp with the current second are fixed (tests compare bodies of PDFs made moments apart).
 */
export async function makePdf(pages: string[][]): Promise<Buffer> {
  const document = await PDFDocument.create();
  document.setCreationDate(new Date(0));
  document.setModificationDate(new Date(0));
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

/**
 * Appends an incremental update (ISO 32000-1, 7.5.6) to a PDF made by pdf-lib whose page tree is flat: a new page
 * tree root of `pages` pages (the first of the old ones, then blank new ones) under the same object number, and a
 * cross-reference section — a table, or a stream when `xrefStream` — whose /Prev is the old one. Readers then see
 * `pages` pages; the old /Count is still in the file.
 */
export async function updatePageTree(
  pdf: Buffer,
  pages: number,
  options: { xrefStream?: boolean } = {},
): Promise<Buffer> {
  const document = await PDFDocument.load(pdf);
  const root = (document.catalog.get(PDFName.of('Pages')) as PDFRef).objectNumber;
  const old = document.getPages().map((page) => page.ref.objectNumber);
  const text = pdf.toString('latin1');
  const prev = Number([...text.matchAll(/startxref\s+(\d+)/g)].at(-1)![1]);
  const catalog = [...text.matchAll(/\/Root\s+(\d+)\s+0\s+R/g)].at(-1)![1];
  let size = Number([...text.matchAll(/\/Size\s+(\d+)/g)].at(-1)![1]);
  const objects = new Map<number, string>();
  const kids = old.slice(0, pages);
  while (kids.length < pages) {
    kids.push(size);
    objects.set(size++, `<< /Type /Page /Parent ${root} 0 R /MediaBox [0 0 612 792] >>`);
  }
  objects.set(
    root,
    `<< /Type /Pages /Kids [${kids.map((kid) => `${kid} 0 R`).join(' ')}] /Count ${pages} >>`,
  );
  let body = pdf.toString('latin1');
  if (!body.endsWith('\n')) body += '\n';
  const offsets = new Map<number, number>();
  for (const [num, object] of objects) {
    offsets.set(num, body.length);
    body += `${num} 0 obj\n${object}\nendobj\n`;
  }
  const xrefAt = body.length;
  if (options.xrefStream) {
    const self = size++;
    offsets.set(self, xrefAt);
    const nums = [...offsets.keys()].sort((a, b) => a - b);
    const rows = Buffer.alloc(nums.length * 7);
    nums.forEach((num, row) => {
      rows.writeUInt8(1, row * 7);
      rows.writeUInt32BE(offsets.get(num)!, row * 7 + 1);
    });
    body += `${self} 0 obj\n<< /Type /XRef /Size ${size} /Root ${catalog} 0 R /Prev ${prev} /W [1 4 2] /Index [${nums.map((num) => `${num} 1`).join(' ')}] /Length ${rows.length} >>\nstream\n${rows.toString('latin1')}\nendstream\nendobj\n`;
  } else {
    body += 'xref\n';
    for (const [num, offset] of [...offsets].sort(([a], [b]) => a - b)) {
      body += `${num} 1\n${String(offset).padStart(10, '0')} 00000 n \n`;
    }
    body += `trailer\n<< /Size ${size} /Root ${catalog} 0 R /Prev ${prev} >>\n`;
  }
  body += `startxref\n${xrefAt}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

/**
 * A PDF written by hand whose page tree root is inside an object stream (7.5.7) encoded with `filter`: pdf-lib writes
 * object streams only with Flate, and pdf.js also reads ASCIIHexDecode there, which batchwise's own reader does not.
 * The objects are found through an uncompressed cross-reference stream, or, with `hybrid`, through a classic table
 * whose trailer names that stream by `/XRefStm` (7.5.8.4) and that either omits the compressed object or marks it
 * free (for readers older than PDF 1.5; pdf.js then takes it as free, qpdf reads it from the stream).
 */
export function makeObjectStreamPdf(
  pages: number,
  filter: 'FlateDecode' | 'ASCIIHexDecode',
  options: { hybrid?: 'omits' | 'marks-free' } = {},
): Buffer {
  const streamNum = pages + 3;
  const xrefNum = pages + 4;
  const tree = `<< /Type /Pages /Kids [${Array.from({ length: pages }, (_, i) => `${i + 3} 0 R`).join(' ')}] /Count ${pages} >>`;
  const header = '2 0 ';
  const plain = Buffer.from(header + tree, 'latin1');
  const encoded =
    filter === 'FlateDecode' ? deflateSync(plain) : Buffer.from(`${plain.toString('hex')}>`, 'latin1');
  let body = '%PDF-1.5\n';
  const offsets = new Map<number, number>();
  const add = (num: number, object: string) => {
    offsets.set(num, body.length);
    body += `${num} 0 obj\n${object}\nendobj\n`;
  };
  add(1, '<< /Type /Catalog /Pages 2 0 R >>');
  for (let i = 0; i < pages; i++) add(i + 3, '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>');
  add(
    streamNum,
    `<< /Type /ObjStm /N 1 /First ${header.length} /Filter /${filter} /Length ${encoded.length} >>\nstream\n${encoded.toString('latin1')}\nendstream`,
  );
  offsets.set(xrefNum, body.length);
  // Rows of /W [1 4 2]: type, offset or object stream number, generation or index.
  const row = (type: number, field: number) => {
    const bytes = Buffer.alloc(7);
    bytes.writeUInt8(type, 0);
    bytes.writeUInt32BE(field, 1);
    return bytes;
  };
  const streamAt = body.length;
  if (options.hybrid) {
    const rows = row(2, streamNum);
    body += `${xrefNum} 0 obj\n<< /Type /XRef /Size ${xrefNum + 1} /Index [2 1] /W [1 4 2] /Length ${rows.length} >>\nstream\n${rows.toString('latin1')}\nendstream\nendobj\n`;
    const tableAt = body.length;
    const entry = (num: number) =>
      num === 0 || num === 2
        ? '0000000000 65535 f \n'
        : `${String(offsets.get(num)).padStart(10, '0')} 00000 n \n`;
    const table = Array.from({ length: xrefNum + 1 }, (_, num) => entry(num));
    body +=
      options.hybrid === 'omits'
        ? `xref\n0 2\n${table.slice(0, 2).join('')}3 ${xrefNum - 2}\n${table.slice(3).join('')}`
        : `xref\n0 ${xrefNum + 1}\n${table.join('')}`;
    body += `trailer\n<< /Size ${xrefNum + 1} /Root 1 0 R /XRefStm ${streamAt} >>\nstartxref\n${tableAt}\n%%EOF\n`;
    return Buffer.from(body, 'latin1');
  }
  const rows = Buffer.concat(
    Array.from({ length: xrefNum + 1 }, (_, num) =>
      num === 0 ? row(0, 0) : num === 2 ? row(2, streamNum) : row(1, offsets.get(num)!),
    ),
  );
  body += `${xrefNum} 0 obj\n<< /Type /XRef /Size ${xrefNum + 1} /Root 1 0 R /W [1 4 2] /Length ${rows.length} >>\nstream\n${rows.toString('latin1')}\nendstream\nendobj\nstartxref\n${streamAt}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

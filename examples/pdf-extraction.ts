/**
 * Structured extraction from PDFs with citations: makes a few invoice PDFs, extracts typed fields with a zod schema
 * through Anthropic's Message Batches (the built-in emulator here), and prints each field with the page it was
 * cited from.
 *
 *   npm run example:pdf
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { z } from 'zod';
import { startEmulator } from '../src/emulator/index.js';
import { Batch } from '../src/index.js';

const Invoice = z.object({
  vendor: z.string().describe('The company that issued the invoice'),
  invoiceNumber: z.string(),
  total: z.number(),
  dueDate: z.string(),
  address: z.object({ street: z.string(), city: z.string() }),
  lineItems: z.array(z.object({ description: z.string(), amount: z.number() })),
});

const invoices = [
  {
    vendor: 'Acme Corp',
    number: 'INV-7',
    street: 'Hauptstrasse 5',
    city: 'Berlin',
    item: 'Widgets',
    amount: '300.00',
    total: '1,250.00',
    due: '2025-03-01',
  },
  {
    vendor: 'Globex',
    number: 'GX-1042',
    street: 'Main Street 12',
    city: 'Springfield',
    item: 'Consulting',
    amount: '2,000.00',
    total: '2,450.50',
    due: '2025-04-15',
  },
  {
    vendor: 'Initech',
    number: '4471',
    street: 'Office Park 3',
    city: 'Austin',
    item: 'TPS reports',
    amount: '88.20',
    total: '88.20',
    due: '2025-05-30',
  },
];

async function invoicePdf(invoice: (typeof invoices)[number]): Promise<Uint8Array> {
  const document = await PDFDocument.create();
  const font = await document.embedFont(StandardFonts.Helvetica);
  const pages = [
    [
      'INVOICE',
      `Vendor: ${invoice.vendor}`,
      `Invoice number: ${invoice.number}`,
      `Street: ${invoice.street}`,
      `City: ${invoice.city}`,
    ],
    ['Line items', `Description: ${invoice.item}`, `Amount: ${invoice.amount}`],
    ['Summary', `Total: ${invoice.total}`, `Due date: ${invoice.due}`],
  ];
  for (const lines of pages) {
    const page = document.addPage([612, 792]);
    for (const [i, line] of lines.entries()) page.drawText(line, { x: 50, y: 740 - i * 18, size: 12, font });
  }
  return document.save();
}

const emulator = await startEmulator({ processingMs: 300 });
const dir = await mkdtemp(join(tmpdir(), 'batchwise-pdfs-'));

const batch = new Batch({
  anthropic: { apiKey: 'emulator-key', baseURL: emulator.anthropicBaseURL },
  poll: { initialMs: 100, maxMs: 500 },
})
  .setVerbosity('warn')
  .defaults({ model: 'claude-sonnet-4-6', responseModel: Invoice, enableCitations: true, retryInvalid: 1 });

for (const [i, invoice] of invoices.entries()) {
  const path = join(dir, `invoice-${i + 1}.pdf`);
  await writeFile(path, await invoicePdf(invoice));
  batch.addJob({ id: `invoice-${i + 1}`, file: path, prompt: 'Extract the invoice fields.' });
}

// One job may read several files: here a contract (text) and the first invoice, checked against each other. Each
// citation names the file it quotes.
const Check = z.object({
  supplier: z.string(),
  agreedTotal: z.number(),
  invoiceNumber: z.string(),
  dueDate: z.string(),
});
const contract = join(dir, 'contract.txt');
await writeFile(contract, 'Supply contract.\nSupplier: Acme Corp.\nAgreed total: 1,250.00.\n');
const checked = batch.addJob({
  id: 'contract-check',
  files: [contract, join(dir, 'invoice-1.pdf')],
  prompt: 'Does the invoice match the contract?',
  responseModel: Check,
});

const run = await checked.run({ wait: true });
for (const [id, result] of Object.entries(run.results())) {
  console.log(`\n${id}: ${result.status}`);
  if (!result.parsedResponse) {
    console.log(`  ${result.error?.message}`);
    continue;
  }
  // parsedResponse is typed as the union of the two schemas' types.
  const answer = result.parsedResponse;
  if ('vendor' in answer) {
    console.log(
      `  ${answer.vendor} #${answer.invoiceNumber}: ${answer.total} due ${answer.dueDate}, ${answer.address.city}`,
    );
  } else {
    console.log(
      `  ${answer.supplier} agreed ${answer.agreedTotal}; invoice ${answer.invoiceNumber} due ${answer.dueDate}`,
    );
  }
  for (const [path, citations] of Object.entries(result.citationMappings)) {
    // A cited passage is a sentence chunk of the page (here the page's lines, kept with their \r\n): one line each.
    const where = citations
      .map((c) => {
        const place = c.page === null ? c.source : `${c.source} p.${c.page}`;
        return `${place} "${c.text.replace(/\s+/g, ' ').trim()}" (${c.confidence})`;
      })
      .join('; ');
    console.log(`    ${path.padEnd(26)} <- ${where}`);
  }
}
await emulator.close();

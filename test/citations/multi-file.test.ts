import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CITED_SHAPES, type Emulator, startEmulator } from '../../src/emulator/index.js';
import { JobValidationError } from '../../src/index.js';
import { batchFor } from '../helpers/batch.js';
import { makePng } from '../helpers/image.js';
import { makePagesPdf, makePdf } from '../helpers/pdf.js';

const CONTRACT = [['SERVICES AGREEMENT', 'Client: Zenith Ltd', 'Hourly rate: 150.00']];
const INVOICE = [
  ['INVOICE', 'Invoice number: INV-2231', 'Hours: 40'],
  ['Summary', 'Amount due: 6,000.00'],
];
const Check = z.object({
  client: z.string(),
  hourlyRate: z.number(),
  invoiceNumber: z.string(),
  amountDue: z.number(),
});

let emulator: Emulator;
let dir: string;
beforeAll(async () => {
  emulator = await startEmulator({ processingMs: 60 });
  dir = await mkdtemp(join(tmpdir(), 'batchwise-files-'));
  await writeFile(join(dir, 'contract.pdf'), await makePdf(CONTRACT));
  await writeFile(join(dir, 'invoice.pdf'), await makePdf(INVOICE));
});
afterAll(() => emulator.close());

const job = (overrides: Record<string, unknown> = {}) => ({
  id: 'check',
  model: 'claude-sonnet-4-5',
  files: [join(dir, 'contract.pdf'), join(dir, 'invoice.pdf')],
  prompt: 'Does the invoice match the contract?',
  responseModel: Check,
  enableCitations: true,
  ...overrides,
});

describe('a job of several files', () => {
  it.each(CITED_SHAPES)(
    'cites each file by its own title and pages, in the mapping too (%s answers)',
    async (shape) => {
      emulator.configure({ citedShapes: [shape] });
      const run = await batchFor(emulator).addJob(job()).run({ wait: true });
      const result = run.results().check!;
      expect(result.status).toBe('succeeded');
      expect(result.parsedResponse).toEqual({
        client: 'Zenith Ltd',
        hourlyRate: 150,
        invoiceNumber: 'INV-2231',
        amountDue: 6000,
      });
      const pagesOf = { 'contract.pdf': CONTRACT, 'invoice.pdf': INVOICE } as Record<string, string[][]>;
      const indexOf = { 'contract.pdf': 0, 'invoice.pdf': 1 } as Record<string, number>;
      expect(new Set(result.citations.map((c) => c.source))).toEqual(
        new Set(['contract.pdf', 'invoice.pdf']),
      );
      for (const citation of result.citations) {
        expect(citation.metadata.documentIndex).toBe(indexOf[citation.source!]);
        expect(pagesOf[citation.source!]![citation.page! - 1]!.join('\r\n')).toContain(
          citation.text.trimEnd(),
        );
      }
      const where = (path: string) => result.citationMappings[path]?.map((c) => `${c.source} p.${c.page}`);
      expect(where('client')).toEqual(['contract.pdf p.1']);
      expect(where('hourlyRate')).toEqual(['contract.pdf p.1']);
      expect(where('invoiceNumber')).toEqual(['invoice.pdf p.1']);
      expect(where('amountDue')).toEqual(['invoice.pdf p.2']);
    },
  );

  it('dryRun shows one document block per file, in order, before the prompt', async () => {
    const plan = await batchFor(emulator).addJob(job()).dryRun();
    const params = plan.jobs[0]!.request.params as { messages: { content: Record<string, unknown>[] }[] };
    const content = params.messages[0]!.content;
    expect(content.map((b) => [b.type, b.title ?? null])).toEqual([
      ['document', 'contract.pdf'],
      ['document', 'invoice.pdf'],
      ['text', null],
    ]);
    expect(content[0]!.citations).toEqual({ enabled: true });
  });

  it('goes to OpenAI as one file part per file', async () => {
    const bodies: Record<string, unknown>[] = [];
    emulator.configure({ respond: ({ body }) => void bodies.push(body) });
    const run = await batchFor(emulator)
      .addJob(job({ model: 'gpt-4o-mini', enableCitations: false }))
      .run({ wait: true });
    emulator.configure({ respond: undefined });
    expect(run.results().check!.status).toBe('succeeded');
    const messages = bodies[0]!.messages as { content: { type: string; file?: { filename: string } }[] }[];
    expect(messages[0]!.content.map((p) => p.file?.filename ?? p.type)).toEqual([
      'contract.pdf',
      'invoice.pdf',
      'text',
    ]);
  });

  const refused = (overrides: Record<string, unknown>): JobValidationError => {
    try {
      batchFor(emulator).addJob(job(overrides) as never);
    } catch (error) {
      expect(error).toBeInstanceOf(JobValidationError);
      return error as JobValidationError;
    }
    throw new Error('not refused');
  };

  it('is checked at addJob like a one-file job, file by file and together', () => {
    emulator.resetStats();
    expect(refused({ file: join(dir, 'contract.pdf') }).code).toBe('conflicting_input');
    expect(refused({ files: [] }).code).toBe('missing_input');
    const missing = refused({ files: [join(dir, 'contract.pdf'), join(dir, 'nope.pdf')] });
    expect(missing.message).toContain('nope.pdf');
    expect(
      refused({
        files: [
          { data: makePng(2, 2), name: 'a.png' },
          { data: makePng(2, 2), name: 'b.png' },
        ],
      }).code,
    ).toBe('citations_need_document');
    expect(emulator.stats().calls).toEqual({});
  });

  it('is refused when the files together have more pages than one request takes', async () => {
    // Two 60-page PDFs pass one by one (Claude takes 100 pages per request) but not together.
    const sixty = await makePagesPdf(60);
    const files = [
      { data: sixty, name: 'a.pdf' },
      { data: sixty, name: 'b.pdf' },
    ];
    const error = refused({ files, responseModel: undefined, enableCitations: false });
    expect(error.code).toBe('too_many_pages');
    expect(error.message).toContain('a.pdf + b.pdf');
    expect(error.message).toContain('120');
    expect(() =>
      batchFor(emulator).addJob(job({ files: [files[0]], enableCitations: false }) as never),
    ).not.toThrow();
  });
});

import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { CITED_SHAPES, type Emulator, startEmulator } from '../../src/emulator/index.js';
import { Batch, JobValidationError, registerModel } from '../../src/index.js';
import { batchFor } from '../helpers/batch.js';
import { makePng } from '../helpers/image.js';
import { makeImageOnlyPdf, makePdf } from '../helpers/pdf.js';

const Invoice = z.object({
  vendor: z.string(),
  invoiceNumber: z.string(),
  total: z.number(),
  dueDate: z.string(),
  note: z.string().optional(),
  address: z.object({ street: z.string(), city: z.string() }),
  lineItems: z.array(z.object({ description: z.string(), amount: z.number() })),
});

const PAGES = [
  ['INVOICE', 'Vendor: Acme Corp', 'Invoice number: INV-7', 'Street: Hauptstrasse 5', 'City: Berlin'],
  ['Line items', 'Description: Widgets', 'Amount: 300.00'],
  ['Summary', 'Total: 1,250.00', 'Due date: 2025-03-01'],
];

let emulator: Emulator;
let dir: string;
let invoicePath: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'batchwise-structured-'));
  invoicePath = join(dir, 'invoice.pdf');
  await writeFile(invoicePath, await makePdf(PAGES));
  await writeFile(join(dir, 'scan.pdf'), await makeImageOnlyPdf());
});
beforeEach(async () => {
  await emulator?.close();
  emulator = await startEmulator({ processingMs: 80 });
});
afterAll(() => emulator.close());

const expected = {
  vendor: 'Acme Corp',
  invoiceNumber: 'INV-7',
  total: 1250,
  dueDate: '2025-03-01',
  address: { street: 'Hauptstrasse 5', city: 'Berlin' },
  lineItems: [{ description: 'Widgets', amount: 300 }],
};

describe('structured extraction from a PDF, end to end', () => {
  it.each(CITED_SHAPES)(
    'Anthropic with citations answering in the %s shape: a typed, validated object, citations with the right pages, and the field mapping',
    async (shape) => {
      emulator.configure({ citedShapes: [shape] });
      const run = await batchFor(emulator)
        .addJob({
          id: 'inv',
          model: 'claude-sonnet-4-6',
          file: invoicePath,
          prompt: 'Extract the invoice',
          responseModel: Invoice,
          enableCitations: true,
        })
        .run({ wait: true });
      const result = run.results().inv!;
      expectTypeOf(result.parsedResponse).toEqualTypeOf<z.infer<typeof Invoice> | null>();
      expect(result.status).toBe('succeeded');
      expect(result.parsedResponse).toEqual(expected);
      // Passages are sentence chunks: a page of lines without sentence ends is one passage, with \r\n line ends.
      const pageText = (page: number) => PAGES[page - 1]!.join('\r\n');
      expect(result.citations.length).toBeGreaterThan(0);
      for (const citation of result.citations) {
        expect(citation.source).toBe('invoice.pdf');
        expect(pageText(citation.page!)).toContain(citation.text.trimEnd());
        expect(citation.metadata).toMatchObject({
          documentIndex: 0,
          startPage: citation.page,
          endPage: citation.page,
        });
      }
      // Each field maps to the page its value stands on, and to nothing else.
      const pages = (path: string) => result.citationMappings[path]?.map((c) => c.page);
      expect(pages('vendor')).toEqual([1]);
      expect(pages('invoiceNumber')).toEqual([1]);
      expect(pages('address.city')).toEqual([1]);
      expect(pages('lineItems[0].amount')).toEqual([2]);
      expect(pages('total')).toEqual([3]);
      expect(pages('dueDate')).toEqual([3]);
      for (const list of Object.values(result.citationMappings)) {
        for (const c of list) {
          expect(['high', 'medium']).toContain(c.confidence);
          expect(c.matchReason).toMatch(/passage/);
        }
      }
    },
  );

  it('Anthropic without citations uses output_config.format with closed objects', async () => {
    const bodies: Record<string, unknown>[] = [];
    emulator.configure({ respond: ({ body }) => void bodies.push(body) });
    const run = await batchFor(emulator)
      .addJob({
        id: 'inv',
        model: 'claude-haiku-4-5',
        file: invoicePath,
        prompt: 'Extract',
        responseModel: Invoice,
      })
      .run({ wait: true });
    expect(run.results().inv!.parsedResponse).toEqual(expected);
    const format = (
      bodies[0]!.output_config as { format: { type: string; schema: { additionalProperties: boolean } } }
    ).format;
    expect(format.type).toBe('json_schema');
    expect(format.schema.additionalProperties).toBe(false);
    expect(bodies[0]!.system).toBeUndefined();
  });

  it('OpenAI with the same schema: strict response_format and a valid typed result', async () => {
    const bodies: Record<string, unknown>[] = [];
    emulator.configure({ respond: ({ body }) => void bodies.push(body) });
    const run = await batchFor(emulator)
      .defaults({ model: 'gpt-4o-mini', responseModel: Invoice })
      .addJob({ id: 'inv', file: invoicePath, prompt: 'Extract the invoice' })
      .run({ wait: true });
    const result = run.results().inv!;
    expectTypeOf(result.parsedResponse).toEqualTypeOf<z.infer<typeof Invoice> | null>();
    // "note" is optional: the strict schema made it nullable, and the null was dropped before validation.
    expect(result.parsedResponse).toEqual(expected);
    const format = bodies[0]!.response_format as {
      json_schema: { strict: boolean; schema: { required: string[] } };
    };
    expect(format.json_schema.strict).toBe(true);
    expect(format.json_schema.schema.required).toContain('note');
    expect(result.citations).toEqual([]);
  });

  it('an answer that does not validate is `invalid`, with issues and the raw text kept', async () => {
    emulator.configure({ respond: () => ({ json: { vendor: 42 } }) });
    const run = await batchFor(emulator)
      .addJob({
        id: 'inv',
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'x' }],
        responseModel: Invoice,
      })
      .run({ wait: true });
    const result = run.results().inv!;
    expect(result).toMatchObject({
      status: 'invalid',
      isSuccess: false,
      parsedResponse: null,
      rawResponse: '{"vendor":42}',
      attempts: 1,
    });
    expect(result.error!.code).toBe('invalid_output');
    expect(result.error!.issues!.map((i) => i.path)).toContain('vendor');
  });

  it('retryInvalid: 1 sends an invalid answer again in a new provider batch and succeeds on the second attempt', async () => {
    const prompts: string[] = [];
    emulator.configure({
      respond: ({ body }) => {
        const text = JSON.stringify(body.messages);
        prompts.push(text);
        return prompts.length === 1 ? { text: 'not json at all' } : undefined;
      },
    });
    const run = await batchFor(emulator)
      .defaults({ model: 'claude-haiku-4-5', responseModel: Invoice, retryInvalid: 1 })
      .addJob({ id: 'inv', file: invoicePath, prompt: 'Extract' })
      .run({ wait: true });
    const result = run.results().inv!;
    expect(result).toMatchObject({ status: 'succeeded', attempts: 2, parsedResponse: expected });
    expect(emulator.stats().batchesCreated.anthropic).toBe(2);
    expect(prompts[1]).toContain('rejected');
    expect(prompts[1]).toContain('not JSON');
    expect(run.progress()).toMatchObject({ total: 1, completed: 1, batchesTotal: 2, batchesCompleted: 2 });
  });

  it('gives up after retryInvalid attempts with the last invalid answer', async () => {
    emulator.configure({ respond: () => ({ text: '{}' }) });
    const run = await batchFor(emulator)
      .addJob({
        id: 'inv',
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'x' }],
        responseModel: Invoice,
        retryInvalid: 2,
      })
      .run({ wait: true });
    expect(run.results().inv).toMatchObject({ status: 'invalid', attempts: 3 });
    expect(emulator.stats().batchesCreated.openai).toBe(3);
  });

  it('a whole JSON answer that fails the schema is invalid (and sent again), though the model stopped at maxTokens', async () => {
    let sends = 0;
    emulator.configure({
      respond: () => (++sends === 1 ? { text: '{"vendor": 42}', stopReason: 'max_tokens' } : undefined),
    });
    const run = await batchFor(emulator)
      .addJob({
        id: 'inv',
        model: 'claude-haiku-4-5',
        messages: [{ role: 'user', content: 'x' }],
        responseModel: Invoice,
        retryInvalid: 1,
      })
      .run({ wait: true });
    expect(run.results().inv).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(sends).toBe(2);
  });

  it.each(['gpt-4o-mini', 'claude-haiku-4-5'])(
    '%s: an answer cut off at maxTokens is output_truncated, not sent again by retryInvalid (the same budget would cut it again)',
    async (model) => {
      const run = await batchFor(emulator)
        .addJob({
          id: 'inv',
          model,
          maxTokens: 12,
          messages: [{ role: 'user', content: `Vendor: ${'Acme Corporation International '.repeat(4)}` }],
          responseModel: Invoice,
          retryInvalid: 2,
        })
        .run({ wait: true });
      const result = run.results().inv!;
      expect(result).toMatchObject({ status: 'failed', isSuccess: false, parsedResponse: null, attempts: 1 });
      expect(result.error!.code).toBe('output_truncated');
      expect(result.error!.message).toContain('Raise maxTokens');
      // The partial answer that was paid for is kept.
      expect(result.rawResponse).toMatch(/^\{/);
      expect(() => JSON.parse(result.rawResponse as string)).toThrow();
      expect((await emulator.billing()).total.requests).toBe(1);
      expect(result.costUsd).toBeGreaterThan(0);
    },
  );
});

describe('named and recursive types', () => {
  const Address = z.object({ city: z.string(), zip: z.string().optional() }).meta({ id: 'Address' });
  interface Part {
    name: string;
    parts: Part[];
  }
  const Part: z.ZodType<Part> = z.object({
    name: z.string(),
    get parts() {
      return z.array(Part);
    },
  });

  it('an answer to a recursive type with an optional field ends where the emulator stops: every required field written', async () => {
    interface Node {
      name: string;
      child?: Node;
    }
    const Node: z.ZodType<Node> = z.object({
      name: z.string(),
      get child() {
        return Node.optional();
      },
    });
    const run = await batchFor(emulator)
      .addJob({
        id: 'n',
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'A tree' }],
        responseModel: z.object({ root: Node }),
      })
      .run({ wait: true });
    expect(run.results().n).toMatchObject({
      status: 'succeeded',
      parsedResponse: { root: { name: expect.any(String) } },
    });
  });

  it.each([
    ['gpt-4o-mini', z.object({ home: Address, work: Address.optional(), assembly: Part })],
    // Anthropic refuses recursion at addJob; a named type is a $defs entry all the same.
    ['claude-haiku-4-5', z.object({ home: Address, work: Address.optional() })],
  ])(
    '%s: a schema with $defs (a named type, a recursive one below the root) is accepted by the API and parsed',
    async (model, schema) => {
      const run = await batchFor(emulator)
        .addJob({
          id: 'a',
          model,
          messages: [{ role: 'user', content: 'Describe it' }],
          responseModel: schema,
        })
        .run({ wait: true });
      const result = run.results().a!;
      expect(result.error).toBeNull();
      expect(result.status).toBe('succeeded');
      expect(result.parsedResponse).toMatchObject({ home: { city: expect.any(String) } });
    },
  );
});

describe('typing and opting out', () => {
  it('a job opts out of the default schema with responseModel: null; an explicit type parameter types a loop', async () => {
    const batch = new Batch<z.infer<typeof Invoice>>({
      anthropic: { apiKey: 'k', baseURL: emulator.anthropicBaseURL },
      poll: { initialMs: 20, maxMs: 60 },
    })
      .setVerbosity('silent')
      .defaults({ model: 'claude-haiku-4-5', responseModel: Invoice });
    for (const id of ['inv-1', 'inv-2']) batch.addJob({ id, file: invoicePath, prompt: 'Extract' });
    batch.addJob({ id: 'plain', messages: [{ role: 'user', content: 'hello' }], responseModel: null });
    const results = (await batch.run({ wait: true })).results();
    expectTypeOf(results['inv-1']!.parsedResponse).toEqualTypeOf<z.infer<typeof Invoice> | null>();
    expect(results['inv-2']!.parsedResponse).toEqual(expected);
    expect(results.plain).toMatchObject({
      status: 'succeeded',
      parsedResponse: null,
      rawResponse: 'Reply to: hello',
    });
  });
});

describe('opting out of a default retryInvalid', () => {
  const messages = [{ role: 'user' as const, content: 'hello' }];

  it('responseModel: null drops the retryInvalid of defaults() with the schema: the job runs without either', async () => {
    const batch = batchFor(emulator).defaults({
      model: 'gpt-4o-mini',
      responseModel: Invoice,
      retryInvalid: 1,
    });
    batch.addJob({ id: 'plain', messages, responseModel: null });
    const report = await batch.dryRun();
    expect((report.jobs[0]!.request as { body: Record<string, unknown> }).body).not.toHaveProperty(
      'response_format',
    );
    const results = (await batch.run({ wait: true })).results();
    expect(results.plain).toMatchObject({ status: 'succeeded', parsedResponse: null, attempts: 1 });
  });

  it('a retryInvalid set on the job that opts out is refused, saying to remove it or set a responseModel', () => {
    const batch = batchFor(emulator).defaults({ model: 'gpt-4o-mini', responseModel: Invoice });
    expect(() => batch.addJob({ id: 'plain', messages, responseModel: null, retryInvalid: 2 })).toThrow(
      expect.objectContaining({
        code: 'invalid_retry',
        jobId: 'plain',
        message: expect.stringContaining(
          'this job sets responseModel: null. Remove retryInvalid from the job, or set a responseModel.',
        ),
      }),
    );
  });

  it('a retryInvalid past 20 (each retry is paid) is refused, as a negative or fractional one is', () => {
    const batch = batchFor(emulator).defaults({ model: 'gpt-4o-mini', responseModel: Invoice });
    for (const retryInvalid of [21, 1e9, -1, 1.5]) {
      expect(() => batch.addJob({ id: 'a', messages, retryInvalid })).toThrow(
        expect.objectContaining({ code: 'invalid_retry', message: expect.stringContaining('from 0 to 20') }),
      );
    }
    expect(() => batch.addJob({ id: 'a', messages, retryInvalid: 20 })).not.toThrow();
  });

  it('a retryInvalid in defaults() with no schema anywhere is still refused, pointing at defaults()', () => {
    const batch = batchFor(emulator).defaults({ model: 'gpt-4o-mini', retryInvalid: 1 });
    expect(() => batch.addJob({ id: 'a', messages })).toThrow(
      expect.objectContaining({
        code: 'invalid_retry',
        message: expect.stringContaining('Set a responseModel, or remove retryInvalid from defaults().'),
      }),
    );
  });
});

describe('refused inputs', () => {
  it('an image-only PDF with citations is refused at run(), before any request', async () => {
    const batch = batchFor(emulator).addJob({
      id: 'scan',
      model: 'claude-haiku-4-5',
      file: join(dir, 'scan.pdf'),
      prompt: 'Extract',
      enableCitations: true,
    });
    await expect(batch.run()).rejects.toMatchObject({
      code: 'citations_need_text_pdf',
      message: expect.stringContaining('citations need a text PDF'),
    });
    expect(emulator.stats().calls).toEqual({});
    // Without citations the same PDF is fine.
    const plain = await batchFor(emulator)
      .addJob({ id: 'scan', model: 'claude-haiku-4-5', file: join(dir, 'scan.pdf'), prompt: 'x' })
      .run({ wait: true });
    expect(plain.results().scan!.status).toBe('succeeded');
  });

  const refuse = (job: Parameters<ReturnType<typeof batchFor>['addJob']>[0], code: string) => {
    let thrown: unknown;
    try {
      batchFor(emulator).addJob(job);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(JobValidationError);
    expect((thrown as JobValidationError).code).toBe(code);
    expect(emulator.stats().calls).toEqual({});
  };
  const messages = [{ role: 'user' as const, content: 'x' }];

  it('a responseModel that is not a zod schema, or not an object schema', () => {
    refuse(
      { id: 'a', model: 'gpt-4o-mini', messages, responseModel: { type: 'object' } as never },
      'invalid_response_model',
    );
    refuse({ id: 'a', model: 'gpt-4o-mini', messages, responseModel: z.string() }, 'invalid_response_model');
    refuse(
      { id: 'a', model: 'gpt-4o-mini', messages, responseModel: z.object({}) },
      'invalid_response_model',
    );
  });

  it('files past the provider size limits', () => {
    // 4 MB of image is 5.3 MB of base64: past Anthropic's 5 MB, which counts the encoded bytes.
    const bigImage = {
      data: Buffer.concat([makePng(10, 10), Buffer.alloc(4 * 1024 * 1024)]),
      name: 'photo.png',
    };
    refuse({ id: 'a', model: 'claude-haiku-4-5', file: bigImage, prompt: 'x' }, 'file_too_large');
    const bigPdf = {
      data: Buffer.concat([
        Buffer.from('%PDF-1.4\n'),
        Buffer.alloc(33 * 1024 * 1024),
        Buffer.from('\n%%EOF\n'),
      ]),
      name: 'big.pdf',
    };
    refuse({ id: 'a', model: 'gpt-4o-mini', file: bigPdf, prompt: 'x' }, 'file_too_large');
  });

  it('an unsupported file type, citations on an image, retryInvalid without a schema, structured output on a model without it', () => {
    refuse(
      {
        id: 'a',
        model: 'claude-haiku-4-5',
        file: { data: Buffer.from('PK\x03\x04\x14\x00', 'latin1'), name: 'a.docx' },
        prompt: 'x',
      },
      'unsupported_file_type',
    );
    refuse(
      {
        id: 'a',
        model: 'claude-haiku-4-5',
        file: { data: makePng(2, 2), name: 'a.png' },
        prompt: 'x',
        enableCitations: true,
      },
      'citations_need_document',
    );
    refuse({ id: 'a', model: 'claude-haiku-4-5', messages, retryInvalid: 1 }, 'invalid_retry');
    registerModel({
      name: 'claude-plain-1',
      provider: 'anthropic',
      maxOutputTokens: 4096,
      temperature: { min: 0, max: 1 },
      capabilities: { pdf: true, images: true, citations: true, structured: false },
    });
    refuse({ id: 'a', model: 'claude-plain-1', messages, responseModel: Invoice }, 'structured_unsupported');
  });
});

describe('schemas whose input differs from their output', () => {
  it('transforms, pipes and codecs are sent as what the model writes, and parsed into what they make of it', async () => {
    // Before, each was sent as its output type (a boolean, a number), which the schema then refused: always invalid.
    const Schema = z.object({
      done: z.enum(['yes', 'no']).transform((answer) => answer === 'yes'),
      count: z.codec(z.string(), z.number(), { decode: (text) => text.length, encode: String }),
      label: z.string().pipe(z.transform((text: string) => text.length)),
    });
    const batch = batchFor(emulator);
    for (const model of ['claude-haiku-4-5', 'gpt-4o-mini'])
      batch.addJob({
        id: model,
        model,
        messages: [{ role: 'user', content: 'Is it done?' }],
        responseModel: Schema,
      });
    const results = await (await batch.run()).wait();
    for (const result of Object.values(results)) {
      // The emulator answers with JSON that matches the schema it was sent: strings here.
      expect(result, result.jobId).toMatchObject({ status: 'succeeded', attempts: 1 });
      const parsed = result.parsedResponse as unknown as z.infer<typeof Schema>;
      expect(typeof parsed.done).toBe('boolean');
      expect(typeof parsed.count).toBe('number');
      expect(typeof parsed.label).toBe('number');
    }
  });
});

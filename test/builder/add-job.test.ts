import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import {
  Batch,
  type BatchwiseError,
  ConfigurationError,
  type JobInput,
  JobValidationError,
  registerModel,
} from '../../src/index.js';
import { batchFor, userMessage } from '../helpers/batch.js';
import { makePdf } from '../helpers/pdf.js';

let emulator: Emulator;
let dir: string;
let pdfPath: string;

beforeAll(async () => {
  emulator = await startEmulator();
  dir = await mkdtemp(join(tmpdir(), 'batchwise-addjob-'));
  pdfPath = join(dir, 'doc.pdf');
  await writeFile(pdfPath, await makePdf([['A short document.']]));
  // A .docx is a ZIP archive: its type is read from these bytes, not from the name.
  await writeFile(join(dir, 'notes.docx'), Buffer.from('PK\x03\x04\x14\x00\x06\x00', 'latin1'));
});
afterAll(() => emulator.close());

const base = (): Batch => batchFor(emulator).defaults({ model: 'claude-haiku-4-5' });

function expectRefused(
  act: () => unknown,
  errorClass: typeof BatchwiseError,
  code: string,
  mention?: string,
) {
  let thrown: unknown;
  try {
    act();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(errorClass);
  expect((thrown as BatchwiseError).code).toBe(code);
  if (mention) expect((thrown as Error).message).toContain(mention);
  expect(emulator.stats().calls).toEqual({});
}

const badJobs: [string, JobInput, string, string][] = [
  ['no model', { id: 'j', messages: userMessage('x'), model: undefined }, 'missing_model', 'Job "j"'],
  [
    'model of no known provider',
    { id: 'j', messages: userMessage('x'), model: 'mistral-large' },
    'unknown_model',
    "provider: 'openai'",
  ],
  [
    'retired model',
    { id: 'j', messages: userMessage('x'), model: 'claude-3-5-haiku-latest' },
    'retired_model',
    'claude-haiku-4-5',
  ],
  [
    'invalid provider',
    { id: 'j', messages: userMessage('x'), model: 'mistral-large', provider: 'mistral' as 'openai' },
    'invalid_provider',
    "'openai' or 'anthropic'",
  ],
  [
    'provider against the pattern',
    { id: 'j', messages: userMessage('x'), model: 'claude-sonnet-4-6', provider: 'openai' },
    'provider_mismatch',
    'anthropic model name',
  ],
  [
    'messages with file',
    { id: 'j', messages: userMessage('x'), file: 'a.pdf', prompt: 'p' },
    'conflicting_input',
    'not both',
  ],
  [
    'messages with prompt',
    { id: 'j', messages: userMessage('x'), prompt: 'p' },
    'conflicting_input',
    'Job "j"',
  ],
  ['file without prompt', { id: 'j', file: 'a.pdf' }, 'missing_prompt', 'prompt'],
  ['prompt without file', { id: 'j', prompt: 'p' }, 'missing_input', 'file'],
  ['neither', { id: 'j' }, 'missing_input', 'messages'],
  ['empty messages', { id: 'j', messages: [] }, 'invalid_messages', 'non-empty'],
  [
    'malformed role',
    { id: 'j', messages: [{ role: 'bot', content: 'x' } as never] },
    'invalid_messages',
    'messages[0].role',
  ],
  [
    'empty content',
    { id: 'j', messages: [{ role: 'user', content: ' ' }] },
    'invalid_messages',
    'messages[0].content',
  ],
  [
    'a message field batchwise would drop',
    { id: 'j', messages: [{ role: 'user', content: 'x', cache_control: { type: 'ephemeral' } } as never] },
    'unknown_option',
    '`cache_control`',
  ],
  [
    'a Claude prefill ending with whitespace',
    {
      id: 'j',
      messages: [
        { role: 'user', content: 'Name a colour.' },
        { role: 'assistant', content: 'The colour is ' },
      ],
    },
    'invalid_messages',
    'trailing whitespace',
  ],
  [
    'only system',
    { id: 'j', messages: [{ role: 'system', content: 'x' }] },
    'invalid_messages',
    'user message',
  ],
  [
    'assistant first',
    { id: 'j', messages: [{ role: 'assistant', content: 'x' }] },
    'invalid_messages',
    'first',
  ],
  [
    'a temperature on Claude (API version 2026-10-21 removed it)',
    { id: 'j', messages: userMessage('x'), temperature: 0.5 },
    'temperature_unsupported',
    '2026-10-21',
  ],
  [
    'negative temperature',
    { id: 'j', messages: userMessage('x'), model: 'gpt-4o', temperature: -0.1 },
    'temperature_out_of_range',
    'Job "j"',
  ],
  [
    'maxTokens zero',
    { id: 'j', messages: userMessage('x'), maxTokens: 0 },
    'invalid_max_tokens',
    'positive integer',
  ],
  [
    'maxTokens fraction',
    { id: 'j', messages: userMessage('x'), maxTokens: 10.5 },
    'invalid_max_tokens',
    '10.5',
  ],
  [
    'maxTokens above model max',
    { id: 'j', messages: userMessage('x'), maxTokens: 1_000_000 },
    'invalid_max_tokens',
    'maximum of 64000',
  ],
  [
    'missing file',
    { id: 'j', file: '/no/such/file.pdf', prompt: 'p' },
    'file_not_found',
    '/no/such/file.pdf',
  ],
  ['unsupported file type', { id: 'j', file: 'notes.docx', prompt: 'p' }, 'unsupported_file_type', '.pdf'],
  [
    'bytes without name',
    { id: 'j', file: { data: Buffer.from('x') } as never, prompt: 'p' },
    'invalid_file',
    'file.name',
  ],
  [
    'citations without a document',
    { id: 'j', messages: userMessage('x'), enableCitations: true },
    'citations_need_document',
    'PDF',
  ],
  ['unsafe id ../', { id: '../etc', messages: userMessage('x') }, 'invalid_job_id', 'file name'],
  ['unsafe id /', { id: 'a/b', messages: userMessage('x') }, 'invalid_job_id', '"a/b"'],
  ['unsafe id space', { id: 'a b', messages: userMessage('x') }, 'invalid_job_id', '"a b"'],
  ['id too long', { id: 'x'.repeat(65), messages: userMessage('x') }, 'invalid_job_id', '64'],
  [
    'citations on a model that cannot cite',
    { id: 'j', file: 'doc.pdf', prompt: 'p', model: 'gpt-4o-mini', enableCitations: true },
    'citations_unsupported',
    'gpt-4o-mini',
  ],
  [
    'a temperature of its own on a reasoning model',
    { id: 'j', messages: userMessage('x'), model: 'gpt-5-mini', temperature: 0.2 },
    'temperature_out_of_range',
    'reasoning',
  ],
  [
    'temperature above 2 for GPT',
    { id: 'j', messages: userMessage('x'), model: 'gpt-4o', temperature: 2.5 },
    'temperature_out_of_range',
    'between 0 and 2',
  ],
];

describe('.addJob() refuses bad input before any request', () => {
  for (const [name, job, code, mention] of badJobs) {
    it(name, () => {
      const batch = name === 'no model' ? batchFor(emulator) : base();
      const input =
        job.file === 'notes.docx' || job.file === 'doc.pdf' ? { ...job, file: join(dir, job.file) } : job;
      expectRefused(() => batch.addJob(input), JobValidationError, code, mention);
    });
  }

  it('duplicate job id', () => {
    const batch = base().addJob({ id: 'same', messages: userMessage('x') });
    expectRefused(
      () => batch.addJob({ id: 'same', messages: userMessage('y') }),
      JobValidationError,
      'duplicate_job_id',
      '"same"',
    );
  });

  it('an unreadable file (a directory where a PDF should be)', async () => {
    const folder = join(dir, 'folder.pdf');
    await import('node:fs/promises').then((fs) => fs.mkdir(folder, { recursive: true }));
    expectRefused(
      () => base().addJob({ id: 'j', file: folder, prompt: 'p' }),
      JobValidationError,
      'file_not_found',
      'not a file',
    );
  });

  it('the error carries the job id', () => {
    try {
      base().addJob({ id: 'named-7', messages: [] });
    } catch (error) {
      expect((error as JobValidationError).jobId).toBe('named-7');
    }
  });
});

describe('limits, options and run()', () => {
  it('.addCostLimit() and .addTimeLimit() need positive numbers', () => {
    expectRefused(() => base().addCostLimit({ usd: 0 }), ConfigurationError, 'invalid_limit', '`usd`');
    expectRefused(() => base().addCostLimit({ usd: -5 }), ConfigurationError, 'invalid_limit', '-5');
    expectRefused(() => base().addTimeLimit({}), ConfigurationError, 'invalid_limit', 'seconds');
    expectRefused(
      () => base().addTimeLimit({ minutes: -1 }),
      ConfigurationError,
      'invalid_limit',
      '`minutes`',
    );
    expectRefused(
      () => base().addTimeLimit({ hours: Number.NaN }),
      ConfigurationError,
      'invalid_limit',
      'NaN',
    );
  });

  it('new Batch() refuses non-positive concurrency, batch sizes and retries', () => {
    expectRefused(
      () => new Batch({ maxConcurrent: 0 }),
      ConfigurationError,
      'invalid_option',
      '`maxConcurrent`',
    );
    expectRefused(() => new Batch({ itemsPerBatch: 2.5 }), ConfigurationError, 'invalid_option', '2.5');
    expectRefused(() => new Batch({ maxRetries: -1 }), ConfigurationError, 'invalid_option', '`maxRetries`');
  });

  it('.run() with no jobs', async () => {
    await expect(base().run()).rejects.toMatchObject({ code: 'no_jobs' });
    await expect(base().run()).rejects.toBeInstanceOf(ConfigurationError);
    expect(emulator.stats().calls).toEqual({});
  });

  it('after run(), adding jobs, limits or defaults is refused: they would never take effect', async () => {
    // An emulator of its own: the other tests here check that nothing at all was sent.
    const own = await startEmulator();
    const batch = batchFor(own)
      .defaults({ model: 'claude-haiku-4-5' })
      .addJob({ id: 'first', messages: userMessage('x') });
    // Refused from the moment run() is called, while it still checks keys and prices.
    const started = batch.run({ wait: true });
    const late: [() => unknown, string][] = [
      [() => batch.addJob({ id: 'late', messages: userMessage('y') }), 'Job "late": addJob() after run()'],
      [() => batch.addCostLimit({ usd: 1 }), 'addCostLimit() after run()'],
      [() => batch.addTimeLimit({ minutes: 1 }), 'addTimeLimit() after run()'],
      [() => batch.defaults({ maxTokens: 10 }), 'defaults() after run()'],
    ];
    for (const [act, mention] of late) {
      expect(act).toThrow(ConfigurationError);
      expect(act).toThrow(
        expect.objectContaining({ code: 'already_run', message: expect.stringContaining(mention) }),
      );
    }
    const results = (await started).results();
    expect(Object.keys(results)).toEqual(['first']);
    for (const [act] of late) expect(act).toThrow(expect.objectContaining({ code: 'already_run' }));
    // Only the one job went out.
    expect(own.stats().batchesCreated.anthropic).toBe(1);
    await own.close();
  });

  it('.run() without an API key names the variable to set, and leaves the Batch open for more jobs', async () => {
    const saved = process.env.ANTHROPIC_API_KEY;
    delete process.env.ANTHROPIC_API_KEY;
    try {
      const batch = new Batch()
        .defaults({ model: 'claude-haiku-4-5' })
        .addJob({ messages: userMessage('x') });
      await expect(batch.run()).rejects.toMatchObject({
        code: 'missing_api_key',
        message: expect.stringContaining('ANTHROPIC_API_KEY'),
      });
      // Nothing was sent: the Batch was not run, so jobs and limits may still be added.
      expect(() =>
        batch.addJob({ id: 'more', messages: userMessage('y') }).addCostLimit({ usd: 1 }),
      ).not.toThrow();
    } finally {
      if (saved !== undefined) process.env.ANTHROPIC_API_KEY = saved;
    }
  });
});

describe('builder', () => {
  it('every method returns the builder, and per-job values override defaults', () => {
    const batch = base();
    expect(batch.defaults({ temperature: 0.2 })).toBe(batch);
    expect(batch.addCostLimit({ usd: 5 })).toBe(batch);
    expect(batch.addTimeLimit({ seconds: 30, minutes: 1 })).toBe(batch);
    expect(batch.setVerbosity('error')).toBe(batch);
    expect(batch.addJob({ messages: userMessage('x'), model: 'gpt-4o', temperature: 0.9 })).toBe(batch);
  });

  it('knows dated aliases and models registered by the user', () => {
    expect(() =>
      base().addJob({ messages: userMessage('x'), model: 'claude-haiku-4-5-20251001' }),
    ).not.toThrow();
    // An unheard-of Claude is accepted by its pattern, its maximum output unknown (so not checked)...
    expect(() =>
      base().addJob({ messages: userMessage('x'), model: 'claude-future-9', maxTokens: 5000 }),
    ).not.toThrow();
    // ...until the user tells batchwise what it is.
    registerModel({
      name: 'claude-future-9',
      provider: 'anthropic',
      maxOutputTokens: 1000,
      temperature: { min: 0, max: 1 },
      capabilities: { pdf: true, images: true, citations: true, structured: true },
    });
    expect(() =>
      base().addJob({ messages: userMessage('x'), model: 'claude-future-9', maxTokens: 1000 }),
    ).not.toThrow();
    expect(() =>
      base().addJob({ messages: userMessage('x'), model: 'claude-future-9', maxTokens: 1001 }),
    ).toThrow(/1000/);
  });

  it('drops a default temperature for reasoning models instead of refusing them', () => {
    expect(() =>
      base()
        .defaults({ temperature: 0 })
        .addJob({ messages: userMessage('x'), model: 'gpt-5-mini' }),
    ).not.toThrow();
  });

  it('a message key left undefined is not a field: accepted', () => {
    expect(() =>
      base().addJob({ messages: [{ role: 'user', content: 'x', name: undefined } as never] }),
    ).not.toThrow();
  });

  it('accepts a PDF path with a prompt', () => {
    expect(() => base().addJob({ file: pdfPath, prompt: 'Summarise', enableCitations: true })).not.toThrow();
  });
});

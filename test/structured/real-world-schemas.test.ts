import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { type Batch, JobValidationError } from '../../src/index.js';
import { batchFor, userMessage } from '../helpers/batch.js';

type Provider = 'openai' | 'anthropic';
const MODELS: Record<Provider, string> = { openai: 'gpt-4o-mini', anthropic: 'claude-sonnet-4-6' };

interface Case {
  name: string;
  schema: z.ZodObject;
  /** The `code` of the JobValidationError addJob throws, per provider; absent: the job runs and validates. */
  refused?: Partial<Record<Provider, string>>;
  /** A field path the refusal names. */
  path?: string;
}

const Node: z.ZodObject = z.object({
  name: z.string(),
  get children() {
    return z.array(Node);
  },
});
const manyOptional = z.object(
  Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`f${i}`, z.string().optional()])),
);
const manyNullable = z.object(
  Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`n${i}`, z.string().nullable()])),
);

const CASES: Case[] = [
  { name: 'flat-invoice', schema: z.object({ vendor: z.string(), total: z.number(), dueDate: z.string() }) },
  { name: 'integers', schema: z.object({ quantity: z.int(), year: z.int() }) },
  { name: 'bounded-ints', schema: z.object({ rating: z.int().min(1).max(5), pages: z.int().positive() }) },
  {
    name: 'positive-money',
    schema: z.object({ amount: z.number().positive(), tax: z.number().nonnegative() }),
  },
  { name: 'cents', schema: z.object({ price: z.number().multipleOf(0.01) }) },
  {
    name: 'string-lengths',
    schema: z.object({ title: z.string().min(3).max(80), code: z.string().length(3) }),
  },
  {
    name: 'enums',
    schema: z.object({ sentiment: z.enum(['positive', 'neutral', 'negative']), lang: z.enum(['en', 'de']) }),
  },
  {
    name: 'optional-fields',
    schema: z.object({ name: z.string(), nickname: z.string().optional(), age: z.int().optional() }),
  },
  {
    name: 'nullable-fields',
    schema: z.object({ name: z.string(), middleName: z.string().nullable(), score: z.number().nullable() }),
  },
  {
    name: 'nested-address',
    schema: z.object({
      person: z.object({
        name: z.string(),
        address: z.object({ street: z.string(), city: z.string(), zip: z.string().optional() }),
      }),
    }),
  },
  {
    name: 'line-items',
    schema: z.object({
      items: z.array(z.object({ description: z.string(), amount: z.number(), qty: z.int().min(1) })),
    }),
  },
  {
    name: 'bounded-array',
    schema: z.object({ tags: z.array(z.string()).max(5), keywords: z.array(z.string()).min(1) }),
  },
  { name: 'at-least-two', schema: z.object({ authors: z.array(z.string()).min(2).max(10) }) },
  { name: 'union', schema: z.object({ id: z.union([z.string(), z.int()]) }) },
  {
    name: 'discriminated-union',
    schema: z.object({
      payment: z.discriminatedUnion('kind', [
        z.object({ kind: z.literal('card'), last4: z.string().length(4) }),
        z.object({ kind: z.literal('bank'), iban: z.string() }),
      ]),
    }),
  },
  { name: 'literal-and-boolean', schema: z.object({ version: z.literal('v1'), approved: z.boolean() }) },
  { name: 'dates-as-strings', schema: z.object({ issued: z.iso.date(), updatedAt: z.iso.datetime() }) },
  { name: 'contact', schema: z.object({ email: z.email(), website: z.url(), id: z.uuid() }) },
  { name: 'defaults', schema: z.object({ currency: z.string().default('EUR'), count: z.int().default(0) }) },
  { name: 'described', schema: z.object({ summary: z.string().max(200).describe('One-sentence summary') }) },
  { name: 'nullable-enum', schema: z.object({ status: z.enum(['open', 'closed']).nullable() }) },
  { name: 'array-of-enums', schema: z.object({ colors: z.array(z.enum(['red', 'green', 'blue'])) }) },
  {
    name: 'contract',
    schema: z.object({
      parties: z.array(z.object({ name: z.string(), role: z.enum(['buyer', 'seller']) })).min(2),
      effectiveDate: z.iso.date(),
      termMonths: z.int().positive().max(120),
      governingLaw: z.string().optional(),
      renewal: z.object({ automatic: z.boolean(), noticeDays: z.int().nonnegative() }).nullable(),
    }),
  },
  {
    name: 'paper',
    schema: z.object({
      title: z.string(),
      year: z.int().min(1900).max(2100),
      authors: z.array(z.object({ name: z.string(), affiliation: z.string().optional() })),
      doi: z.string().optional(),
    }),
  },
  {
    name: 'record',
    schema: z.object({ counts: z.record(z.string(), z.number()) }),
    refused: { openai: 'schema_record_unsupported', anthropic: 'schema_record_unsupported' },
    path: 'counts',
  },
  {
    name: 'enum-keyed-record',
    schema: z.object({ totals: z.record(z.enum(['q1', 'q2']), z.number()) }),
    refused: { openai: 'schema_record_unsupported', anthropic: 'schema_record_unsupported' },
    path: 'totals',
  },
  {
    name: 'tuple',
    schema: z.object({ point: z.tuple([z.number(), z.number()]) }),
    refused: { openai: 'schema_tuple_unsupported', anthropic: 'schema_tuple_unsupported' },
    path: 'point',
  },
  {
    name: 'loose-object',
    schema: z.object({ meta: z.looseObject({ source: z.string() }) }),
    refused: { openai: 'schema_record_unsupported', anthropic: 'schema_record_unsupported' },
    path: 'meta',
  },
  {
    name: 'untyped',
    schema: z.object({ payload: z.unknown() }),
    refused: { openai: 'schema_untyped_field', anthropic: 'schema_untyped_field' },
    path: 'payload',
  },
  {
    name: 'recursive',
    schema: Node,
    refused: { anthropic: 'schema_recursive_unsupported' },
    path: 'children[]',
  },
  { name: 'many-optional', schema: manyOptional, refused: { anthropic: 'schema_too_complex' } },
  { name: 'many-nullable', schema: manyNullable, refused: { anthropic: 'schema_too_complex' } },
];

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ processingMs: 50 });
});
afterAll(() => emulator.close());

describe.each(['openai', 'anthropic'] as const)('real-world zod 4 schemas on %s', (provider) => {
  it('refuses at addJob, by name, what cannot be expressed; runs the rest and every answer validates', async () => {
    const batch: Batch = batchFor(emulator);
    const accepted: Case[] = [];
    for (const c of CASES) {
      const add = () =>
        batch.addJob({
          id: c.name,
          model: MODELS[provider],
          messages: userMessage(`Fill in the ${c.name} form.`),
          responseModel: c.schema,
        });
      const code = c.refused?.[provider];
      if (!code) {
        add();
        accepted.push(c);
        continue;
      }
      let error: unknown;
      try {
        add();
      } catch (caught) {
        error = caught;
      }
      expect(error, c.name).toBeInstanceOf(JobValidationError);
      expect((error as JobValidationError).code, c.name).toBe(code);
      expect((error as JobValidationError).jobId).toBe(c.name);
      expect((error as Error).message).toContain(`Job "${c.name}"`);
      if (c.path) expect((error as Error).message).toContain(`\`${c.path}\``);
    }
    expect(accepted.length).toBeGreaterThanOrEqual(24);

    const run = await batch.run({ wait: true });
    const results = run.results();
    for (const c of accepted) {
      const result = results[c.name]!;
      expect({ name: c.name, status: result.status, error: result.error }).toEqual({
        name: c.name,
        status: 'succeeded',
        error: null,
      });
      expect(c.schema.safeParse(result.parsedResponse).success, c.name).toBe(true);
    }
  });
});

describe('the bodies sent', () => {
  it('Anthropic gets no keyword its output_config refuses; OpenAI no format outside its list', async () => {
    const schema = z.object({
      rating: z.int().min(1).max(5),
      site: z.url(),
      tags: z.array(z.string()).min(2).max(4),
    });
    const batch = batchFor(emulator)
      .addJob({ id: 'a', model: MODELS.anthropic, messages: userMessage('x'), responseModel: schema })
      .addJob({ id: 'o', model: MODELS.openai, messages: userMessage('x'), responseModel: schema });
    const plan = await batch.dryRun();
    const bodies = JSON.stringify(plan);
    const request = plan.jobs.find((job) => job.jobId === 'a')!.request as {
      params: { output_config: unknown };
    };
    const anthropic = JSON.stringify(request.params.output_config);
    expect(anthropic).not.toMatch(/"(minimum|maximum|minItems|maxItems)"/);
    expect(anthropic).toContain('{minimum: 1, maximum: 5}');
    expect(bodies).toContain('\\"uri\\"');
  });
});

import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { z as z3 } from 'zod/v3';
import { zodToJsonSchema } from 'zod-to-json-schema';
import { Batch } from '../../src/index.js';
import { normalizeJob } from '../../src/jobs/normalize-job.js';
import { outputSpecFor } from '../../src/jobs/output-spec.js';
import { jobDigest } from '../../src/store/fingerprint.js';
import { extractJson, parseOutput } from '../../src/structured/parse-output.js';
import { toJsonSchema } from '../../src/structured/schema.js';
import { toStrictSchema } from '../../src/structured/strict-schema.js';

// biome-ignore lint/suspicious/noExplicitAny: assertions read deep into JSON Schema objects
type Json = Record<string, any>;

const invoice4 = z.object({
  vendor: z.string().describe('Who issued the invoice'),
  status: z.enum(['open', 'paid']),
  total: z.number(),
  note: z.string().optional(),
  address: z.object({ city: z.string(), zip: z.string().optional() }),
  lineItems: z.array(z.object({ description: z.string(), amount: z.number() })),
});
const invoice3 = z3.object({
  vendor: z3.string().describe('Who issued the invoice'),
  status: z3.enum(['open', 'paid']),
  total: z3.number(),
  note: z3.string().optional(),
  address: z3.object({ city: z3.string(), zip: z3.string().optional() }),
  lineItems: z3.array(z3.object({ description: z3.string(), amount: z3.number() })),
});

describe('toJsonSchema', () => {
  for (const [version, schema] of [
    ['zod 4', invoice4],
    ['zod 3', invoice3],
  ] as const) {
    it(`keeps every field, description, enum, array, optional and nested object (${version})`, () => {
      const json = toJsonSchema(schema) as Json;
      expect(json.type).toBe('object');
      expect(Object.keys(json.properties)).toEqual([
        'vendor',
        'status',
        'total',
        'note',
        'address',
        'lineItems',
      ]);
      expect(json.properties.vendor).toMatchObject({ type: 'string', description: 'Who issued the invoice' });
      expect(json.properties.status.enum).toEqual(['open', 'paid']);
      expect(json.required).toEqual(['vendor', 'status', 'total', 'address', 'lineItems']);
      expect(json.properties.address).toMatchObject({
        type: 'object',
        properties: { city: { type: 'string' } },
        required: ['city'],
      });
      expect(json.properties.lineItems).toMatchObject({
        type: 'array',
        items: {
          type: 'object',
          properties: { description: { type: 'string' }, amount: { type: 'number' } },
        },
      });
      expect(json).not.toHaveProperty('$schema');
    });
  }

  it('never routes a zod 4 schema through zod-to-json-schema, which would return an empty schema', () => {
    const wrong = zodToJsonSchema(invoice4 as never) as Json;
    expect(wrong.properties).toBeUndefined();
    expect(Object.keys((toJsonSchema(invoice4) as Json).properties)).toHaveLength(6);
  });
});

describe('toStrictSchema', () => {
  it('closes every object, requires every field and makes optional ones nullable', () => {
    const { schema, nullableOptional } = toStrictSchema(toJsonSchema(invoice4));
    const strict = schema as Json;
    const objects = [strict, strict.properties.address, strict.properties.lineItems.items];
    for (const object of objects) {
      expect(object.additionalProperties).toBe(false);
      expect(object.required).toEqual(Object.keys(object.properties));
    }
    expect(strict.properties.note).toEqual({ anyOf: [{ type: 'string' }, { type: 'null' }] });
    expect(strict.properties.address.properties.zip).toEqual({
      anyOf: [{ type: 'string' }, { type: 'null' }],
    });
    expect(nullableOptional.drop({ note: null, address: { city: 'x', zip: null } })).toEqual({
      address: { city: 'x' },
    });
  });

  it('drops the nulls it put for absent optional fields, only there', () => {
    const { nullableOptional } = toStrictSchema(toJsonSchema(invoice4));
    const value = { note: null, vendor: null, address: { city: 'x', zip: null } };
    expect(nullableOptional.drop(value)).toEqual({ vendor: null, address: { city: 'x' } });
    expect(value.note).toBeNull();
    const items = toStrictSchema(
      toJsonSchema(z.object({ items: z.array(z.object({ a: z.number().optional() })) })),
    );
    expect(items.nullableOptional.drop({ items: [{ a: null }, { a: 1 }] })).toEqual({
      items: [{}, { a: 1 }],
    });
  });

  it('knows a field by the union branch it is in, not by its name: a required null in one branch stays', async () => {
    const schema = z.object({
      shape: z.union([
        z.object({ kind: z.literal('a'), x: z.string().nullable() }),
        z.object({ kind: z.literal('b'), x: z.string().optional() }),
      ]),
    });
    const { nullableOptional } = toStrictSchema(toJsonSchema(schema));
    expect(nullableOptional.drop({ shape: { kind: 'a', x: null } })).toEqual({
      shape: { kind: 'a', x: null },
    });
    expect(nullableOptional.drop({ shape: { kind: 'b', x: null } })).toEqual({ shape: { kind: 'b' } });
    const parsed = await parseOutput(
      JSON.stringify({ shape: { kind: 'a', x: null } }),
      schema,
      nullableOptional,
    );
    expect(parsed).toMatchObject({ ok: true, value: { shape: { kind: 'a', x: null } } });
  });

  it('follows every branch an answer fits: a null goes where each of them makes the field optional', async () => {
    // Branches with the same keys, a union of arrays, and a discriminator one level down.
    const schema = z.object({
      amount: z.union([
        z.object({ value: z.number(), currency: z.string().optional() }),
        z.object({ value: z.string(), currency: z.string().optional() }),
      ]),
      rows: z.union([z.array(z.object({ a: z.string().optional() })), z.array(z.object({ b: z.number() }))]),
      shape: z.union([
        z.object({ meta: z.object({ kind: z.literal('a') }), x: z.string().nullable() }),
        z.object({ meta: z.object({ kind: z.literal('b') }), x: z.string().optional() }),
      ]),
      other: z.union([
        z.object({ meta: z.object({ kind: z.literal('a') }), x: z.string().optional() }),
        z.object({ meta: z.object({ kind: z.literal('b') }), x: z.string().nullable() }),
      ]),
    });
    const { nullableOptional } = toStrictSchema(toJsonSchema(schema));
    const answer = {
      amount: { value: 0, currency: null },
      rows: [{ a: null }],
      shape: { meta: { kind: 'a' }, x: null },
      other: { meta: { kind: 'a' }, x: null },
    };
    const parsed = await parseOutput(JSON.stringify(answer), schema, nullableOptional);
    expect(parsed).toMatchObject({
      ok: true,
      value: {
        amount: { value: 0 },
        rows: [{}],
        shape: { meta: { kind: 'a' }, x: null },
        other: { meta: { kind: 'a' } },
      },
    });
  });

  it('branches told apart only by a constraint (an integer, a refinement): the answer zod takes is found', async () => {
    const schema = z.object({
      v: z.union([
        z.object({ count: z.number().int(), note: z.string().nullable() }),
        z.object({ count: z.number(), note: z.string().optional() }),
      ]),
      w: z.union([
        z.object({ n: z.number().min(10), note: z.string().nullable() }),
        z.object({ n: z.number(), note: z.string().optional() }),
      ]),
    });
    const { nullableOptional } = toStrictSchema(toJsonSchema(schema));
    const answer = { v: { count: 2.5, note: null }, w: { n: 3, note: null } };
    const parsed = await parseOutput(JSON.stringify(answer), schema, nullableOptional);
    expect(parsed).toMatchObject({ ok: true, value: { v: { count: 2.5 }, w: { n: 3 } } });
    // A null the required-nullable branch takes stays.
    const kept = await parseOutput(
      JSON.stringify({ v: { count: 2, note: null }, w: { n: 12, note: null } }),
      schema,
      nullableOptional,
    );
    expect(kept).toMatchObject({
      ok: true,
      value: { v: { count: 2, note: null }, w: { n: 12, note: null } },
    });
  });

  it('a field named `*` is a field like any other', async () => {
    const schema = z.object({ '*': z.string().optional(), list: z.array(z.object({ v: z.number() })) });
    const { nullableOptional } = toStrictSchema(toJsonSchema(schema));
    const parsed = await parseOutput(
      JSON.stringify({ '*': null, list: [{ v: 1 }] }),
      schema,
      nullableOptional,
    );
    expect(parsed).toMatchObject({ ok: true, value: { list: [{ v: 1 }] } });
  });

  it('closes the objects of named and recursive types in $defs, and drops their nulls through $ref', async () => {
    const Address = z.object({ city: z.string(), zip: z.string().optional() }).meta({ id: 'Address' });
    interface Part {
      name: string;
      note?: string;
      parts: Part[];
    }
    const Part: z.ZodType<Part> = z.object({
      name: z.string(),
      note: z.string().optional(),
      get parts() {
        return z.array(Part);
      },
    });
    const schema = z.object({ home: Address, work: Address.optional(), assembly: Part });
    const json = toJsonSchema(schema) as Json;
    const defs = json.$defs as Json;
    expect(Object.keys(defs).length).toBeGreaterThanOrEqual(2);
    const { schema: strict, nullableOptional } = toStrictSchema(json);
    for (const def of Object.values((strict as Json).$defs as Json)) {
      expect(def.additionalProperties).toBe(false);
      expect(def.required).toEqual(Object.keys(def.properties));
    }
    const answer = {
      home: { city: 'Oslo', zip: null },
      work: null,
      assembly: { name: 'a', note: null, parts: [{ name: 'b', note: null, parts: [] }] },
    };
    const parsed = await parseOutput(JSON.stringify(answer), schema, nullableOptional);
    expect(parsed).toMatchObject({
      ok: true,
      value: { home: { city: 'Oslo' }, assembly: { name: 'a', parts: [{ name: 'b', parts: [] }] } },
    });
  });
});

describe('parseOutput', () => {
  const valid = { vendor: 'Acme', status: 'paid', total: 5, address: { city: 'Oslo' }, lineItems: [] };

  it('accepts JSON alone, in a fence, or inside prose, and validates with the schema', async () => {
    for (const text of [
      JSON.stringify(valid),
      `\`\`\`json\n${JSON.stringify(valid)}\n\`\`\``,
      `Here: ${JSON.stringify(valid)} done.`,
    ]) {
      expect(await parseOutput(text, invoice4)).toMatchObject({ ok: true, value: valid });
    }
    expect(extractJson('no json here')).toBeUndefined();
  });

  it('reports where the answer fails the schema, never returning a half-parsed object', async () => {
    const result = await parseOutput(JSON.stringify({ ...valid, total: 'five', status: 'late' }), invoice3);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((i) => i.path).sort()).toEqual(['status', 'total']);
    expect(await parseOutput('{"vendor": ', invoice4)).toMatchObject({
      ok: false,
      message: 'the response is not JSON',
    });
  });
});

describe('zod 3 types JSON cannot carry', () => {
  it('are refused at addJob with the field and the fix; their coerce forms pass', () => {
    for (const [field, type, says] of [
      ['due', z3.date(), 'z.date()'],
      ['big', z3.bigint(), 'z.bigint()'],
      ['tags', z3.set(z3.string()), 'z.set()'],
    ] as const) {
      const schema = z3.object({ name: z3.string(), nested: z3.object({ [field]: type.optional() }) });
      const spec = outputSpecFor(schema);
      expect(typeof spec, field).toBe('string');
      expect(spec).toContain(`nested.${field} is ${says}`);
    }
    expect(typeof outputSpecFor(z3.object({ due: z3.coerce.date(), n: z3.number() }))).toBe('object');
    expect(outputSpecFor(z3.object({ n: z3.literal(5n) }))).toContain('n is a z.literal() of a bigint');
    expect(outputSpecFor(z3.object({ n: z3.coerce.bigint().default(5n) }))).toContain(
      'n has a bigint .default()',
    );
  });

  it('a recursive schema is refused by the field that refers back, and nothing is printed to the console', () => {
    interface Category {
      name: string;
      children: Category[];
    }
    const Category: z3.ZodType<Category> = z3.lazy(() =>
      z3.object({ name: z3.string(), children: z3.array(Category) }),
    );
    const warnings: unknown[] = [];
    const original = console.warn;
    console.warn = (...args: unknown[]) => warnings.push(args);
    try {
      const spec = outputSpecFor(z3.object({ root: Category }));
      expect(spec).toContain('root.children[] refers back to an enclosing schema');
      // A schema used twice, not inside itself, is no recursion.
      const Address = z3.object({ city: z3.string() });
      expect(typeof outputSpecFor(z3.object({ home: Address, work: Address }))).toBe('object');
      // Through a tuple's rest.
      const Row: z3.ZodType = z3.lazy(() => z3.object({ cells: z3.tuple([z3.string()]).rest(Row) }));
      expect(outputSpecFor(z3.object({ row: Row }))).toContain('row.cells[] refers back');
      // On a pipe's output side only: what is sent (the input side) is not recursive, and the job digest does not
      // convert the output side either.
      const Parsed: z3.ZodType = z3.lazy(() =>
        z3.object({ s: z3.string().pipe(z3.object({ inner: Parsed }).or(z3.string())) }),
      );
      expect(typeof outputSpecFor(z3.object({ parsed: Parsed }))).toBe('object');
    } finally {
      console.warn = original;
    }
    expect(warnings).toEqual([]);
  });
});

describe('zod 4 types JSON cannot carry', () => {
  it('are refused at addJob with the field path and the fix, z.file() among them; their coerce forms are sent as JSON types', () => {
    for (const [type, says] of [
      [z.date(), 'z.date() (JSON has no dates'],
      [z.bigint(), 'z.bigint()'],
      [z.file(), 'z.file()'],
      [z.custom<string>(), 'z.custom()'],
      [z.literal(5n), 'a z.literal() of a bigint'],
      [z.union([z.string(), z.date()]), 'z.date()'],
    ] as const) {
      const schema = z.object({
        name: z.string(),
        lineItems: z.array(z.object({ shippedAt: type.optional() })),
      });
      const spec = outputSpecFor(schema);
      expect(typeof spec, says).toBe('string');
      expect(spec).toContain(`lineItems[].shippedAt is ${says}`);
    }
    const coerced = outputSpecFor(z.object({ due: z.coerce.date(), n: z.coerce.bigint() }));
    if (typeof coerced === 'string') throw new Error(coerced);
    expect(coerced.jsonSchema.properties).toEqual({
      due: { type: 'string', format: 'date-time' },
      n: { type: 'integer' },
    });
    // A bigint default or catch value stays out of the schema (JSON cannot carry it); zod fills it in.
    for (const fallback of [z.coerce.bigint().default(5n), z.coerce.bigint().catch(5n)]) {
      const spec = outputSpecFor(z.object({ n: fallback }));
      if (typeof spec === 'string') throw new Error(spec);
      expect(spec.jsonSchema.properties).toEqual({ n: { type: 'integer' } });
    }
  });

  it('a pipe into a type JSON cannot carry is refused unless a transform comes first (zod 4 and zod 3)', () => {
    // TypeScript refuses this pipe; plain JavaScript (or a cast) does not.
    expect(outputSpecFor(z.object({ f: z.string().pipe(z.date() as never) }))).toContain(
      'f pipes into z.date()',
    );
    expect(outputSpecFor(z3.object({ f: z3.string().pipe(z3.date()) }))).toContain('f pipes into z.date()');
    for (const fine of [
      z.object({
        f: z
          .string()
          .transform((s) => new Date(s))
          .pipe(z.date()),
      }),
      z.object({ f: z.string().pipe(z.coerce.date()) }),
      z.object({ f: z.string().transform((s) => s.length) }),
      z.object({
        f: z.codec(z.iso.datetime(), z.date(), {
          decode: (s) => new Date(s),
          encode: (d) => d.toISOString(),
        }),
      }),
      z3.object({
        f: z3
          .string()
          .transform((s) => new Date(s))
          .pipe(z3.date()),
      }),
      z3.object({ f: z3.string().pipe(z3.coerce.date()) }),
    ])
      expect(typeof outputSpecFor(fine)).toBe('object');
  });

  it('a z.file() field is refused at addJob for Claude too, before anything is sent', () => {
    const batch = new Batch({ anthropic: { apiKey: 'k' } });
    expect(() =>
      batch.addJob({
        id: 'a',
        model: 'claude-haiku-4-5',
        messages: [{ role: 'user', content: 'x' }],
        responseModel: z.object({ doc: z.file() }),
      }),
    ).toThrow(
      expect.objectContaining({
        code: 'invalid_response_model',
        message: expect.stringContaining('doc is z.file()'),
      }),
    );
  });
});

describe('a schema not made of one zod', () => {
  it('a zod 3 field in a zod 4 object, or a look-alike of a schema, is refused saying to build it with one zod', () => {
    const lookAlike = { '~standard': { validate: () => ({ value: 1 }), vendor: 'x', version: 1 } };
    for (const responseModel of [z.object({ a: z3.string() as never }), lookAlike]) {
      expect(() =>
        new Batch().addJob({
          id: 'mixed',
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: 'x' }],
          responseModel: responseModel as never,
        }),
      ).toThrow(
        expect.objectContaining({
          code: 'invalid_response_model',
          message: expect.stringContaining('it is not made of one zod'),
        }),
      );
    }
  });
});

describe("OpenAI's schema size limits", () => {
  const nested = (levels: number): z.ZodObject =>
    levels === 1 ? z.object({ leaf: z.string() }) : z.object({ inner: nested(levels - 1) });
  const add = (model: string, responseModel: z.ZodObject) => () =>
    new Batch().addJob({ id: 'big', model, messages: [{ role: 'user', content: 'x' }], responseModel });

  it('a schema past 10 levels, 5,000 properties or 1,000 enum values is refused at addJob for OpenAI, naming the field', () => {
    const wide = z.object(Object.fromEntries(Array.from({ length: 5_001 }, (_, i) => [`f${i}`, z.string()])));
    const choices = z.object({
      pick: z.enum(Array.from({ length: 1_001 }, (_, i) => `v${i}`) as [string, ...string[]]),
    });
    for (const [schema, words] of [
      [nested(11), '`inner.inner.inner.inner.inner.inner.inner.inner.inner.inner` is 11 objects deep'],
      [wide, '5001 object properties'],
      [choices, '1001 enum values'],
    ] as const) {
      expect(add('gpt-4o-mini', schema)).toThrow(
        expect.objectContaining({
          code: 'schema_too_large',
          jobId: 'big',
          message: expect.stringContaining(words),
        }),
      );
    }
    expect(add('gpt-4o-mini', nested(10))).not.toThrow();
  });
});

describe('issue paths', () => {
  it('use the notation of citationMappings: lineItems[1].amount, and quote keys with dots', async () => {
    const schema = z.object({
      lineItems: z.array(z.object({ amount: z.number() })),
      meta: z.object({ 'a.b': z.number() }),
    });
    const parsed = await parseOutput(
      JSON.stringify({ lineItems: [{ amount: 1 }, { amount: 'x' }], meta: { 'a.b': 'y' } }),
      schema,
    );
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.issues.map((issue) => issue.path).sort()).toEqual(['lineItems[1].amount', 'meta["a.b"]']);
  });
});

describe('sending the input side changes nothing that worked before', () => {
  const schema = z.object({
    vendor: z.string(),
    total: z.number(),
    note: z.string().default('none'),
    tags: z.array(z.string()).optional(),
  });

  it('job digests are those batchwise 0.1 wrote, so its state files still resume', () => {
    // Digests computed by batchwise at 9f54796 (before the input side was sent) for these exact jobs.
    for (const [model, digest] of [
      ['claude-haiku-4-5', 'bab93308051e42a4'],
      ['gpt-4o-mini', 'b0f93da97067f0fc'],
    ] as const) {
      const job = normalizeJob(
        { id: 'j', model, messages: [{ role: 'user', content: 'Extract' }], responseModel: schema },
        {},
        0,
        new Set(),
      );
      expect(jobDigest(job), model).toBe(digest);
    }
  });

  it('a field with a default stays required, so 25 of them still fit Claude (24 optional at most)', () => {
    const spec = outputSpecFor(schema);
    if (typeof spec === 'string') throw new Error(spec);
    expect(spec.jsonSchema.required).toEqual(['vendor', 'total', 'note']);
    const many = z.object(
      Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`f${i}`, z.string().default('')])),
    );
    const job = () =>
      normalizeJob(
        {
          id: 'j',
          model: 'claude-haiku-4-5',
          messages: [{ role: 'user', content: 'x' }],
          responseModel: many,
        },
        {},
        0,
        new Set(),
      );
    expect(job).not.toThrow();
  });
});

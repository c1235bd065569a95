import type Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { chatBody, clientsFor, jsonlLine, readLines, until, uploadJsonl } from '../helpers/clients.js';

let emulator: Emulator;
let clients: ReturnType<typeof clientsFor>;

beforeAll(async () => {
  emulator = await startEmulator({ processingMs: 100 });
  clients = clientsFor(emulator);
});
afterAll(() => emulator.close());

const closed = (properties: Record<string, unknown>) => ({
  type: 'object',
  properties,
  required: Object.keys(properties),
  additionalProperties: false,
});

async function anthropicResults(schemas: Record<string, Record<string, unknown>>) {
  const { anthropic } = clients;
  const batch = await anthropic.messages.batches.create({
    requests: Object.entries(schemas).map(([customId, schema]) => ({
      custom_id: customId,
      params: {
        model: 'claude-haiku-4-5',
        max_tokens: 200,
        messages: [{ role: 'user', content: 'Count: 3' }],
        output_config: { format: { type: 'json_schema', schema } },
      } as Anthropic.Messages.MessageCreateParamsNonStreaming,
    })),
  });
  const ended = await until(
    () => anthropic.messages.batches.retrieve(batch.id),
    (b) => b.processing_status === 'ended',
  );
  const byId: Record<string, Anthropic.Messages.Batches.MessageBatchResult> = {};
  for await (const line of await anthropic.messages.batches.results(batch.id))
    byId[line.custom_id] = line.result;
  return { ended, byId };
}

describe('Anthropic output_config schema rules', () => {
  it('errors the request (not the batch) whose schema has `minimum`, with the real message', async () => {
    const { ended, byId } = await anthropicResults({
      bounded: closed({ count: { type: 'integer', minimum: 0 } }),
      described: closed({ count: { type: 'integer', description: '{minimum: 0}' } }),
    });
    expect(ended.request_counts).toMatchObject({ succeeded: 1, errored: 1 });
    expect(byId.bounded).toEqual({
      type: 'errored',
      error: {
        type: 'error',
        error: {
          type: 'invalid_request_error',
          message: "output_config.format.schema: For 'integer' type, property 'minimum' is not supported",
        },
        request_id: expect.any(String),
      },
    });
    expect(byId.described?.type).toBe('succeeded');
  });

  it('refuses string lengths, maxItems, minItems above 1, oneOf, open objects, recursion and too many optionals', async () => {
    const many = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`f${i}`, { type: 'string' }]));
    const { byId } = await anthropicResults({
      maxLength: closed({ name: { type: 'string', maxLength: 5 } }),
      maxItems: closed({ tags: { type: 'array', items: { type: 'string' }, maxItems: 3 } }),
      minItems: closed({ tags: { type: 'array', items: { type: 'string' }, minItems: 2 } }),
      minItemsOne: closed({ tags: { type: 'array', items: { type: 'string' }, minItems: 1 } }),
      oneOf: closed({ v: { oneOf: [{ type: 'string' }, { type: 'number' }] } }),
      open: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] },
      recursive: closed({ name: { type: 'string' }, children: { type: 'array', items: { $ref: '#' } } }),
      optional: { type: 'object', properties: many, required: [], additionalProperties: false },
    });
    const message = (id: string) => {
      const result = byId[id] as Anthropic.Messages.Batches.MessageBatchErroredResult;
      return result.type === 'errored' ? result.error.error.message : `(${result.type})`;
    };
    expect(message('maxLength')).toBe(
      "output_config.format.schema: For 'string' type, property 'maxLength' is not supported",
    );
    expect(message('maxItems')).toMatch(/'maxItems' is not supported/);
    expect(message('minItems')).toMatch(/'minItems' values other than 0 or 1/);
    expect(byId.minItemsOne?.type).toBe('succeeded');
    expect(message('oneOf')).toMatch(/'oneOf' is not supported/);
    expect(message('open')).toMatch(/'additionalProperties' must be explicitly set to false/);
    expect(message('recursive')).toMatch(/Recursive schemas are not supported/);
    expect(message('optional')).toMatch(/too many optional parameters \(25\).*limit: 24/);
  });
});

describe('OpenAI strict json_schema rules', () => {
  const line = (customId: string, schema: Record<string, unknown>) =>
    jsonlLine(customId, {
      ...chatBody('Count: 3'),
      response_format: { type: 'json_schema', json_schema: { name: 'response', schema, strict: true } },
    });

  async function run(lines: string[]) {
    const { openai } = clients;
    const file = await uploadJsonl(openai, lines);
    const batch = await openai.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    const done = await until(
      () => openai.batches.retrieve(batch.id),
      (b: OpenAI.Batches.Batch) => b.status === 'completed' || b.status === 'failed',
    );
    expect(done.status).toBe('completed');
    const errors = done.error_file_id ? await readLines(await openai.files.content(done.error_file_id)) : [];
    return Object.fromEntries(errors.map((row) => [row.custom_id as string, row]));
  }

  it('puts a line whose strict schema uses prefixItems in the error file as a 400, with the real message shape', async () => {
    const errors = await run([
      line(
        'tuple',
        closed({ pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }] } }),
      ),
      line('fine', closed({ count: { type: 'integer' } })),
    ]);
    expect(Object.keys(errors)).toEqual(['tuple']);
    expect(errors.tuple).toMatchObject({
      response: {
        status_code: 400,
        body: {
          error: {
            message:
              "Invalid schema for response_format 'response': In context=('properties', 'pair'), 'prefixItems' is not permitted.",
            type: 'invalid_request_error',
            param: 'response_format',
          },
        },
      },
    });
  });

  it('refuses a missing additionalProperties: false, a property not in required, and the uri format', async () => {
    const errors = await run([
      line('open', {
        type: 'object',
        properties: { a: { type: 'object', properties: { b: { type: 'string' } }, required: ['b'] } },
        required: ['a'],
        additionalProperties: false,
      }),
      line('required', {
        type: 'object',
        properties: { a: { type: 'string' }, b: { type: 'string' } },
        required: ['a'],
        additionalProperties: false,
      }),
      line('uri', closed({ site: { type: 'string', format: 'uri' } })),
    ]);
    const message = (id: string) =>
      (errors[id]?.response as { body: { error: { message: string } } } | undefined)?.body.error.message;
    expect(message('open')).toBe(
      "Invalid schema for response_format 'response': In context=('properties', 'a'), 'additionalProperties' is required to be supplied and to be false.",
    );
    expect(message('required')).toBe(
      "Invalid schema for response_format 'response': In context=(), 'required' is required to be supplied and to be an array including every key in properties. Missing 'b'.",
    );
    expect(message('uri')).toMatch(/In context=\('properties', 'site'\), 'uri' is not a valid format\./);
  });

  it('refuses a schema past the size limits: 10 levels of nesting, 5,000 properties, 1,000 enum values', async () => {
    const nested = (levels: number): Record<string, unknown> =>
      levels === 1 ? closed({ leaf: { type: 'string' } }) : closed({ inner: nested(levels - 1) });
    const wide = (count: number) =>
      closed(Object.fromEntries(Array.from({ length: count }, (_, i) => [`f${i}`, { type: 'string' }])));
    const choices = (count: number) =>
      closed({ pick: { type: 'string', enum: Array.from({ length: count }, (_, i) => `v${i}`) } });
    const errors = await run([
      line('deep', nested(11)),
      line('deepEnough', nested(10)),
      line('wide', wide(5_001)),
      line('wideEnough', wide(5_000)),
      line('choices', choices(1_001)),
      line('choicesEnough', choices(1_000)),
    ]);
    const message = (id: string) =>
      (errors[id]?.response as { body: { error: { message: string } } } | undefined)?.body.error.message;
    expect(Object.keys(errors).sort()).toEqual(['choices', 'deep', 'wide']);
    expect(message('deep')).toBe(
      "Invalid schema for response_format 'response': 11 levels of nesting exceeds limit of 10.",
    );
    expect(message('wide')).toContain('5001 object properties exceeds limit of 5000.');
    expect(message('choices')).toContain('1001 enum values exceeds limit of 1000.');
  });
});

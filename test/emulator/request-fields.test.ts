import Anthropic from '@anthropic-ai/sdk';
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

type Params = Anthropic.Messages.MessageCreateParamsNonStreaming;
type Result = Anthropic.Messages.Batches.MessageBatchResult;

const params = (extra: Record<string, unknown> = {}, text = 'Say hello'): Params =>
  ({
    model: 'claude-sonnet-4-6',
    max_tokens: 4_000,
    messages: [{ role: 'user', content: text }],
    ...extra,
  }) as Params;

async function anthropicResults(client: Anthropic, requests: Record<string, Params>) {
  const batch = await client.messages.batches.create({
    requests: Object.entries(requests).map(([customId, p]) => ({ custom_id: customId, params: p })),
  });
  await until(
    () => client.messages.batches.retrieve(batch.id),
    (b) => b.processing_status === 'ended',
  );
  const byId: Record<string, Result> = {};
  for await (const line of await client.messages.batches.results(batch.id))
    byId[line.custom_id] = line.result;
  return { batchId: batch.id, byId };
}

const errorOf = (result: Result | undefined) =>
  result?.type === 'errored' ? result.error.error.message : `(${result?.type})`;

describe('Anthropic request fields', () => {
  it('refuses unknown top-level fields, and the sampling fields API version 2026-10-21 removed', async () => {
    const { byId } = await anthropicResults(clients.anthropic, {
      unknown: params({ frobnicate: true }),
      temperature: params({ temperature: 1 }),
      topK: params({ top_k: 5 }),
      known: params({ stop_sequences: ['END'], metadata: { user_id: 'u' }, service_tier: 'auto' }),
    });
    expect(errorOf(byId.unknown)).toBe('frobnicate: Extra inputs are not permitted');
    expect(errorOf(byId.temperature)).toBe('temperature: Extra inputs are not permitted');
    expect(errorOf(byId.topK)).toBe('top_k: Extra inputs are not permitted');
    expect(byId.known?.type).toBe('succeeded');
  });

  it('refuses metadata other than a string user_id and a fractional max_tokens, with pydantic wordings', async () => {
    const { byId } = await anthropicResults(clients.anthropic, {
      extraKey: params({ metadata: { user_id: 'u', team: 'x' } }),
      userType: params({ metadata: { user_id: 5 } }),
      fraction: params({ max_tokens: 1.5 }),
      fine: params({ metadata: { user_id: 'u-1' } }),
    });
    expect(errorOf(byId.extraKey)).toBe('metadata.team: Extra inputs are not permitted');
    expect(errorOf(byId.userType)).toBe('metadata.user_id: Input should be a valid string');
    expect(errorOf(byId.fraction)).toBe(
      'max_tokens: Input should be a valid integer, got a number with a fractional part',
    );
    expect(byId.fine?.type).toBe('succeeded');
  });

  it('refuses a cache_control TTL other than 5m or 1h; bills every input token of a marked request as a cache write', async () => {
    const marked = (cacheControl: Record<string, unknown>) => params({ cache_control: cacheControl });
    const { byId } = await anthropicResults(clients.anthropic, {
      twoHours: marked({ type: 'ephemeral', ttl: '2h' }),
      hour: marked({ type: 'ephemeral', ttl: '1h' }),
      plain: params({}),
    });
    expect(errorOf(byId.twoHours)).toBe("cache_control.ttl: Input should be '5m' or '1h'");
    if (byId.hour?.type !== 'succeeded' || byId.plain?.type !== 'succeeded')
      throw new Error('expected successes');
    const hour = byId.hour.message.usage;
    expect(hour.input_tokens).toBe(0);
    expect(hour.cache_creation_input_tokens).toBe(byId.plain.message.usage.input_tokens);
    expect(hour.cache_creation?.ephemeral_1h_input_tokens).toBe(hour.cache_creation_input_tokens);
    expect(byId.plain.message.usage.cache_creation_input_tokens).toBe(0);
  });

  it('takes inference_geo global or us from Claude Opus 4.6 on, says where it ran, and bills US-only as such', async () => {
    const { batchId, byId } = await anthropicResults(clients.anthropic, {
      us: params({ inference_geo: 'us' }),
      global: params({ inference_geo: 'global' }),
      unset: params({}),
      eu: params({ inference_geo: 'eu' }),
      legacy: { ...params({ inference_geo: 'us' }), model: 'claude-haiku-4-5' },
      legacyUnset: { ...params({}), model: 'claude-haiku-4-5' },
    });
    expect(errorOf(byId.eu)).toBe("inference_geo: Input should be 'global' or 'us'");
    expect(errorOf(byId.legacy)).toContain('inference_geo: not supported for model claude-haiku-4-5');
    const ran = (result: Result | undefined) =>
      result?.type === 'succeeded'
        ? (result.message.usage as { inference_geo?: string }).inference_geo
        : '(none)';
    expect([ran(byId.us), ran(byId.global), ran(byId.unset), ran(byId.legacyUnset)]).toEqual([
      'us',
      'global',
      'global',
      null,
    ]);
    const billed = (await emulator.billing()).requests.filter((r) => r.batchId === batchId);
    expect(billed.filter((r) => r.inferenceGeo === 'us').map((r) => r.customId)).toEqual(['us']);
  });

  it('refuses an assistant prefill that ends with whitespace, as the API does; takes one that does not', async () => {
    const prefill = (text: string) =>
      ({
        model: 'claude-sonnet-4-6',
        max_tokens: 100,
        messages: [
          { role: 'user', content: 'Name a colour.' },
          { role: 'assistant', content: text },
        ],
      }) as Params;
    const blocks = prefill('');
    blocks.messages[1]!.content = [{ type: 'text', text: 'The colour is\n' }];
    const { byId } = await anthropicResults(clients.anthropic, {
      space: prefill('The colour is '),
      blocks,
      clean: prefill('The colour is'),
    });
    expect(errorOf(byId.space)).toBe('messages: final assistant content cannot end with trailing whitespace');
    expect(errorOf(byId.blocks)).toBe(
      'messages: final assistant content cannot end with trailing whitespace',
    );
    expect(byId.clean?.type).toBe('succeeded');
  });

  it('refuses empty or blank text and a message with no blocks, as the API does; a last assistant turn may be empty', async () => {
    const turns = (...messages: { role: 'user' | 'assistant'; content: unknown }[]) =>
      ({ model: 'claude-sonnet-4-6', max_tokens: 100, messages }) as Params;
    const { byId } = await anthropicResults(clients.anthropic, {
      empty: turns({ role: 'user', content: '' }),
      blank: turns({ role: 'user', content: '  \n' }),
      emptyBlock: turns({
        role: 'user',
        content: [
          { type: 'text', text: 'Hi.' },
          { type: 'text', text: '' },
        ],
      }),
      noBlocks: turns({ role: 'user', content: [] }),
      lastAssistantEmpty: turns(
        { role: 'user', content: 'Name a colour.' },
        { role: 'assistant', content: [] },
      ),
    });
    expect(errorOf(byId.empty)).toBe('messages: text content blocks must be non-empty');
    expect(errorOf(byId.blank)).toBe('messages: text content blocks must contain non-whitespace text');
    expect(errorOf(byId.emptyBlock)).toBe('messages: text content blocks must be non-empty');
    expect(errorOf(byId.noBlocks)).toBe(
      'messages.0: all messages must have non-empty content except for the optional final assistant message',
    );
    expect(byId.lastAssistantEmpty?.type).toBe('succeeded');
  });

  it('takes the sampling fields on API version 2023-06-01, with the thinking rules of that version', async () => {
    const old = new Anthropic({
      apiKey: 'test-key',
      baseURL: emulator.anthropicBaseURL,
      defaultHeaders: { 'anthropic-version': '2023-06-01' },
    });
    const thinking = { type: 'enabled', budget_tokens: 2_000 };
    const { byId } = await anthropicResults(old, {
      sampled: params({ temperature: 0.2, top_p: 0.9, top_k: 5 }),
      hot: params({ thinking, temperature: 0.5 }),
      topK: params({ thinking, top_k: 5 }),
      topP: params({ thinking, top_p: 0.5 }),
      fine: params({ thinking, temperature: 1, top_p: 0.95 }),
    });
    expect(byId.sampled?.type).toBe('succeeded');
    expect(errorOf(byId.hot)).toMatch(/^`temperature` may only be set to 1 when thinking is enabled/);
    expect(errorOf(byId.topK)).toMatch(/^`top_k` must be unset when thinking is enabled/);
    expect(errorOf(byId.topP)).toMatch(/^`top_p` must be greater than or equal to 0.95/);
    expect(byId.fine?.type).toBe('succeeded');
  });

  it('enforces thinking budgets: at least 1,024 and below max_tokens; no forced tool use', async () => {
    const { byId } = await anthropicResults(clients.anthropic, {
      small: params({ thinking: { type: 'enabled', budget_tokens: 1_000 } }),
      over: params({ thinking: { type: 'enabled', budget_tokens: 4_000 } }),
      forced: params({
        thinking: { type: 'adaptive' },
        tools: [{ name: 'record', input_schema: { type: 'object' } }],
        tool_choice: { type: 'tool', name: 'record' },
      }),
    });
    expect(errorOf(byId.small)).toBe(
      'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024',
    );
    expect(errorOf(byId.over)).toMatch(/^max_tokens must be greater than thinking.budget_tokens/);
    expect(errorOf(byId.forced)).toBe('Thinking may not be enabled when tool_choice forces tool use.');
  });

  it('answers with thinking blocks before the text and bills their tokens as output', async () => {
    const { batchId, byId } = await anthropicResults(clients.anthropic, {
      plain: params(),
      thinking: params({ thinking: { type: 'enabled', budget_tokens: 1_024 } }),
      omitted: params({ thinking: { type: 'adaptive', display: 'omitted' } }, 'Hi [redacted thinking]'),
    });
    const message = (id: string) =>
      (byId[id] as Anthropic.Messages.Batches.MessageBatchSucceededResult).message;
    const plain = message('plain');
    const thought = message('thinking');
    expect(thought.content.map((block) => block.type)).toEqual(['thinking', 'text']);
    expect(thought.content[0]).toMatchObject({ type: 'thinking', signature: expect.any(String) });
    expect((thought.content[0] as Anthropic.Messages.ThinkingBlock).thinking).toContain('Say hello');
    // The same answer as without thinking, plus the thinking tokens (all of the budget here).
    expect(thought.content[1]).toEqual(plain.content[0]);
    expect(thought.usage.output_tokens).toBe(plain.usage.output_tokens + 1_024);
    expect(thought.usage.output_tokens_details).toEqual({ thinking_tokens: 1_024 });
    const omitted = message('omitted');
    expect(omitted.content.map((block) => block.type)).toEqual(['thinking', 'redacted_thinking', 'text']);
    expect((omitted.content[0] as Anthropic.Messages.ThinkingBlock).thinking).toBe('');

    const bill = await emulator.billing();
    const billed = bill.requests.find((r) => r.batchId === batchId && r.customId === 'thinking');
    expect(billed?.outputTokens).toBe(thought.usage.output_tokens);
  });
});

describe('Anthropic count_tokens', () => {
  it('counts exactly what a batch request with the same content bills as input', async () => {
    const content = 'Vendor: Acme GmbH\nTotal: 1 2 3 4 5 6 7 8 9\nRef: 0x9f3a77be 漢字テスト 🙂🙂';
    const body = {
      model: 'claude-haiku-4-5',
      system: 'Be brief.',
      messages: [{ role: 'user' as const, content }],
      thinking: { type: 'enabled' as const, budget_tokens: 1_024 },
    };
    const counted = await clients.anthropic.messages.countTokens(body);
    const { byId } = await anthropicResults(clients.anthropic, {
      same: { ...body, max_tokens: 2_000 } as Params,
    });
    const message = (byId.same as Anthropic.Messages.Batches.MessageBatchSucceededResult).message;
    expect(counted.input_tokens).toBeGreaterThan(10);
    expect(counted.input_tokens).toBe(message.usage.input_tokens);
  });

  it('counts tool definitions as input', async () => {
    const base = { model: 'claude-haiku-4-5', messages: [{ role: 'user' as const, content: 'Weather?' }] };
    const tool = {
      name: 'get_weather',
      description: 'The weather in a city',
      input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } },
    };
    const without = await clients.anthropic.messages.countTokens(base);
    const withTool = await clients.anthropic.messages.countTokens({ ...base, tools: [tool] });
    expect(withTool.input_tokens).toBeGreaterThan(without.input_tokens + 10);
  });

  it('refuses what count_tokens does not take, and unknown fields, with a 400 at once', async () => {
    const base = { model: 'claude-haiku-4-5', messages: [{ role: 'user' as const, content: 'x' }] };
    const refusal = async (body: Record<string, unknown>) => {
      try {
        await clients.anthropic.messages.countTokens(
          body as unknown as Anthropic.Messages.MessageCountTokensParams,
        );
        return null;
      } catch (error) {
        expect(error).toBeInstanceOf(Anthropic.BadRequestError);
        return (error as InstanceType<typeof Anthropic.BadRequestError>).message;
      }
    };
    expect(await refusal({ ...base, max_tokens: 100 })).toMatch(/max_tokens: Extra inputs are not permitted/);
    expect(await refusal({ ...base, metadata: {} })).toMatch(/metadata: Extra inputs are not permitted/);
    expect(await refusal({ ...base, thinking: { type: 'enabled', budget_tokens: 10 } })).toMatch(
      /greater than or equal to 1024/,
    );
    expect(await refusal({ model: 'claude-haiku-4-5' })).toMatch(/messages: Field required/);
  });
});

/** The error rows of an OpenAI batch of the uploaded input file, by custom_id, once the batch has ended. */
async function errorRowsOf(inputFileId: string): Promise<Record<string, Record<string, unknown>>> {
  const { openai } = clients;
  const batch = await openai.batches.create({
    input_file_id: inputFileId,
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
  });
  const done = await until(
    () => openai.batches.retrieve(batch.id),
    (b: OpenAI.Batches.Batch) => b.status === 'completed' || b.status === 'failed',
  );
  const rows = done.error_file_id ? await readLines(await openai.files.content(done.error_file_id)) : [];
  return Object.fromEntries(rows.map((row) => [row.custom_id as string, row]));
}

describe('OpenAI request arguments', () => {
  it('puts a line with an unknown argument, or a reasoning model with a non-default top_p, in the error file', async () => {
    const { openai } = clients;
    const file = await uploadJsonl(openai, [
      jsonlLine('unknown', { ...chatBody('x'), frobnicate: 1 }),
      jsonlLine('known', {
        ...chatBody('x'),
        top_p: 0.5,
        seed: 7,
        stop: ['END'],
        user: 'u',
        service_tier: 'auto',
      }),
    ]);
    const reasoning = await uploadJsonl(openai, [
      jsonlLine('topP', { model: 'gpt-5.1', messages: [{ role: 'user', content: 'x' }], top_p: 0.5 }),
    ]);
    const errors = await errorRowsOf(file.id);
    expect(Object.keys(errors)).toEqual(['unknown']);
    expect(errors.unknown).toMatchObject({
      response: {
        status_code: 400,
        body: {
          error: {
            message: 'Unrecognized request argument supplied: frobnicate',
            type: 'invalid_request_error',
          },
        },
      },
    });
    const reasoningErrors = await errorRowsOf(reasoning.id);
    expect(reasoningErrors.topP).toMatchObject({
      response: { status_code: 400, body: { error: { param: 'top_p' } } },
    });
  });

  it('puts a line with a value out of the reference bounds in the error file, naming the argument', async () => {
    const { openai } = clients;
    const named = (name: string) => ({
      ...chatBody('x'),
      response_format: {
        type: 'json_schema',
        json_schema: {
          name,
          strict: true,
          schema: { type: 'object', properties: {}, required: [], additionalProperties: false },
        },
      },
    });
    const file = await uploadJsonl(openai, [
      jsonlLine('n', { ...chatBody('x'), n: 0 }),
      jsonlLine('topLogprobs', { ...chatBody('x'), logprobs: true, top_logprobs: 50 }),
      jsonlLine('stop', { ...chatBody('x'), stop: ['a', 'b', 'c', 'd', 'e'] }),
      jsonlLine('metadataCount', {
        ...chatBody('x'),
        metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])),
      }),
      jsonlLine('metadataType', { ...chatBody('x'), metadata: { user: 5 } }),
      jsonlLine('schemaName', named('my schema!')),
      jsonlLine('fine', {
        ...chatBody('x'),
        n: 1,
        top_logprobs: 20,
        logprobs: true,
        stop: ['a', 'b', 'c', 'd'],
      }),
      jsonlLine('fineName', named('my_schema-1')),
    ]);
    const rows = await errorRowsOf(file.id);
    const messages = Object.fromEntries(
      Object.entries(rows).map(([id, row]) => [
        id,
        (row.response as { body: { error: { message: string } } }).body.error.message,
      ]),
    );
    expect(messages).toEqual({
      n: "Invalid 'n': integer below minimum value. Expected a value >= 1, but got 0 instead.",
      topLogprobs:
        "Invalid 'top_logprobs': integer above maximum value. Expected a value <= 20, but got 50 instead.",
      stop: "Invalid 'stop': array too long. Expected an array with maximum length 4, but got an array with length 5 instead.",
      metadataCount:
        "Invalid 'metadata': too many properties. Expected an object with at most 16 properties, but got an object with 17 properties instead.",
      metadataType: "Invalid type for 'metadata.user': expected a string, but got an integer instead.",
      schemaName:
        "Invalid 'response_format.json_schema.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.",
    });
  });
});

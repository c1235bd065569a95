import Anthropic from '@anthropic-ai/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { clientsFor, nextMillisecond, until } from '../helpers/clients.js';

let emulator: Emulator;
let anthropic: Anthropic;

beforeEach(async () => {
  emulator = await startEmulator({ processingMs: 150 });
  anthropic = clientsFor(emulator).anthropic;
});
afterEach(() => emulator.close());

type Params = Anthropic.Messages.Batches.BatchCreateParams.Request['params'];
const params = (text: string, extra: Partial<Params> = {}): Params => ({
  model: 'claude-haiku-4-5',
  max_tokens: 200,
  messages: [{ role: 'user', content: text }],
  ...extra,
});

async function results(id: string) {
  await until(
    () => anthropic.messages.batches.retrieve(id),
    (b) => b.processing_status === 'ended',
  );
  const rows: Anthropic.Messages.Batches.MessageBatchIndividualResponse[] = [];
  for await (const row of await anthropic.messages.batches.results(id)) rows.push(row);
  return Object.fromEntries(rows.map((row) => [row.custom_id, row.result]));
}

describe('Anthropic message batches', () => {
  it('creates, polls to ended and streams results through the SDK', async () => {
    const batch = await anthropic.messages.batches.create({
      requests: [
        { custom_id: 'first', params: params('Hello there') },
        { custom_id: 'second', params: params('Total: 1,250.00', { system: 'Be brief.' }) },
      ],
    });
    expect(batch).toMatchObject({
      type: 'message_batch',
      processing_status: 'in_progress',
      request_counts: { processing: 2, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
      results_url: null,
      ended_at: null,
    });
    expect(batch.id).toMatch(/^msgbatch_/);
    expect(Date.parse(batch.expires_at) - Date.parse(batch.created_at)).toBe(86_400_000);
    const byId = await results(batch.id);
    const ended = await anthropic.messages.batches.retrieve(batch.id);
    expect(ended.request_counts).toEqual({
      processing: 0,
      succeeded: 2,
      errored: 0,
      canceled: 0,
      expired: 0,
    });
    expect(ended.results_url).toBe(`${emulator.url}/v1/messages/batches/${batch.id}/results`);
    const first = byId.first as Anthropic.Messages.Batches.MessageBatchSucceededResult;
    expect(first.type).toBe('succeeded');
    expect(first.message.content).toEqual([{ type: 'text', text: 'Reply to: Hello there' }]);
    // Documented token rule: min(bytes, ceil(1.5 × cl100k_base)) a text: "Hello there" 3, + 4 a message + 3 a
    // request -> 10; "Reply to: Hello there" -> 8.
    expect(first.message.usage).toMatchObject({ input_tokens: 10, output_tokens: 8 });
    expect(first.message.stop_reason).toBe('end_turn');
  });

  it('answers a JSON schema with an instance whose values come from the input', async () => {
    const schema = {
      type: 'object',
      properties: {
        vendor: { type: 'string' },
        total: { type: 'number' },
        dueDate: { type: 'string' },
        paid: { type: 'boolean' },
        notes: { anyOf: [{ type: 'string' }, { type: 'null' }] },
        address: {
          type: 'object',
          properties: { city: { type: 'string' } },
          required: ['city'],
          additionalProperties: false,
        },
        status: { type: 'string', enum: ['open', 'closed'] },
      },
      required: ['vendor', 'total', 'dueDate', 'paid', 'notes', 'address', 'status'],
      additionalProperties: false,
    };
    const text =
      'Vendor: Acme Corp\nTotal: $1,250.00\nDue date: 2025-03-01\nPaid: yes\nCity: Berlin\nStatus: closed';
    const batch = await anthropic.messages.batches.create({
      requests: [
        {
          custom_id: 'native',
          params: { ...params(text), output_config: { format: { type: 'json_schema', schema } } } as Params,
        },
        {
          custom_id: 'tool',
          params: params(text, {
            tools: [{ name: 'record_invoice', input_schema: schema as Anthropic.Messages.Tool.InputSchema }],
            tool_choice: { type: 'tool', name: 'record_invoice' },
          }),
        },
      ],
    });
    const byId = await results(batch.id);
    const expected = {
      vendor: 'Acme Corp',
      total: 1250,
      dueDate: '2025-03-01',
      paid: true,
      notes: null,
      address: { city: 'Berlin' },
      status: 'closed',
    };
    const native = (byId.native as Anthropic.Messages.Batches.MessageBatchSucceededResult).message;
    expect(JSON.parse((native.content[0] as Anthropic.Messages.TextBlock).text)).toEqual(expected);
    const tool = (byId.tool as Anthropic.Messages.Batches.MessageBatchSucceededResult).message;
    expect(tool.stop_reason).toBe('tool_use');
    expect(tool.content[0]).toMatchObject({ type: 'tool_use', name: 'record_invoice', input: expected });
  });

  it('lets a respond hook script answers, and cuts answers at max_tokens', async () => {
    emulator.configure({
      respond: ({ customId }) => {
        if (customId === 'broken') return { text: '{"total": ' };
        if (customId === 'refuse') return { refusal: 'I cannot help with that.' };
        if (customId === 'fail')
          return { error: { message: 'prompt is too long', type: 'invalid_request_error' } };
        return undefined;
      },
    });
    const batch = await anthropic.messages.batches.create({
      requests: [
        { custom_id: 'broken', params: params('x') },
        { custom_id: 'refuse', params: params('x') },
        { custom_id: 'fail', params: params('x') },
        {
          custom_id: 'short',
          params: params('a long question that needs many tokens to answer', { max_tokens: 2 }),
        },
      ],
    });
    const byId = await results(batch.id);
    const text = (id: string) => (byId[id] as Anthropic.Messages.Batches.MessageBatchSucceededResult).message;
    expect(text('broken').content).toEqual([{ type: 'text', text: '{"total": ' }]);
    expect(text('refuse').stop_reason).toBe('refusal');
    expect(byId.fail).toMatchObject({
      type: 'errored',
      error: { type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long' } },
    });
    expect(text('short').stop_reason).toBe('max_tokens');
    expect(text('short').usage.output_tokens).toBe(2);
    expect((text('short').content[0] as Anthropic.Messages.TextBlock).text).toBe('Reply to');
  });

  it('returns bad params as errored rows, and a share of errored rows when asked', async () => {
    emulator.configure({ erroredShare: 0.5 });
    const batch = await anthropic.messages.batches.create({
      requests: [
        { custom_id: 'hot', params: { ...params('x'), temperature: 1.5 } as Params },
        { custom_id: 'nomodel', params: { ...params('x'), model: 'gpt-4o' } },
        ...Array.from({ length: 30 }, (_, i) => ({ custom_id: `r${i}`, params: params(`q${i}`) })),
      ],
    });
    const byId = await results(batch.id);
    expect(byId.hot).toMatchObject({ type: 'errored', error: { error: { type: 'invalid_request_error' } } });
    expect(byId.nomodel).toMatchObject({ type: 'errored' });
    const counts = (await anthropic.messages.batches.retrieve(batch.id)).request_counts;
    expect(counts.errored).toBeGreaterThan(5);
    expect(counts.succeeded).toBeGreaterThan(5);
    expect(counts.errored + counts.succeeded).toBe(32);
  });

  it('refuses bad custom_ids, duplicates, missing max_tokens and too many requests with 400', async () => {
    const create = (requests: unknown[]) =>
      anthropic.messages.batches.create({ requests } as Anthropic.Messages.Batches.BatchCreateParams);
    await expect(create([{ custom_id: 'has space', params: params('x') }])).rejects.toBeInstanceOf(
      Anthropic.BadRequestError,
    );
    await expect(create([{ custom_id: 'x'.repeat(65), params: params('x') }])).rejects.toMatchObject({
      status: 400,
    });
    await expect(
      create([
        { custom_id: 'same', params: params('x') },
        { custom_id: 'same', params: params('y') },
      ]),
    ).rejects.toMatchObject({ status: 400, error: { error: { type: 'invalid_request_error' } } });
    const { max_tokens: _drop, ...noMax } = params('x');
    await expect(create([{ custom_id: 'a', params: noMax }])).rejects.toMatchObject({
      status: 400,
      error: { type: 'error', error: { message: 'requests.0.params.max_tokens: Field required' } },
    });
    await expect(create([])).rejects.toMatchObject({ status: 400 });
    emulator.configure({ limits: { anthropic: { maxRequests: 2 } } });
    await expect(
      create([1, 2, 3].map((i) => ({ custom_id: `r${i}`, params: params('x') }))),
    ).rejects.toMatchObject({
      status: 400,
    });
    expect(emulator.stats().batchesCreated.anthropic).toBe(0);
  });

  it('refuses a body past the byte limit with 413 request_too_large', async () => {
    emulator.configure({ limits: { anthropic: { maxBytes: 2_000 } } });
    const error = await anthropic.messages.batches
      .create({ requests: [{ custom_id: 'big', params: params('x'.repeat(5_000)) }] })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      status: 413,
      error: { type: 'error', error: { type: 'request_too_large' } },
    });
  });

  it('cancels: canceling at once, then ended with the unrun requests canceled', async () => {
    // Anthropic shows no progress before a batch ends, so there is no condition to wait for: the cancel comes after
    // 30% of the processing time, with 7 s to spare before the batch would end on its own.
    emulator.configure({ processingMs: 10_000, cancelMs: 100 });
    const batch = await anthropic.messages.batches.create({
      requests: Array.from({ length: 10 }, (_, i) => ({ custom_id: `r${i}`, params: params(`q${i}`) })),
    });
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const canceling = await anthropic.messages.batches.cancel(batch.id);
    expect(canceling.processing_status).toBe('canceling');
    expect(canceling.cancel_initiated_at).not.toBeNull();
    const byId = await results(batch.id);
    const types = Object.values(byId).map((r) => r.type);
    expect(types.filter((t) => t === 'canceled').length).toBeGreaterThan(0);
    expect(types.filter((t) => t === 'succeeded').length).toBeGreaterThan(0);
    expect(types).toHaveLength(10);
  });

  it('expires with part of the requests done and the rest expired', async () => {
    emulator.configure({ expire: { completedShare: 0.5 } });
    const batch = await anthropic.messages.batches.create({
      requests: Array.from({ length: 10 }, (_, i) => ({ custom_id: `r${i}`, params: params(`q${i}`) })),
    });
    await results(batch.id);
    const ended = await anthropic.messages.batches.retrieve(batch.id);
    expect(ended.request_counts).toEqual({
      processing: 0,
      succeeded: 5,
      errored: 0,
      canceled: 0,
      expired: 5,
    });
  });

  it('lists newest first with after_id / before_id pagination', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(
        (await anthropic.messages.batches.create({ requests: [{ custom_id: 'a', params: params('x') }] })).id,
      );
      await nextMillisecond();
    }
    const newestFirst = [...ids].reverse();
    const page = await anthropic.messages.batches.list({ limit: 2 });
    expect(page.data.map((b) => b.id)).toEqual(newestFirst.slice(0, 2));
    expect(page.has_more).toBe(true);
    const all: string[] = [];
    for await (const batch of anthropic.messages.batches.list({ limit: 2 })) all.push(batch.id);
    expect(all).toEqual(newestFirst);
    const before = await anthropic.messages.batches.list({ limit: 2, before_id: newestFirst[3]! });
    expect(before.data.map((b) => b.id)).toEqual(newestFirst.slice(1, 3));
  });

  it('deletes only an ended batch; results before the end are refused', async () => {
    emulator.configure({ processingMs: 300 });
    const batch = await anthropic.messages.batches.create({
      requests: [{ custom_id: 'a', params: params('x') }],
    });
    await expect(anthropic.messages.batches.results(batch.id)).rejects.toThrow(/No batch `results_url`/);
    await expect(anthropic.messages.batches.delete(batch.id)).rejects.toMatchObject({ status: 400 });
    await results(batch.id);
    expect(await anthropic.messages.batches.delete(batch.id)).toEqual({
      id: batch.id,
      type: 'message_batch_deleted',
    });
    await expect(anthropic.messages.batches.retrieve(batch.id)).rejects.toBeInstanceOf(
      Anthropic.NotFoundError,
    );
  });
});

describe('Anthropic errors and retries', () => {
  it('refuses missing and wrong keys, and a missing anthropic-version, in the Anthropic error shape', async () => {
    await emulator.close();
    emulator = await startEmulator({ apiKey: 'sk-ant-right-000000' });
    const wrong = new Anthropic({
      apiKey: 'sk-ant-wrong-111111',
      baseURL: emulator.anthropicBaseURL,
      maxRetries: 0,
    });
    const error = await wrong.messages.batches.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(JSON.stringify(error)).not.toContain('sk-ant-wrong-111111');
    const noKey = await fetch(`${emulator.url}/v1/messages/batches`, {
      headers: { 'anthropic-version': '2023-06-01' },
    });
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    const noVersion = await fetch(`${emulator.url}/v1/messages/batches`, {
      headers: { 'x-api-key': 'sk-ant-right-000000' },
    });
    expect(noVersion.status).toBe(400);
  });

  it('answers unknown routes and malformed JSON as Anthropic does', async () => {
    await expect(anthropic.get('/v1/messages/nothing')).rejects.toMatchObject({
      status: 404,
      error: { type: 'error', error: { type: 'not_found_error' } },
    });
    const response = await fetch(`${emulator.url}/v1/messages/batches`, {
      method: 'POST',
      headers: { 'x-api-key': 'k', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: '{"requests": [',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });

  it('refuses a body whose strings hold half a character with 400, as Anthropic does, creating nothing', async () => {
    // Through the SDK: JSON.stringify writes the lone half as the escape \ud83d, which JSON.parse would take.
    const error = await anthropic.messages.batches
      .create({ requests: [{ custom_id: 'a', params: params('emoji cut in half: \ud83d') }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect((error as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({
      type: 'error',
      error: {
        type: 'invalid_request_error',
        message: expect.stringMatching(
          /^The request body is not valid JSON: no low surrogate in string: line 1 column \d+ \(char \d+\)$/,
        ),
      },
    });

    const post = (path: string, content: string) =>
      fetch(`${emulator.url}${path}`, {
        method: 'POST',
        headers: { 'x-api-key': 'k', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
        body: content,
      });
    const body = (text: string) =>
      `{"requests":[{"custom_id":"a","params":{"model":"claude-haiku-4-5","max_tokens":5,"messages":[{"role":"user","content":"${text}"}]}}]}`;
    /** The message for a body, the position counted in characters (the emoji before it counts once). */
    const refusal = async (path: string, content: string, reason: string, at: number) => {
      const response = await post(path, content);
      expect(response.status).toBe(400);
      const char = Array.from(content.slice(0, at)).length;
      expect(await response.json()).toMatchObject({
        type: 'error',
        error: {
          type: 'invalid_request_error',
          message: `The request body is not valid JSON: ${reason}: line 1 column ${char + 1} (char ${char})`,
        },
      });
    };
    const high = body('😀 cut \\ud83d');
    await refusal('/v1/messages/batches', high, 'no low surrogate in string', high.indexOf('\\ud83d') + 6);
    const low = body('alone \\ude00');
    await refusal('/v1/messages/batches', low, 'invalid high surrogate in string', low.indexOf('\\ude00'));
    const wrongLow = body('\\ud83d\\u0041');
    await refusal(
      '/v1/messages/batches',
      wrongLow,
      'invalid low surrogate in string',
      wrongLow.indexOf('\\u0041'),
    );
    const counted = JSON.stringify({
      model: 'claude-haiku-4-5',
      messages: [{ role: 'user', content: 'x\ud83d' }],
    });
    await refusal(
      '/v1/messages/count_tokens',
      counted,
      'no low surrogate in string',
      counted.indexOf('\\ud83d') + 6,
    );
    expect(emulator.stats().batchesCreated.anthropic ?? 0).toBe(0);

    // A whole character escaped as a pair, and a backslash followed by the letters ud83d, are fine.
    expect((await post('/v1/messages/batches', body('\\ud83d\\ude00'))).status).toBe(200);
    expect((await post('/v1/messages/batches', body('\\\\ud83d'))).status).toBe(200);
  });

  it("lets the SDK's own retries ride over 429 and 529, and counts every call", async () => {
    emulator.injectFault({ route: 'POST /v1/messages/batches', status: 529, times: 1 });
    emulator.injectFault({ route: 'GET /v1/messages/batches/{id}', status: 429, times: 2 });
    const batch = await anthropic.messages.batches.create({
      requests: [{ custom_id: 'a', params: params('x') }],
    });
    await results(batch.id);
    const { calls, batchesCreated } = emulator.stats();
    expect(calls['POST /v1/messages/batches']).toBe(2);
    expect(batchesCreated.anthropic).toBe(1);
  });

  it('applies a share-based fault rule repeatably from its seed', async () => {
    const failures = async (seed: number) => {
      const emu = await startEmulator({
        seed,
        faults: [{ route: 'GET /v1/messages/batches', status: 500, share: 0.5 }],
      });
      const client = new Anthropic({ apiKey: 'k', baseURL: emu.anthropicBaseURL, maxRetries: 0 });
      const outcomes: boolean[] = [];
      for (let i = 0; i < 20; i++)
        outcomes.push(
          await client.messages.batches.list().then(
            () => true,
            () => false,
          ),
        );
      await emu.close();
      return outcomes;
    };
    const first = await failures(7);
    expect(first.filter((ok) => !ok).length).toBeGreaterThan(3);
    expect(first.filter((ok) => ok).length).toBeGreaterThan(3);
    expect(await failures(7)).toEqual(first);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { type JobInput, JobValidationError } from '../../src/index.js';
import { batchFor, userMessage } from '../helpers/batch.js';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());

/** Refused at addJob with this code, the message naming the job and the given words; nothing sent. */
function expectRefused(job: JobInput, code: string, ...mentions: string[]) {
  const batch = batchFor(emulator).defaults({ model: 'claude-haiku-4-5', maxTokens: 4_000 });
  let thrown: unknown;
  try {
    batch.addJob({ id: 'job-7', messages: userMessage('x'), ...job });
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(JobValidationError);
  const error = thrown as JobValidationError;
  expect(error.code).toBe(code);
  expect(error.jobId).toBe('job-7');
  expect(error.message).toContain('Job "job-7"');
  for (const mention of mentions) expect(error.message).toContain(mention);
  expect(emulator.stats().calls).toEqual({});
}

const anthropic = (options: Record<string, unknown>): JobInput =>
  ({ providerOptions: { anthropic: options } }) as JobInput;
const openai = (options: Record<string, unknown>): JobInput =>
  ({ model: 'gpt-4o-mini', providerOptions: { openai: options } }) as JobInput;

describe('providerOptions at .addJob()', () => {
  const owned: [string, JobInput, string, string][] = [
    ['anthropic max_tokens', anthropic({ max_tokens: 10 }), 'anthropic.max_tokens', '`maxTokens`'],
    ['anthropic model', anthropic({ model: 'claude-opus-4-6' }), 'anthropic.model', '`model`'],
    ['anthropic system', anthropic({ system: 'x' }), 'anthropic.system', '`system` turn'],
    ['anthropic messages', anthropic({ messages: [] }), 'anthropic.messages', '`messages`'],
    ['anthropic stream', anthropic({ stream: true }), 'anthropic.stream', 'do not stream'],
    [
      'anthropic output_config.format',
      anthropic({ output_config: { format: { type: 'json_schema', schema: {} } } }),
      'anthropic.output_config.format',
      '`responseModel`',
    ],
    ['openai max_tokens', openai({ max_tokens: 10 }), 'openai.max_tokens', '`maxTokens`'],
    [
      'openai max_completion_tokens',
      openai({ max_completion_tokens: 10 }),
      'openai.max_completion_tokens',
      '`maxTokens`',
    ],
    [
      'openai response_format',
      openai({ response_format: { type: 'json_object' } }),
      'openai.response_format',
      '`responseModel`',
    ],
    ['openai temperature', openai({ temperature: 0.3 }), 'openai.temperature', '`temperature`'],
    [
      'openai reasoning_effort (one way to set it: reasoningEffort)',
      { ...openai({ reasoning_effort: 'low' }), model: 'gpt-5-mini' },
      'openai.reasoning_effort',
      '`reasoningEffort`',
    ],
    ['openai n', openai({ n: 3 }), 'openai.n', 'one answer per job'],
    ['openai custom_id', openai({ custom_id: 'x' }), 'openai.custom_id', '`id`'],
  ];
  for (const [name, job, key, fix] of owned) {
    it(`refuses ${name}, a key batchwise owns, naming the job, the key and the fix`, () => {
      expectRefused(job, 'owned_provider_option', `providerOptions.${key}`, fix);
    });
  }

  it('refuses the sampling parameters Anthropic API version 2026-10-21 removed', () => {
    for (const key of ['temperature', 'top_p', 'top_k']) {
      expectRefused(anthropic({ [key]: 0.5 }), 'unsupported_provider_option', key, '2026-10-21');
    }
  });

  it('refuses Claude fast mode, which a batch does not give back and batchwise cannot price; takes speed standard', () => {
    expectRefused(
      anthropic({ speed: 'fast' }),
      'unsupported_provider_option',
      'anthropic.speed',
      'cannot price',
    );
    expect(() =>
      batchFor(emulator).addJob({
        ...anthropic({ speed: 'standard' }),
        model: 'claude-opus-4-6',
        messages: userMessage('x'),
      }),
    ).not.toThrow();
  });

  it('refuses the fields a model refuses (docs/models.md), by name, and passes them to models that take them', () => {
    for (const model of ['o3', 'gpt-5.1', 'ft:gpt-5.1:acme::x1']) {
      for (const key of ['top_p', 'presence_penalty', 'logprobs']) {
        expectRefused(
          { ...openai({ [key]: key === 'logprobs' ? true : 0.5 }), model },
          'unsupported_provider_option',
          `providerOptions.openai.${key} cannot be sent: ${model} refuses it`,
        );
      }
    }
    expect(() =>
      batchFor(emulator).addJob({
        ...openai({ top_p: 0.5, presence_penalty: 0.5 }),
        model: 'gpt-4.1-mini',
        messages: userMessage('x'),
      }),
    ).not.toThrow();
  });

  it('refuses a prompt-caching marker the API would refuse: a TTL other than 5m or 1h, a type other than ephemeral', () => {
    expectRefused(
      anthropic({ cache_control: { type: 'ephemeral', ttl: '2h' } }),
      'invalid_provider_option',
      "providerOptions.anthropic.cache_control: its ttl must be '5m' or '1h', got \"2h\"",
    );
    expectRefused(
      anthropic({
        tools: [{ name: 't', input_schema: { type: 'object' }, cache_control: { type: 'persistent' } }],
      }),
      'invalid_provider_option',
      "providerOptions.anthropic.tools[0].cache_control: its type must be 'ephemeral'",
    );
    // A tool field named cache_control is a field, not a marker.
    expect(() =>
      batchFor(emulator).addJob({
        ...anthropic({
          cache_control: { type: 'ephemeral', ttl: '1h' },
          tools: [
            {
              name: 't',
              input_schema: { type: 'object', properties: { cache_control: { type: 'string' } } },
            },
          ],
        }),
        model: 'claude-haiku-4-5',
        messages: userMessage('x'),
      }),
    ).not.toThrow();
  });

  it('refuses values that are not plain JSON', () => {
    expectRefused(
      anthropic({ metadata: { user_id: () => 'x' } }),
      'invalid_provider_option',
      'metadata.user_id',
    );
    expectRefused(openai({ seed: Number.NaN }), 'invalid_provider_option', 'openai.seed is NaN');
    expectRefused(openai({ metadata: { at: new Date(0) } }), 'invalid_provider_option', 'is a Date');
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expectRefused(openai({ metadata: loop }), 'invalid_provider_option', 'refers to itself');
    expectRefused(
      { providerOptions: { gemini: {} } } as unknown as JobInput,
      'invalid_provider_option',
      'unknown provider',
    );
  });

  it.each(
    ['__proto__', 'constructor', 'prototype'].flatMap((key) => [
      ['anthropic', key],
      ['openai', key],
    ]),
  )('refuses providerOptions.%s.%s from JSON.parse, saying to remove it', (provider, key) => {
    const options = JSON.parse(`{"${key}": {"model": "claude-opus-4-6"}}`) as Record<string, unknown>;
    expectRefused(
      provider === 'anthropic' ? anthropic(options) : openai(options),
      'invalid_provider_option',
      `providerOptions.${provider}.${key} is not a request body field`,
      'Remove it',
    );
  });

  it.each([
    ['openai', 'api_key'],
    ['openai', 'Authorization'],
    ['anthropic', 'x-api-key'],
    ['anthropic', 'apiKey'],
  ])('refuses a credential in providerOptions.%s.%s, never showing it', (provider, key) => {
    const options = { [key]: 'sk-secret-in-body-1' };
    const job = provider === 'anthropic' ? anthropic(options) : openai(options);
    expectRefused(
      job,
      'invalid_provider_option',
      `providerOptions.${provider}.${key} is a credential`,
      'apiKey',
    );
    try {
      batchFor(emulator)
        .defaults({ model: 'claude-haiku-4-5', maxTokens: 4_000 })
        .addJob({ messages: userMessage('x'), ...job });
    } catch (error) {
      expect(String((error as Error).message)).not.toContain('sk-secret-in-body-1');
    }
  });

  it('refuses a credential nested in an option (SDK request options sent as body fields), but not a tool field of that name', () => {
    expectRefused(
      openai({ extra_headers: { Authorization: 'Bearer sk-secret-in-body-2' } }),
      'invalid_provider_option',
      'providerOptions.openai.extra_headers.Authorization is a credential',
    );
    expectRefused(
      anthropic({ mcp_servers: [{ type: 'url', url: 'https://x', headers: { 'x-api-key': 'k' } }] }),
      'invalid_provider_option',
      'providerOptions.anthropic.mcp_servers[0].headers.x-api-key is a credential',
    );
    const tool = {
      name: 'lookup',
      description: 'Looks a record up',
      input_schema: { type: 'object', properties: { api_key: { type: 'string' } } },
    };
    expect(() =>
      batchFor(emulator)
        .defaults({ model: 'claude-haiku-4-5', maxTokens: 4_000 })
        .addJob({ messages: userMessage('x'), ...anthropic({ tools: [tool] }) }),
    ).not.toThrow();
  });

  it('a key named like an Object method (hasOwnProperty, toString) is not taken for one batchwise sets', () => {
    const batch = batchFor(emulator).defaults({ model: 'claude-haiku-4-5', maxTokens: 4_000 });
    for (const options of [anthropic({ hasOwnProperty: 1 }), openai({ toString: 'x', valueOf: 2 })]) {
      expect(() => batch.addJob({ messages: userMessage('x'), ...options })).not.toThrow();
    }
  });

  it('a __proto__ key in a second defaults() is refused at addJob as an unknown provider, not made a prototype', () => {
    const batch = batchFor(emulator)
      .defaults({ model: 'gpt-4o-mini', providerOptions: { openai: { seed: 7 } } })
      .defaults({ providerOptions: JSON.parse('{"__proto__": {"openai": {"user": "x"}}}') });
    expect(() => batch.addJob({ id: 'j', messages: userMessage('x') })).toThrow(
      expect.objectContaining({
        code: 'invalid_provider_option',
        message: expect.stringContaining('defaults().providerOptions.__proto__: unknown provider'),
      }),
    );
  });

  it('checks Anthropic thinking against maxTokens, which it counts toward', () => {
    expectRefused(
      anthropic({ thinking: { type: 'enabled', budget_tokens: 512 } }),
      'invalid_thinking',
      'at least 1024',
    );
    expectRefused(
      anthropic({ thinking: { type: 'enabled', budget_tokens: 4_000 } }),
      'invalid_thinking',
      'below maxTokens (4000)',
    );
    expectRefused(
      anthropic({ thinking: { type: 'adaptive' }, tool_choice: { type: 'any' } }),
      'invalid_thinking',
      'tool_choice',
    );
  });

  it('merges a job over the defaults shallowly, per provider; undefined drops a default key', () => {
    const batch = batchFor(emulator)
      .defaults({
        model: 'claude-haiku-4-5',
        maxTokens: 8_000,
        providerOptions: {
          anthropic: {
            thinking: { type: 'enabled', budget_tokens: 2_000 },
            metadata: { user_id: 'default-user' },
            stop_sequences: ['STOP'],
          },
          openai: { seed: 7, user: 'default-user' },
        },
      })
      .addJob({
        id: 'claude',
        messages: userMessage('x'),
        providerOptions: {
          anthropic: { thinking: { type: 'adaptive' }, stop_sequences: undefined },
          openai: { seed: 99 },
        },
      })
      .addJob({
        id: 'gpt',
        model: 'gpt-4o-mini',
        maxTokens: 100,
        messages: userMessage('x'),
        providerOptions: { openai: { top_p: 0.5 } },
      });
    return batch.dryRun().then((report) => {
      const claude = report.jobs.find((j) => j.jobId === 'claude')!.request as {
        params: Record<string, unknown>;
      };
      // The job's thinking replaced the default's whole (no budget_tokens left over); stop_sequences dropped.
      expect(claude.params.thinking).toEqual({ type: 'adaptive' });
      expect(claude.params.metadata).toEqual({ user_id: 'default-user' });
      expect(claude.params).not.toHaveProperty('stop_sequences');
      expect(claude.params).not.toHaveProperty('seed');
      const gpt = report.jobs.find((j) => j.jobId === 'gpt')!.request as { body: Record<string, unknown> };
      expect(gpt.body).toMatchObject({ seed: 7, user: 'default-user', top_p: 0.5, max_tokens: 100 });
      expect(gpt.body).not.toHaveProperty('thinking');
    });
  });

  it('a second defaults() call adds to the first, per provider, key by key', async () => {
    const report = await batchFor(emulator)
      .defaults({ model: 'gpt-4o-mini', providerOptions: { openai: { seed: 7, user: 'a' } } })
      .defaults({ providerOptions: { openai: { user: 'b' }, anthropic: { metadata: { user_id: 'c' } } } })
      .addJob({ id: 'j', messages: userMessage('x') })
      .dryRun();
    expect((report.jobs[0]!.request as { body: Record<string, unknown> }).body).toMatchObject({
      seed: 7,
      user: 'b',
    });
  });

  it('puts output_config.effort beside the responseModel format', async () => {
    const report = await batchFor(emulator)
      .addJob({
        id: 'j',
        model: 'claude-opus-4-6',
        messages: userMessage('Vendor: Acme'),
        responseModel: z.object({ vendor: z.string() }),
        providerOptions: { anthropic: { output_config: { effort: 'low' } } },
      })
      .dryRun();
    const params = (report.jobs[0]!.request as { params: { output_config: Record<string, unknown> } }).params;
    expect(params.output_config.effort).toBe('low');
    expect(params.output_config.format).toMatchObject({ type: 'json_schema' });
  });

  it('keeps a copy: changing the caller object after addJob changes nothing', async () => {
    const metadata = { user_id: 'first' };
    const batch = batchFor(emulator).addJob({
      id: 'j',
      model: 'claude-haiku-4-5',
      messages: userMessage('x'),
      providerOptions: { anthropic: { metadata } },
    });
    metadata.user_id = 'changed';
    const report = await batch.dryRun();
    expect((report.jobs[0]!.request as { params: { metadata: unknown } }).params.metadata).toEqual({
      user_id: 'first',
    });
  });
});

import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import {
  Batch,
  BatchwiseError,
  ConfigurationError,
  JobValidationError,
  registerModel,
} from '../../src/index.js';
import { batchFor, userMessage, warningsLogger } from '../helpers/batch.js';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());

/** Options a JavaScript caller may pass: no type check stops them. */
const loose = (options: Record<string, unknown>) => options as never;

function refusal(act: () => unknown): BatchwiseError {
  try {
    act();
  } catch (error) {
    if (BatchwiseError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('not refused');
}

describe('options are checked at runtime, before anything is sent', () => {
  it.each([
    ['maxConcurent', 'maxConcurrent'],
    ['statefile', 'stateFile'],
    ['resultDir', 'resultsDir'],
    ['itemPerBatch', 'itemsPerBatch'],
  ])('new Batch({ %s }) is refused and points to `%s`', (typo, meant) => {
    const error = refusal(() => new Batch(loose({ [typo]: 4 })));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.code).toBe('unknown_option');
    expect(error.message).toContain(`\`${typo}\``);
    expect(error.message).toContain(`Did you mean \`${meant}\`?`);
  });

  it('a key far from every known one gets no guess, only the list', () => {
    const error = refusal(() => new Batch(loose({ colour: 'blue' })));
    expect(error.code).toBe('unknown_option');
    expect(error.message).not.toContain('Did you mean');
    expect(error.message).toContain('stateFile');
  });

  it('unknown keys in nested options are refused too', () => {
    expect(refusal(() => new Batch(loose({ retry: { attempt: 3 } }))).message).toContain('`attempts`');
    expect(refusal(() => new Batch(loose({ poll: { initalMs: 5 } }))).message).toContain('`initialMs`');
    expect(refusal(() => new Batch(loose({ openai: { apikey: 'x' } }))).message).toContain('`apiKey`');
    expect(
      refusal(() => new Batch(loose({ prices: { m: { inputPerMTok: 1, outputPerMtok: 2 } } }))).message,
    ).toContain('`outputPerMTok`');
  });

  it('a typo in a job or in defaults() is refused, naming the job', () => {
    const job = refusal(() =>
      batchFor(emulator).addJob(
        loose({ id: 'typo-1', model: 'claude-haiku-4-5', messages: userMessage('x'), temprature: 0.2 }),
      ),
    );
    expect(job).toBeInstanceOf(JobValidationError);
    expect(job.code).toBe('unknown_option');
    expect(job.jobId).toBe('typo-1');
    expect(job.message).toContain('Did you mean `temperature`?');
    const defaults = refusal(() => batchFor(emulator).defaults(loose({ modle: 'claude-haiku-4-5' })));
    expect(defaults.code).toBe('unknown_option');
    expect(defaults.message).toContain('Did you mean `model`?');
  });

  it('defaults() after the last addJob() changes no job, and the run says so', async () => {
    const { warnings, logger } = warningsLogger();
    const report = await batchFor(emulator)
      .setVerbosity(logger)
      .addJob({ id: 'a', model: 'claude-haiku-4-5', messages: userMessage('x') })
      .defaults({ maxTokens: 77 })
      .dryRun();
    expect((report.jobs[0]!.request as { params: { max_tokens: number } }).params.max_tokens).not.toBe(77);
    expect(warnings.join('\n')).toContain('defaults() was called after the last addJob()');
    // Between jobs it applies to those after it, and nothing is said.
    const between = warningsLogger();
    await batchFor(emulator)
      .setVerbosity(between.logger)
      .addJob({ id: 'a', model: 'claude-haiku-4-5', messages: userMessage('x') })
      .defaults({ maxTokens: 77 })
      .addJob({ id: 'b', model: 'claude-haiku-4-5', messages: userMessage('x') })
      .dryRun();
    expect(between.warnings.join('\n')).not.toContain('defaults() was called');
  });

  it('a model that is not a string is refused as such, a symbol too (never a TypeError)', () => {
    for (const model of [Symbol('m'), 12, {}, ['claude-haiku-4-5']]) {
      const error = refusal(() =>
        batchFor(emulator).addJob(loose({ id: 'm-1', model, messages: userMessage('x') })),
      );
      expect(error).toBeInstanceOf(JobValidationError);
      expect(error).toMatchObject({ code: 'invalid_model', jobId: 'm-1' });
      expect(error.message).toContain("a string such as 'claude-haiku-4-5'");
    }
  });

  it('a model name with a space or control character (a newline read with it) is refused, and cannot be registered', () => {
    for (const model of ['claude-haiku-4-5\n', ' gpt-4o', 'claude-haiku-4-5\0']) {
      const error = refusal(() =>
        batchFor(emulator).addJob(loose({ id: 'm-1', model, messages: userMessage('x') })),
      );
      expect(error).toMatchObject({ code: 'invalid_model', jobId: 'm-1' });
      expect(error.message).toContain(JSON.stringify(model));
      expect(error.message).toContain('space or control character');
    }
    const registration = {
      name: 'my model',
      provider: 'openai',
      maxOutputTokens: 8_192,
      capabilities: { pdf: false, images: false, citations: false, structured: true },
    };
    expect(refusal(() => registerModel(loose(registration))).code).toBe('invalid_model');
    const alias = refusal(() => registerModel(loose({ ...registration, name: 'mine', aliases: ['mine\t'] })));
    expect(alias.message).toContain('"mine\\t"');
  });

  it('a job that is not an object is refused with a typed error, not a TypeError', () => {
    for (const job of ['summarise this', null, [{ role: 'user', content: 'x' }]]) {
      const error = refusal(() => batchFor(emulator).addJob(loose(job as never)));
      expect(error).toBeInstanceOf(JobValidationError);
      expect(error.code).toBe('invalid_job');
    }
    expect(refusal(() => batchFor(emulator).addJob(loose('summarise this' as never))).message).toContain(
      "got the string 'summarise this'",
    );
  });

  it('a number given as a string is shown as a string', () => {
    const error = refusal(() => new Batch(loose({ maxConcurrent: '4' })));
    expect(error.code).toBe('invalid_option');
    expect(error.message).toContain("got the string '4'");
    expect(refusal(() => new Batch(loose({ itemsPerBatch: 2.5 }))).message).toContain('got the number 2.5');
  });

  it.each([
    ['stateFile', ''],
    ['resultsDir', ''],
    ['stateFile', '   '],
  ])('an empty path (%s: %j) is refused, not taken for "no file"', (key, value) => {
    const error = refusal(() => new Batch(loose({ [key]: value })));
    expect(error.code).toBe('invalid_option');
    expect(error.message).toContain(`\`${key}\``);
    expect(error.message).toMatch(/empty string|the string/);
  });

  it.each(['stateFile', 'resultsDir'])(
    'a %s with a NUL byte is refused at new Batch(), not met by a TypeError at run()',
    (key) => {
      const error = refusal(() => new Batch(loose({ [key]: 'state\0.json' })));
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error.code).toBe('invalid_option');
      expect(error.message).toContain(`\`${key}\` to be a path without a NUL byte`);
    },
  );

  it.each([
    [{ retry: { attempts: Number.NaN } }, 'retry.attempts', 'the number NaN'],
    [{ retry: { attempts: Number.POSITIVE_INFINITY } }, 'retry.attempts', 'the number Infinity'],
    [{ retry: { initialDelayMs: -1 } }, 'retry.initialDelayMs', 'the number -1'],
    [{ poll: { initialMs: 0 } }, 'poll.initialMs', 'the number 0'],
    [{ poll: { factor: 0.5 } }, 'poll.factor', 'the number 0.5'],
    [{ poll: { initialMs: 100, maxMs: 10 } }, 'poll.maxMs', 'the number 10'],
    [{ prices: { m: { inputPerMTok: -1, outputPerMTok: 1 } } }, "prices['m'].inputPerMTok", 'the number -1'],
    [{ prices: { m: { inputPerMTok: 1, outputPerMTok: Number.NaN } } }, "prices['m'].outputPerMTok", 'NaN'],
    [{ prices: { m: { inputPerMTok: 1 } } }, "prices['m'].outputPerMTok", 'undefined'],
    [{ maxRetries: Number.NaN }, 'maxRetries', 'the number NaN'],
    [{ enqueuedTokenLimit: { 'gpt-4o': '2000000' } }, "enqueuedTokenLimit['gpt-4o']", "the string '2000000'"],
    [{ openai: { maxRetries: -2 } }, 'openai.maxRetries', 'the number -2'],
    [{ anthropic: { baseURL: 'localhost:4000' } }, 'anthropic.baseURL', "the string 'localhost:4000'"],
    [{ reuseState: 'false' }, 'reuseState', "the string 'false'"],
  ])('new Batch(%j) is refused', (options, name, shown) => {
    const error = refusal(() => new Batch(loose(options)));
    expect(error.code).toBe('invalid_option');
    expect(error.message).toContain(`\`${name}\``);
    expect(error.message).toContain(shown);
  });

  it.each([
    [
      { poll: { initialMs: 0.01, factor: 1, maxMs: 0.01 } },
      'poll.initialMs',
      'the number 0.01',
      'from 10 to 3600000',
    ],
    [{ poll: { maxMs: 5 } }, 'poll.maxMs', 'the number 5', 'from 10 to 3600000'],
    [{ poll: { maxMs: 1e12 } }, 'poll.maxMs', 'the number 1000000000000', 'from 10 to 3600000'],
    [{ retry: { attempts: 1e9 } }, 'retry.attempts', 'the number 1000000000', 'from 1 to 20'],
    [{ retry: { attempts: 21 } }, 'retry.attempts', 'the number 21', 'from 1 to 20'],
    [{ retry: { initialDelayMs: 0 } }, 'retry.initialDelayMs', 'the number 0', 'from 10 to 3600000'],
    [{ retry: { maxDelayMs: 0 } }, 'retry.maxDelayMs', 'the number 0', 'from 10 to 3600000'],
    [{ retry: { maxDelayMs: 2 ** 31 } }, 'retry.maxDelayMs', 'the number 2147483648', 'from 10 to 3600000'],
    [{ maxRetries: 1e9 }, 'maxRetries', 'the number 1000000000', 'from 0 to 20'],
    [{ anthropic: { maxRetries: 21 } }, 'anthropic.maxRetries', 'the number 21', 'from 0 to 20'],
    [{ openai: { maxRetries: 1e9 } }, 'openai.maxRetries', 'the number 1000000000', 'from 0 to 20'],
  ])(
    'new Batch(%j) is refused: a busy loop of requests, or a wait of hours, is not a setting',
    (options, name, shown, range) => {
      const error = refusal(() => new Batch(loose(options)));
      expect(error.code).toBe('invalid_option');
      expect(error.message).toContain(`\`${name}\``);
      expect(error.message).toContain(shown);
      expect(error.message).toContain(range);
    },
  );

  it('the bounds of poll and retry timings are themselves accepted', () => {
    expect(
      () =>
        new Batch({
          poll: { initialMs: 10, maxMs: 3_600_000, factor: 1 },
          retry: { attempts: 20, initialDelayMs: 10, maxDelayMs: 3_600_000 },
        }),
    ).not.toThrow();
    expect(() => new Batch({ retry: { attempts: 1 } })).not.toThrow();
    expect(
      () => new Batch({ maxRetries: 20, anthropic: { maxRetries: 0 }, openai: { maxRetries: 20 } }),
    ).not.toThrow();
  });

  it('retry.attempts: undefined keeps the default of 4 attempts instead of retrying forever', async () => {
    const own = await startEmulator({ processingMs: 10 });
    try {
      own.injectFault({ route: 'POST /v1/messages/batches', status: 503, times: 1_000_000 });
      const run = await batchFor(own, {
        anthropic: { maxRetries: 0 },
        retry: { attempts: undefined, initialDelayMs: 10, maxDelayMs: 20 },
      })
        .addJob({ id: 'a', model: 'claude-haiku-4-5', messages: userMessage('x') })
        .run({ wait: true });
      expect(run.results().a?.error?.code).toBe('submit_failed');
      expect(own.stats().calls['POST /v1/messages/batches']).toBe(4);
    } finally {
      await own.close();
    }
  });

  it('poll.maxMs: undefined keeps the default instead of polling in a busy loop', async () => {
    const own = await startEmulator({ processingMs: 300 });
    try {
      const run = await batchFor(own, { poll: { initialMs: 20, maxMs: undefined } })
        .addJob({ id: 'a', model: 'claude-haiku-4-5', messages: userMessage('x') })
        .run({ wait: true });
      expect(run.results().a?.status).toBe('succeeded');
      // 20 ms growing by 1.5: a handful of polls over 300 ms; a NaN delay polled hundreds of times.
      expect(own.stats().calls['GET /v1/messages/batches/{id}']).toBeLessThan(20);
    } finally {
      await own.close();
    }
  });

  it('a wrong API key is described by its type, never shown', () => {
    const error = refusal(() => new Batch(loose({ openai: { apiKey: 12345678901 } })));
    expect(error.code).toBe('invalid_option');
    expect(error.message).toContain('the number');
    expect(refusal(() => new Batch(loose({ anthropic: { apiKey: '' } }))).message).toContain(
      '`anthropic.apiKey`',
    );
  });

  it.each([
    ['openai', { openai: 'sk-FAKEKEY-9f8e7d6c5b4a' }],
    ['anthropic', { anthropic: 'sk-FAKEKEY-9f8e7d6c5b4a' }],
    ['options of new Batch()', 'sk-FAKEKEY-9f8e7d6c5b4a'],
    ['openai.limits', { openai: { limits: 'sk-FAKEKEY-9f8e7d6c5b4a' } }],
  ])('a key given as `%s` itself is refused as "a string", never echoed', (name, options) => {
    const error = refusal(() => new Batch(loose(options as never)));
    expect(error.code).toBe('invalid_option');
    expect(error.message).toContain(`\`${name}\` to be an object, got a string (not shown`);
    for (const shown of [error.message, String(error.stack), inspect(error, { depth: null })])
      expect(shown).not.toContain('FAKEKEY');
  });

  it('a logger without a level is refused when it is set, not when a batch is already paid for', () => {
    const error = refusal(() =>
      batchFor(emulator).setVerbosity(loose({ warn: () => {}, error: () => {}, debug: () => {} })),
    );
    expect(error.code).toBe('invalid_option');
    expect(error.message).toContain('without info');
    expect(refusal(() => batchFor(emulator).setVerbosity(loose({}))).message).toContain(
      'without debug, info, warn, error',
    );
  });

  it('limits refuse unknown keys and non-finite numbers', () => {
    const base = batchFor(emulator);
    expect(refusal(() => base.addTimeLimit(loose({ hour: 1 }))).message).toContain('Did you mean `hours`?');
    expect(refusal(() => base.addCostLimit(loose({ dollars: 5 }))).code).toBe('unknown_option');
    const infinite = refusal(() => base.addCostLimit({ usd: Number.POSITIVE_INFINITY }));
    expect(infinite.code).toBe('invalid_limit');
    expect(infinite.message).toContain('the number Infinity');
  });

  it('run(), dryRun() and wait() check their options before anything is sent', async () => {
    const batch = () => batchFor(emulator).addJob({ model: 'claude-haiku-4-5', messages: userMessage('x') });
    await expect(batch().run(loose({ wiat: true }))).rejects.toMatchObject({
      code: 'unknown_option',
      message: expect.stringContaining('Did you mean `wait`?'),
    });
    await expect(batch().run(loose({ progressIntervalMs: 0 }))).rejects.toMatchObject({
      code: 'invalid_option',
    });
    await expect(batch().dryRun(loose({ sample: '0.1' }))).rejects.toMatchObject({
      message: expect.stringContaining("the string '0.1'"),
    });
    await expect(batch().dryRun(loose({ countTokens: { concurency: 2 } }))).rejects.toMatchObject({
      code: 'unknown_option',
    });
    expect(emulator.stats().calls).toEqual({});
  });

  it.each([
    ['false', "the string 'false'"],
    ['yes', "the string 'yes'"],
    [1, 'the number 1'],
    [0, 'the number 0'],
    [null, 'null'],
  ])('enableCitations: %j on a job is refused, not sent as citations on (or off)', (value, shown) => {
    const error = refusal(() =>
      batchFor(emulator).addJob(
        loose({
          id: 'cite',
          model: 'claude-haiku-4-5',
          file: { data: Buffer.from('The total is 5.'), name: 'a.txt' },
          prompt: 'Total?',
          enableCitations: value,
        }),
      ),
    );
    expect(error).toBeInstanceOf(JobValidationError);
    expect(error).toMatchObject({ code: 'invalid_option', jobId: 'cite' });
    expect(error.message).toContain('Job "cite": enableCitations must be true or false');
    expect(error.message).toContain(`got ${shown}`);
  });

  it("enableCitations: 'false' in defaults() is refused when it is set, before any job takes it", () => {
    const error = refusal(() => batchFor(emulator).defaults(loose({ enableCitations: 'false' })));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.code).toBe('invalid_option');
    expect(error.message).toContain(
      "`defaults().enableCitations` to be true or false, got the string 'false'",
    );
  });

  it("shutdown({ waitForActive: 'false' }), status({ print: 'false' }) and dryRun({ countTokens: 'false' }) are refused", async () => {
    const batch = () => batchFor(emulator).addJob({ model: 'claude-haiku-4-5', messages: userMessage('x') });
    await expect(batch().dryRun(loose({ countTokens: 'false' }))).rejects.toMatchObject({
      code: 'invalid_option',
      message: expect.stringContaining(
        "`countTokens` to be true, false or { concurrency }, got the string 'false'",
      ),
    });
    const run = await batch().run();
    // Taken as truthy, 'false' would have waited for the batch; refused, the run is not stopped at all.
    await expect(run.shutdown(loose({ waitForActive: 'false' }))).rejects.toMatchObject({
      code: 'invalid_option',
      message: expect.stringContaining("`waitForActive` to be true or false, got the string 'false'"),
    });
    expect(refusal(() => run.status(loose({ print: 'false' })))).toMatchObject({
      code: 'invalid_option',
      message: expect.stringContaining("`print` to be true or false, got the string 'false'"),
    });
    const results = await run.wait();
    expect(Object.values(results).map((result) => result.status)).toEqual(['succeeded']);
  });

  it('null for options is no options, never a TypeError: new Batch(null), dryRun(null), status(null)', async () => {
    expect(() => new Batch(loose(null as never))).not.toThrow();
    const batch = () => batchFor(emulator).addJob({ model: 'claude-haiku-4-5', messages: userMessage('x') });
    expect((await batch().dryRun(loose(null as never))).totals.jobs).toBe(1);
    const run = await batch().run({ wait: true });
    expect(run.status(null).progress.isComplete).toBe(true);
  });

  it('onProgress() refuses a callback that is not a function and an interval that is not positive', async () => {
    const run = await batchFor(emulator)
      .addJob({ model: 'claude-haiku-4-5', messages: userMessage('x') })
      .run({ wait: true });
    for (const interval of [-5, 0, Number.NaN, Number.POSITIVE_INFINITY, loose('100' as never)]) {
      expect(refusal(() => run.onProgress(() => {}, interval))).toMatchObject({ code: 'invalid_option' });
    }
    expect(refusal(() => run.onProgress(loose('x' as never)))).toMatchObject({
      code: 'invalid_option',
      message: expect.stringContaining("got the string 'x'"),
    });
  });

  it('job values show their type: temperature "1" is the string \'1\', not 1', () => {
    const error = refusal(() =>
      batchFor(emulator).addJob(
        loose({ model: 'gpt-4o-mini', temperature: '1', messages: userMessage('x') }),
      ),
    );
    expect(error.message).toContain("got the string '1'");
  });

  it("registerModel({ provider: 'gemini' }) is refused at once with a typed error", () => {
    const model = {
      name: 'gemini-2.5-flash',
      provider: 'gemini',
      maxOutputTokens: 8_192,
      temperature: { min: 0, max: 2 },
      capabilities: { pdf: true, images: true, citations: false, structured: true },
    };
    const error = refusal(() => registerModel(loose(model)));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.code).toBe('invalid_provider');
    expect(error.message).toContain("got the string 'gemini'");
    // Nothing was registered: a job for it is an unknown model, not a TypeError.
    const job = refusal(() =>
      batchFor(emulator).addJob({ model: 'gemini-2.5-flash', messages: userMessage('x') }),
    );
    expect(job.code).toBe('unknown_model');
    const missing = refusal(() =>
      registerModel(loose({ ...model, provider: 'openai', maxOutputTokens: '8192' })),
    );
    expect(missing.code).toBe('invalid_model');
    expect(missing.message).toContain("`maxOutputTokens` must be a positive integer, got the string '8192'");
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { registerModel } from '../../src/index.js';
import { batchFor, userMessage, warningsLogger } from '../helpers/batch.js';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ processingMs: 20 });
  // Models of a small window, so that a text past it is short.
  registerModel({
    name: 'gpt-window-1k',
    provider: 'openai',
    contextWindow: 1_000,
    maxOutputTokens: 100,
    temperature: null,
    capabilities: { pdf: false, images: false, citations: false, structured: true },
  });
  registerModel({
    name: 'claude-window-1k',
    provider: 'anthropic',
    contextWindow: 1_000,
    maxOutputTokens: 100,
    temperature: null,
    capabilities: { pdf: false, images: false, citations: false, structured: true },
  });
});
afterAll(() => emulator.close());

/** `count` words of one o200k token each. */
const words = (count: number) => 'hello '.repeat(count);

describe('a text past the model’s context window', () => {
  it('is refused before anything is sent, naming the job, its tokens and the window (OpenAI: counted exactly)', async () => {
    const batch = batchFor(emulator)
      .addJob({ id: 'short', model: 'gpt-window-1k', maxTokens: 10, messages: userMessage('hi') })
      .addJob({ id: 'long', model: 'gpt-window-1k', maxTokens: 10, messages: userMessage(words(1_200)) });
    await expect(batch.run()).rejects.toMatchObject({
      code: 'context_window_exceeded',
      jobId: 'long',
      message: expect.stringMatching(
        /Job "long": its text alone is 1,20\d tokens, more than the 1,000-token/,
      ),
    });
    await expect(batch.dryRun()).rejects.toMatchObject({ code: 'context_window_exceeded' });
    expect(emulator.stats().calls).toEqual({});
  });

  it('an OpenAI text counted in parts (a long run without spaces) is held to half its count, less the cuts; past the count alone it is a warning', async () => {
    const { warnings, logger } = warningsLogger();
    // Runs of 120 dashes: counted in parts, which can count twice the real tokens.
    const dashes = (runs: number) => `${'-'.repeat(120)} `.repeat(runs);
    const plan = await batchFor(emulator)
      .setVerbosity(logger)
      .addJob({ id: 'runs', model: 'gpt-window-1k', maxTokens: 10, messages: userMessage(dashes(300)) })
      .dryRun();
    expect(plan.jobs).toHaveLength(1);
    expect(warnings).toEqual([expect.stringContaining('job runs: its text counts about')]);
    await expect(
      batchFor(emulator)
        .addJob({ id: 'runs', model: 'gpt-window-1k', maxTokens: 10, messages: userMessage(dashes(3_000)) })
        .dryRun(),
    ).rejects.toMatchObject({
      code: 'context_window_exceeded',
      message: expect.stringContaining('at least'),
    });
  });

  it('Claude (no offline tokenizer bounds it from below): warned about, never refused offline', async () => {
    const { warnings, logger } = warningsLogger();
    const plan = await batchFor(emulator)
      .setVerbosity(logger)
      .addJob({ id: 'long', model: 'claude-window-1k', maxTokens: 10, messages: userMessage(words(5_000)) })
      .dryRun();
    expect(plan.jobs).toHaveLength(1);
    expect(warnings).toEqual([
      expect.stringMatching(
        /job long: its text counts about 5,00\d tokens .* dryRun\(\{ countTokens: true \}\) counts it exactly/,
      ),
    ]);
    expect(emulator.stats().calls).toEqual({});
  });

  it('counts a file job’s prompt and text files', async () => {
    const data = new TextEncoder().encode(words(1_200));
    await expect(
      batchFor(emulator)
        .addJob({
          id: 'doc',
          model: 'gpt-window-1k',
          maxTokens: 10,
          file: { data, name: 'notes.txt' },
          prompt: 'Summarise',
        })
        .dryRun(),
    ).rejects.toMatchObject({ code: 'context_window_exceeded', jobId: 'doc' });
  });
});

describe('the emulator, as strict as the provider', () => {
  it('refuses a request past the model’s context window as Anthropic does: prompt is too long, not billed', async () => {
    const { warnings, logger } = warningsLogger();
    const run = await batchFor(emulator)
      .setVerbosity(logger)
      .addJob({ id: 'long', model: 'claude-haiku-4-5', maxTokens: 10, messages: userMessage(words(250_000)) })
      .run({ wait: true });
    expect(warnings).toEqual([expect.stringContaining('job long: its text counts about 250,0')]);
    expect(run.results().long).toMatchObject({
      status: 'failed',
      error: {
        code: 'errored',
        message: expect.stringMatching(/prompt is too long: \d+ tokens > 200000 maximum/),
      },
    });
    expect((await emulator.billing()).total.requests).toBe(0);
  }, 60_000);
});

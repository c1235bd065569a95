import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { type BatchwiseError, JobValidationError } from '../../src/index.js';
import { batchFor, userMessage, warningsLogger } from '../helpers/batch.js';

let emulator: Emulator;
beforeEach(async () => {
  emulator = await startEmulator({ processingMs: 30, models: { openai: ['acme-llm'] } });
});
afterEach(() => emulator.close());

const Answer = z.object({ answer: z.string(), confidence: z.number().int() });

describe('models end to end', () => {
  it('runs current models of both providers, fine-tunes included, with structured output', async () => {
    const models = [
      'claude-sonnet-4-6',
      'claude-opus-4-7',
      'gpt-5.1',
      'gpt-4.1-mini',
      'o3',
      'ft:gpt-4.1-mini:acme::B1xq9Zk2',
    ];
    const batch = batchFor(emulator).defaults({ responseModel: Answer });
    models.forEach((model, i) => {
      batch.addJob({ id: `m${i}`, model, messages: userMessage('Is the invoice paid?') });
    });
    const report = await batch.dryRun();
    const bodies = Object.fromEntries(report.jobs.map((job) => [job.jobId, job.request.body]));
    // Reasoning models get max_completion_tokens; gpt-4.1 and its fine-tunes max_tokens; Claude max_tokens.
    expect(bodies.m2).toHaveProperty('max_completion_tokens');
    expect(bodies.m4).toHaveProperty('max_completion_tokens');
    expect(bodies.m3).toHaveProperty('max_tokens');
    expect(bodies.m5).toMatchObject({ model: 'ft:gpt-4.1-mini:acme::B1xq9Zk2', max_tokens: 1024 });
    const results = (await batch.run({ wait: true })).results();
    models.forEach((model, i) => {
      const result = results[`m${i}`]!;
      expect(result.status, `${model}: ${JSON.stringify(result.error)}`).toBe('succeeded');
      expect(Answer.safeParse(result.parsedResponse).success, model).toBe(true);
    });
    // A fine-tune's price is not its base model's (OpenAI bills fine-tuned inference higher): unknown, not guessed.
    expect(results.m5!.costUsd).toBeNull();
    expect(results.m3!.costUsd).toBeGreaterThan(0);
  });

  it('refuses a retired model at addJob, naming the replacement, and sends nothing', () => {
    let thrown: BatchwiseError | undefined;
    try {
      batchFor(emulator).addJob({ model: 'claude-3-5-haiku-latest', messages: userMessage('x') });
    } catch (error) {
      thrown = error as BatchwiseError;
    }
    expect(thrown).toBeInstanceOf(JobValidationError);
    expect(thrown?.code).toBe('retired_model');
    expect(thrown?.message).toContain('retired claude-3-5-haiku-latest on 2026-02-19');
    expect(thrown?.message).toContain('Use claude-haiku-4-5');
    expect(emulator.stats().calls).toEqual({});
  });

  it('sends a name it knows only by pattern; the service refusing it fails that job with its message', async () => {
    const { warnings, logger } = warningsLogger();
    const run = await batchFor(emulator)
      .setVerbosity(logger)
      .addJob({ id: 'ghost', model: 'claude-nonexistent-9', messages: userMessage('x'), maxTokens: 100 })
      .addJob({ id: 'real', model: 'claude-haiku-4-5', messages: userMessage('x') })
      .run({ wait: true });
    expect(warnings).toEqual([expect.stringContaining('claude-nonexistent-9 writes 100 output tokens')]);
    expect(run.results().ghost).toMatchObject({
      status: 'failed',
      error: {
        code: 'errored',
        type: 'not_found_error',
        message: expect.stringContaining('claude-nonexistent-9'),
      },
    });
    expect(run.results().real!.status).toBe('succeeded');
  });

  it('runs a model known only by an explicit provider', async () => {
    const run = await batchFor(emulator)
      .defaults({ model: 'acme-llm', provider: 'openai' })
      .addJob({ id: 'a', messages: userMessage('Hello') })
      .run({ wait: true });
    expect(run.results().a).toMatchObject({ status: 'succeeded', model: 'acme-llm' });
  });
});

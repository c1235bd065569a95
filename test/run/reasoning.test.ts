import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { REASONING_TOKENS } from '../../src/emulator/respond/reasoning.js';
import { JobValidationError } from '../../src/errors.js';
import { DEFAULT_REASONING_MAX_TOKENS } from '../../src/jobs/normalize-job.js';
import { batchCost } from '../../src/pricing/prices.js';
import { isFinalResult } from '../../src/store/final-result.js';
import { batchFor, userMessage } from '../helpers/batch.js';

let emulator: Emulator;
beforeEach(async () => {
  emulator = await startEmulator({ processingMs: 30 });
});
afterEach(() => emulator.close());

describe('reasoning models (issue 12, point 4), through the official SDK against the emulator', () => {
  it('a gpt-5-mini job whose small budget reasoning uses up ends output_truncated, keeping its billed tokens', async () => {
    const run = await batchFor(emulator)
      .addJob({ id: 'small', model: 'gpt-5-mini', maxTokens: 1_024, messages: userMessage('Think hard.') })
      .run({ wait: true });
    const result = run.results().small!;
    expect(result).toMatchObject({
      status: 'failed',
      isSuccess: false,
      rawResponse: null,
      error: { code: 'output_truncated' },
      // The emulator's medium effort reasons longer than the budget: all of it was billed.
      outputTokens: 1_024,
    });
    expect(result.error!.message).toMatch(/1024 reasoning tokens/);
    expect(result.error!.message).toMatch(/Raise maxTokens or lower reasoningEffort/);
    expect(result.inputTokens).toBeGreaterThan(0);
    expect(result.totalTokens).toBe(result.inputTokens + 1_024);
    const expected = batchCost('gpt-5-mini', 'openai', {
      inputTokens: result.inputTokens,
      outputTokens: 1_024,
    })!;
    expect(result.costUsd).toBeCloseTo(expected, 12);
    expect(isFinalResult(result)).toBe(true);
    const billing = await emulator.billing();
    expect(billing.requests.map((r) => r.outputTokens)).toEqual([1_024]);
  });

  it('with the default budget the same job succeeds, its reasoning counted in its output tokens', async () => {
    const run = await batchFor(emulator)
      .addJob({ id: 'default', model: 'gpt-5-mini', messages: userMessage('Think hard.') })
      .run({ wait: true });
    const result = run.results().default!;
    expect(result.status).toBe('succeeded');
    expect(result.rawResponse).toMatch(/Think hard/);
    expect(result.outputTokens).toBeGreaterThan(REASONING_TOKENS.medium);
  });

  it('a lower reasoningEffort leaves room in the same small budget', async () => {
    const run = await batchFor(emulator)
      .addJob({
        id: 'low',
        model: 'gpt-5-mini',
        maxTokens: 1_024,
        reasoningEffort: 'low',
        messages: userMessage('Think a little.'),
      })
      .run({ wait: true });
    expect(run.results().low).toMatchObject({ status: 'succeeded' });
    expect(run.results().low!.outputTokens).toBeGreaterThan(REASONING_TOKENS.low);
  });

  it('reasoningEffort and the reasoning default budget reach the body (dryRun)', async () => {
    const report = await batchFor(emulator)
      .defaults({ model: 'gpt-5-mini' })
      .addJob({ id: 'e', reasoningEffort: 'high', messages: userMessage('x') })
      .addJob({ id: 'd', messages: userMessage('y') })
      .dryRun();
    const bodies = Object.fromEntries(
      report.jobs.map((job) => [job.jobId, (job.request as { body: Record<string, unknown> }).body]),
    );
    expect(bodies.e).toMatchObject({
      reasoning_effort: 'high',
      max_completion_tokens: DEFAULT_REASONING_MAX_TOKENS,
    });
    expect(bodies.d).toMatchObject({ max_completion_tokens: DEFAULT_REASONING_MAX_TOKENS });
    expect(bodies.d).not.toHaveProperty('reasoning_effort');
    expect(emulator.stats().calls).toEqual({});
  });

  it('reasoningEffort is refused at addJob on gpt-4o-mini, naming the job and the fix', () => {
    const batch = batchFor(emulator);
    let error: unknown;
    try {
      batch.addJob({ id: 'plain', model: 'gpt-4o-mini', reasoningEffort: 'low', messages: userMessage('x') });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(JobValidationError);
    expect(error).toMatchObject({ code: 'reasoning_effort_unsupported' });
    expect((error as Error).message).toMatch(/Job "plain".*gpt-4o-mini is not a reasoning model/);
    expect(() =>
      batchFor(emulator).addJob({
        model: 'gpt-5-mini',
        reasoningEffort: 'extreme' as 'high',
        messages: userMessage('x'),
      }),
    ).toThrow(expect.objectContaining({ code: 'invalid_reasoning_effort' }));
  });

  it('the emulator refuses reasoning_effort on a model that does not reason, as the real API does', async () => {
    // Sent past addJob's check, straight through the official SDK's batch flow.
    emulator.configure({});
    const { clientsFor, jsonlLine, uploadJsonl, until } = await import('../helpers/clients.js');
    const { openai } = clientsFor(emulator);
    // One model per input file, as the real API wants: one batch each.
    const runLine = async (line: string) => {
      const file = await uploadJsonl(openai, [line]);
      const created = await openai.batches.create({
        input_file_id: file.id,
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
      });
      const batch = await until(
        () => openai.batches.retrieve(created.id),
        (b) => b.status === 'completed',
      );
      const id = batch.output_file_id ?? batch.error_file_id!;
      return JSON.parse((await (await openai.files.content(id)).text()).trim());
    };
    const refused = await runLine(
      jsonlLine('a', { ...chat('gpt-4o-mini'), max_tokens: 50, reasoning_effort: 'low' }),
    );
    expect(refused.response.status_code).toBe(400);
    expect(refused.response.body.error).toMatchObject({ param: 'reasoning_effort' });
    const output = await runLine(
      jsonlLine('b', { ...chat('gpt-5-mini'), max_completion_tokens: 50, reasoning_effort: 'minimal' }),
    );
    // 64 reasoning tokens left no room for a visible answer out of 50: empty content, finish_reason 'length'.
    expect(output.response.body.choices[0]).toMatchObject({
      message: { content: '' },
      finish_reason: 'length',
    });
    expect(output.response.body.usage).toMatchObject({
      completion_tokens: 50,
      completion_tokens_details: { reasoning_tokens: 50 },
    });
  });
});

function chat(model: string) {
  return { model, messages: [{ role: 'user', content: 'hello' }] };
}

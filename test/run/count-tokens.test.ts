import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { Batch, ConfigurationError } from '../../src/index.js';
import { batchFor, userMessage } from '../helpers/batch.js';
import { makePdf } from '../helpers/pdf.js';

let emulator: Emulator;
beforeEach(async () => {
  emulator = await startEmulator({ processingMs: 30 });
});
afterEach(() => emulator.close());

const COUNT_ROUTE = 'POST /v1/messages/count_tokens';

async function mixed(options: Parameters<typeof batchFor>[1] = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'batchwise-count-'));
  const pdf = join(dir, 'invoice.pdf');
  await writeFile(pdf, await makePdf([['Vendor: Acme GmbH', 'Total: 1,250.00'], ['Due date: 2026-12-01']]));
  return batchFor(emulator, options)
    .defaults({ model: 'claude-haiku-4-5', maxTokens: 300 })
    .addJob({
      id: 'english',
      messages: [{ role: 'system', content: 'Be brief.' }, ...userMessage('Hello there.')],
    })
    .addJob({ id: 'digits', messages: userMessage('1 2 3 4 5 6 7 8 9 0 '.repeat(40)) })
    .addJob({ id: 'cjk', messages: userMessage('漢字のテキストと絵文字🙂🎉を数える。'.repeat(20)) })
    .addJob({
      id: 'pdf',
      file: pdf,
      prompt: 'Extract the invoice',
      maxTokens: 2_000,
      responseModel: z.object({ vendor: z.string(), total: z.number() }),
      providerOptions: { anthropic: { thinking: { type: 'enabled', budget_tokens: 1_024 } } },
    })
    .addJob({ id: 'gpt', model: 'gpt-4o-mini', messages: userMessage('Hello there.') });
}

describe('dryRun({ countTokens: true }) (issue 12, point 7)', () => {
  it("reports Anthropic's exact counts, the same the run is billed for; OpenAI stays counted offline", async () => {
    const batch = await mixed();
    const counted = await batch.dryRun({ countTokens: true });
    // One count per Anthropic job, and nothing else sent: no batch, no upload.
    expect(emulator.stats().calls).toEqual({ [COUNT_ROUTE]: 4 });
    const byJob = Object.fromEntries(counted.jobs.map((job) => [job.jobId, job]));
    expect(byJob.gpt!.inputTokensSource).toBe('estimated');
    for (const id of ['english', 'digits', 'cjk', 'pdf'])
      expect(byJob[id]!.inputTokensSource).toBe('counted');

    const offline = await (await mixed()).dryRun();
    const run = await batch.run({ wait: true });
    expect(Object.values(run.results()).every((result) => result.isSuccess)).toBe(true);
    const bill = await emulator.billing();
    for (const id of ['english', 'digits', 'cjk', 'pdf']) {
      const billed = bill.requests.find((r) => r.customId.endsWith(`_${id}`))!;
      // Exact: what the provider bills for the request's input.
      expect(byJob[id]!.estimatedInputTokens, id).toBe(billed.inputTokens);
      // The offline bound, without countTokens, is never below the count.
      const bound = offline.jobs.find((job) => job.jobId === id)!.estimatedInputTokens;
      expect(bound, id).toBeGreaterThanOrEqual(billed.inputTokens);
    }
    // The totals and costs are built from the counts.
    expect(counted.totals.inputTokens).toBe(
      counted.jobs.reduce((sum, job) => sum + job.estimatedInputTokens, 0),
    );
    expect(counted.totals.inputTokens).toBeLessThan(offline.totals.inputTokens);
  });

  it('rides over 429 and 5xx answers of the counting endpoint', async () => {
    emulator.injectFault({ route: COUNT_ROUTE, status: 429, times: 3 });
    emulator.injectFault({ route: COUNT_ROUTE, status: 500, times: 2 });
    const report = await (await mixed({ anthropic: { maxRetries: 0 } })).dryRun({
      countTokens: { concurrency: 2 },
    });
    expect(report.jobs.filter((job) => job.inputTokensSource === 'counted')).toHaveLength(4);
    expect(emulator.stats().calls[COUNT_ROUTE]).toBe(4 + 5);
  });

  it('needs the Anthropic API key, and says so before sending anything', async () => {
    const saved = process.env.ANTHROPIC_API_KEY;
    delete process.env.ANTHROPIC_API_KEY;
    try {
      const batch = new Batch({ anthropic: { baseURL: emulator.anthropicBaseURL } })
        .setVerbosity('silent')
        .addJob({ model: 'claude-haiku-4-5', messages: userMessage('x') });
      await expect(batch.dryRun({ countTokens: true })).rejects.toMatchObject({
        constructor: ConfigurationError,
        code: 'missing_api_key',
      });
      // Without countTokens the dry run needs no key.
      await expect(batch.dryRun()).resolves.toBeDefined();
      expect(emulator.stats().calls).toEqual({});
    } finally {
      if (saved !== undefined) process.env.ANTHROPIC_API_KEY = saved;
    }
  });
});

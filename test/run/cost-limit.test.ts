import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { seededRandom } from '../../src/emulator/random.js';
import { batchCost } from '../../src/pricing/prices.js';
import { batchFor, userMessage } from '../helpers/batch.js';

let emulator: Emulator;
beforeEach(async () => {
  emulator = await startEmulator({ processingMs: 30 });
});
afterEach(() => emulator.close());

describe('cost', () => {
  it('gives each result its cost from usage at the batch price', async () => {
    const run = await batchFor(emulator)
      .addJob({ id: 'a', model: 'claude-haiku-4-5', messages: userMessage('question 0') })
      .addJob({ id: 'b', model: 'gpt-4o-mini', messages: userMessage('question 0') })
      .run({ wait: true });
    const a = run.results().a!;
    const b = run.results().b!;
    // Emulator token rules (docs/emulator.md). Claude: 5 for the text + 4 a message + 3 a request in, 9 out;
    // OpenAI (o200k_base): 3 for the text + 3 a message + 1 for the role + 3 priming the reply in, 6 out.
    expect(a.costUsd).toBeCloseTo(((12 * 1 + 9 * 5) / 1e6) * 0.5, 12);
    expect(b.costUsd).toBeCloseTo(((10 * 0.15 + 6 * 0.6) / 1e6) * 0.5, 12);
    expect(run.progress()).toMatchObject({ costReservedUsd: 0 });
    expect(run.progress().costUsd).toBeCloseTo(a.costUsd! + b.costUsd!, 12);
  });

  it('an unknown price is refused with a cost limit, before any request, and is null without one', async () => {
    const job = { id: 'x', model: 'claude-unpriced-1', messages: userMessage('hi') };
    // A private model: served by this emulator, described to batchwise, absent from the price table.
    emulator.configure({ models: { anthropic: ['claude-unpriced-1'] } });
    const { registerModel } = await import('../../src/index.js');
    registerModel({
      name: 'claude-unpriced-1',
      provider: 'anthropic',
      maxOutputTokens: 4096,
      temperature: { min: 0, max: 1 },
      capabilities: { pdf: true, images: true, citations: true, structured: true },
    });
    await expect(batchFor(emulator).addCostLimit({ usd: 1 }).addJob(job).run()).rejects.toMatchObject({
      code: 'unknown_price',
      message: expect.stringContaining('No price for model claude-unpriced-1'),
    });
    expect(emulator.stats().calls).toEqual({});
    const run = await batchFor(emulator).addJob(job).run({ wait: true });
    expect(run.results().x).toMatchObject({ status: 'succeeded', costUsd: null });
    expect(run.progress().costUsd).toBeNull();
    const priced = await batchFor(emulator, {
      prices: { 'claude-unpriced-1': { inputPerMTok: 2, outputPerMTok: 4 } },
    })
      .addCostLimit({ usd: 1 })
      .addJob(job)
      .run({ wait: true });
    // Emulator token rule for Claude: 'hi' is 2 + 4 + 3 = 9 in, 'Reply to: hi' 6 out.
    expect(priced.results().x!.costUsd).toBeCloseTo(((9 * 2 + 6 * 4) / 1e6) * 0.5, 12);
  });

  it('a tool the provider runs at will (web search, fetch, code execution, MCP) is refused with a cost limit, before any request', async () => {
    const unbounded: [string, Record<string, unknown>, string][] = [
      [
        'claude-haiku-4-5',
        { anthropic: { tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 3 }] } },
        'providerOptions.anthropic.tools[0] is web_search_20250305',
      ],
      [
        'claude-haiku-4-5',
        {
          anthropic: {
            tools: [
              { name: 'lookup', input_schema: { type: 'object' } },
              { type: 'web_fetch_20250910', name: 'web_fetch' },
            ],
          },
        },
        'providerOptions.anthropic.tools[1] is web_fetch_20250910',
      ],
      [
        'claude-haiku-4-5',
        { anthropic: { tools: [{ type: 'code_execution_20250825', name: 'code_execution' }] } },
        'tools[0] is code_execution_20250825',
      ],
      [
        'claude-haiku-4-5',
        { anthropic: { mcp_servers: [{ type: 'url', url: 'https://example.com/mcp', name: 'x' }] } },
        'providerOptions.anthropic.mcp_servers',
      ],
      ['gpt-4o-mini', { openai: { web_search_options: {} } }, 'providerOptions.openai.web_search_options'],
    ];
    for (const [model, providerOptions, named] of unbounded) {
      const batch = () =>
        batchFor(emulator)
          .addJob({ id: 'plain', model, messages: userMessage('hi') })
          .addJob({ id: 'searching', model, messages: userMessage('hi'), providerOptions });
      for (const attempt of [
        () => batch().addCostLimit({ usd: 1 }).run(),
        () => batch().addCostLimit({ usd: 1 }).dryRun(),
      ]) {
        await expect(attempt(), named).rejects.toMatchObject({
          code: 'cost_unbounded',
          jobId: 'searching',
          message: expect.stringContaining(named),
        });
      }
      // Without a limit it is the user's call: the plan is made.
      expect((await batch().dryRun()).jobs).toHaveLength(2);
    }
    expect(emulator.stats().calls).toEqual({});
    // Tools the caller runs (a custom tool, a client tool such as bash) cost only their tokens: a limit holds them.
    const plan = await batchFor(emulator)
      .addCostLimit({ usd: 1 })
      .addJob({
        id: 'client-tools',
        model: 'claude-haiku-4-5',
        messages: userMessage('hi'),
        providerOptions: {
          anthropic: {
            tools: [
              { name: 'lookup', input_schema: { type: 'object' } },
              { type: 'bash_20250124', name: 'bash' },
            ],
          },
        },
      })
      .dryRun();
    expect(plan.jobs[0]!.stoppedByCostLimit).toBe(false);
    // No MCP server connected connects nothing (mcp_servers is a beta field: not in the SDK's types).
    const noServers: Record<string, unknown> = { anthropic: { mcp_servers: [] } };
    const none = await batchFor(emulator)
      .addCostLimit({ usd: 1 })
      .addJob({
        id: 'no-mcp',
        model: 'claude-haiku-4-5',
        messages: userMessage('hi'),
        providerOptions: noServers,
      })
      .dryRun();
    expect(none.jobs).toHaveLength(1);
  });

  it('reuses budget freed by results: jobs that did not fit are sent later', async () => {
    // Each job reserves its worst case (4,000 output tokens) but costs a few tokens; the limit fits two at a time.
    const worstCase = batchCost('claude-haiku-4-5', 'anthropic', { inputTokens: 40, outputTokens: 4_000 })!;
    const batch = batchFor(emulator, { itemsPerBatch: 6 }).addCostLimit({ usd: worstCase * 2.5 });
    for (let i = 0; i < 6; i++)
      batch.addJob({
        id: `j${i}`,
        model: 'claude-haiku-4-5',
        maxTokens: 4_000,
        messages: userMessage(`q${i}`),
      });
    const run = await batch.run();
    let reached = 0;
    run.on('costLimitReached', () => reached++);
    const results = await run.wait();
    expect(Object.values(results).every((r) => r.isSuccess)).toBe(true);
    expect(emulator.stats().batchesCreated.anthropic).toBeGreaterThanOrEqual(3);
    expect(reached).toBeLessThanOrEqual(1);
    expect(run.progress()).toMatchObject({ costReservedUsd: 0, completed: 6 });
  });

  it('jobs that can never fit end failed with cost_limit, and costLimitReached fires once', async () => {
    const batch = batchFor(emulator, { itemsPerBatch: 2 }).addCostLimit({ usd: 0.000001 });
    for (let i = 0; i < 4; i++)
      batch.addJob({ id: `j${i}`, model: 'claude-haiku-4-5', maxTokens: 4_000, messages: userMessage('q') });
    const events: unknown[] = [];
    const run = await batch.run();
    run.on('costLimitReached', (info) => events.push(info));
    const results = await run.wait();
    for (const result of Object.values(results)) {
      expect(result).toMatchObject({
        status: 'failed',
        error: { code: 'cost_limit', message: expect.stringContaining('cost limit of $0.000001') },
      });
    }
    expect(emulator.stats().batchesCreated.anthropic).toBe(0);
    expect(run.status().batches).toEqual([]);
  });

  it('never spends past the limit, over many random job mixes (property)', async () => {
    emulator.configure({
      // Answers of random length up to the job's max_tokens, so actual costs range from tiny to the worst case.
      respond: ({ body, customId }) => {
        const max = Number(body.max_tokens ?? body.max_completion_tokens ?? 100);
        const share = (customId.charCodeAt(customId.length - 1) % 10) / 10;
        return { text: 'w'.repeat(Math.floor(max * 4 * share)) };
      },
    });
    const random = seededRandom(42);
    const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)]!;
    for (let round = 0; round < 12; round++) {
      emulator.resetStats();
      const count = 5 + Math.floor(random() * 20);
      const jobs = Array.from({ length: count }, (_, i) => ({
        id: `r${round}-${i}`,
        model: pick(['claude-haiku-4-5', 'gpt-4o-mini', 'claude-sonnet-4-6']),
        maxTokens: 50 + Math.floor(random() * 3_000),
        messages: userMessage('x'.repeat(10 + Math.floor(random() * 3_000))),
      }));
      const worst = jobs.reduce(
        (sum, job) =>
          sum +
          batchCost(job.model, job.model.startsWith('gpt') ? 'openai' : 'anthropic', {
            inputTokens: Math.ceil((job.messages[0]!.content.length + 200) / 3),
            outputTokens: job.maxTokens,
          })!,
        0,
      );
      const limit = worst * (0.05 + random() * 1.1);
      const batch = batchFor(emulator, {
        itemsPerBatch: 1 + Math.floor(random() * 8),
        maxConcurrent: 1 + Math.floor(random() * 3),
      });
      batch.addCostLimit({ usd: limit });
      for (const job of jobs) batch.addJob(job);
      const run = await batch.run();
      let reached = 0;
      run.on('costLimitReached', () => reached++);
      run.on('progress', (p) => expect(p.costUsd!).toBeLessThanOrEqual(limit + 1e-9));
      const results = Object.values(await run.wait());
      expect(results).toHaveLength(count);
      const spent = results.reduce((sum, r) => sum + (r.costUsd ?? 0), 0);
      expect(spent, `round ${round}`).toBeLessThanOrEqual(limit + 1e-12);
      for (const result of results) {
        if (!result.isSuccess) expect(result.error!.code, `round ${round}`).toBe('cost_limit');
      }
      const stopped = results.filter((r) => !r.isSuccess).length;
      expect(reached).toBe(stopped > 0 ? 1 : reached);
      expect(run.progress().costReservedUsd).toBe(0);
    }
  }, 120_000);
});

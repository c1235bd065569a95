import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import type { ProviderName } from '../../src/index.js';
import { batchFor, userMessage } from '../helpers/batch.js';

/** A provider byte limit per batch small enough for a few requests of a test. */
const LIMIT = 200_000;

let emulator: Emulator;
beforeEach(async () => {
  emulator = await startEmulator({
    processingMs: 30,
    limits: { anthropic: { maxBytes: LIMIT }, openai: { maxBytes: LIMIT } },
  });
});
afterEach(() => emulator.close());

const MODELS: Record<ProviderName, string> = { anthropic: 'claude-haiku-4-5', openai: 'gpt-4o-mini' };
const limits = { limits: { maxBytes: LIMIT } };

describe("a provider batch's byte limit", () => {
  for (const provider of ['anthropic', 'openai'] as const) {
    it(`${provider}: requests that outgrow their estimate as JSON are split into batches that fit, none refused`, async () => {
      // Each control character of a text file is six bytes of JSON (\u0001): 20,000 of them are about 120 kB on the
      // wire, where the planner counts a text file at twice its bytes (40 kB), so it packs all four into one batch.
      const text = new Uint8Array(20_000).fill(1);
      const batch = batchFor(emulator, { anthropic: limits, openai: limits });
      for (let i = 0; i < 4; i++) {
        batch.addJob({
          id: `f${i}`,
          model: MODELS[provider],
          maxTokens: 50,
          file: { data: text, name: `controls-${i}.txt` },
          prompt: 'Summarize.',
        });
      }
      const run = await batch.run({ wait: true });
      expect(Object.values(run.results()).map((r) => r.status)).toEqual(Array(4).fill('succeeded'));
      // Two such requests pass the limit: each went alone.
      expect(emulator.stats().batchesCreated[provider]).toBe(4);
    });
  }

  it("counts a job's schema: jobs with a large one are planned into batches that fit", async () => {
    const shape: Record<string, z.ZodString> = {};
    for (let i = 0; i < 200; i++)
      shape[`field_number_${i}`] = z
        .string()
        .describe(`A long description of field ${i}, saying what to extract`);
    const batch = batchFor(emulator, { anthropic: limits });
    for (let i = 0; i < 10; i++) {
      batch.addJob({
        id: `j${i}`,
        model: 'claude-haiku-4-5',
        maxTokens: 10_000,
        messages: userMessage(`q${i}`),
        responseModel: z.object(shape),
      });
    }
    const plan = await batch.dryRun();
    const run = await batch.run({ wait: true });
    expect(Object.values(run.results()).every((r) => r.isSuccess)).toBe(true);
    // The plan is what was sent: each planned batch fits, so none was split or refused.
    expect(plan.batches.length).toBeGreaterThan(1);
    expect(emulator.stats().batchesCreated.anthropic).toBe(plan.batches.length);
  });
});

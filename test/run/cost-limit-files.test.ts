import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { batchFor } from '../helpers/batch.js';
import { billedCost } from '../helpers/billing.js';
import { until } from '../helpers/clients.js';
import { makePng } from '../helpers/image.js';
import { makePagesPdf, makePdf } from '../helpers/pdf.js';

let emulator: Emulator;
beforeEach(async () => {
  emulator = await startEmulator({ processingMs: 40 });
});
afterEach(() => emulator.close());

/**
 * Large and odd-shaped images (each provider scales them by its own rule) and multi-page PDFs of several page sizes
 * and text densities. The emulator bills them by the providers' documented image rules, independently of the
 * client's estimate.
 */
async function files() {
  const dense = Array.from(
    { length: 38 },
    (_, i) => `Line ${i}: 4 8 15 16 23 42 0x7f3a9c 9f8e7d ${'ab '.repeat(20)}`,
  );
  return [
    { name: 'photo.png', data: makePng(4000, 3000) },
    { name: 'tall.png', data: makePng(600, 7900) },
    { name: 'square.png', data: makePng(1024, 1024) },
    { name: 'small.png', data: makePng(90, 60) },
    { name: 'letter.pdf', data: await makePagesPdf(12) },
    { name: 'a3.pdf', data: await makePagesPdf(5, [842, 1191]) },
    { name: 'strip.pdf', data: await makePagesPdf(4, [1400, 200]) },
    { name: 'dense.pdf', data: await makePdf([dense, dense, dense]) },
  ];
}

describe('the cost limit with images and PDFs, billed by the emulator’s image and page rules', () => {
  for (const model of ['claude-haiku-4-5', 'gpt-4o-mini', 'gpt-4.1-mini', 'gpt-4o']) {
    it(`never bills past the limit, and no job past its estimate (${model})`, async () => {
      const inputs = await files();
      const build = (limitUsd: number | null) => {
        const batch = batchFor(emulator, { itemsPerBatch: 3, maxConcurrent: 2 });
        if (limitUsd !== null) batch.addCostLimit({ usd: limitUsd });
        for (let i = 0; i < 2; i++)
          for (const file of inputs)
            batch.addJob({
              id: `${file.name.replace('.', '_')}_${i}`,
              model,
              maxTokens: 16,
              file,
              prompt: 'Describe it.',
            });
        return batch;
      };
      const plan = await build(null).dryRun();
      const billedUsd = (requests: Awaited<ReturnType<Emulator['billing']>>['requests']) =>
        requests.reduce((sum, request) => sum + billedCost(request)!, 0);
      const finalBilling = () =>
        until(
          () => emulator.billing(),
          (b) => b.unfinished.length === 0,
        );

      // Unlimited, every job's estimate holds against what the emulator billed for it.
      await build(null).run({ wait: true });
      const unlimited = await finalBilling();
      expect(unlimited.requests.length).toBe(plan.jobs.length);
      for (const request of unlimited.requests) {
        const planned = plan.jobs.find((job) => request.customId.endsWith(job.jobId))!;
        expect(request.inputTokens, planned.jobId).toBeLessThanOrEqual(planned.estimatedInputTokens);
      }
      // Images and pages are no longer a flat 1,600 / 1,500: the largest image bills more than the smallest.
      const billedFor = (name: string) =>
        unlimited.requests.find((r) => r.customId.endsWith(`${name}_0`))!.inputTokens;
      expect(billedFor('photo_png')).toBeGreaterThan(billedFor('small_png'));

      // Under a limit of half of that bill, some jobs are held back and the bill stays under the limit.
      const limit = billedUsd(unlimited.requests) * 0.5;
      emulator.resetStats();
      const run = await build(limit).run({ wait: true });
      const results = Object.values(run.results());
      expect(results.filter((r) => r.isSuccess).length).toBeGreaterThan(0);
      expect(results.filter((r) => !r.isSuccess).length).toBeGreaterThan(0);
      const limited = await finalBilling();
      expect(limited.requests.length).toBe(results.filter((r) => r.isSuccess).length);
      expect(billedUsd(limited.requests)).toBeLessThanOrEqual(limit + 1e-12);
    }, 60_000);
  }
});

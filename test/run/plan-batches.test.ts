import { describe, expect, it } from 'vitest';
import { normalizeJob } from '../../src/jobs/normalize-job.js';
import type { NormalizedJob } from '../../src/jobs/normalized-job.js';
import { estimateRequestBytes, planBatches } from '../../src/run/plan-batches.js';

function jobs(count: number, model = 'claude-haiku-4-5', prefix = 'j', text = 'hello'): NormalizedJob[] {
  return Array.from({ length: count }, (_, i) =>
    normalizeJob(
      { id: `${prefix}${i}`, model, messages: [{ role: 'user', content: text }] },
      {},
      i,
      new Set(),
    ),
  );
}
const limits = (maxRequests: number, maxBytes: number) => ({ maxRequests, maxBytes });

describe('planBatches', () => {
  it('groups by provider and model, keeping the order jobs were added', () => {
    const mixed = [
      ...jobs(2, 'claude-haiku-4-5', 'h'),
      ...jobs(2, 'claude-sonnet-4-6', 's'),
      ...jobs(1, 'claude-haiku-4-5', 'x'),
    ];
    const planned = planBatches(mixed, { itemsPerBatch: 10, limitsFor: () => limits(100, 1e9) });
    expect(planned.map((b) => [b.index, b.model, b.jobs.map((j) => j.id)])).toEqual([
      [0, 'claude-haiku-4-5', ['h0', 'h1', 'x0']],
      [1, 'claude-sonnet-4-6', ['s0', 's1']],
    ]);
  });

  it('cuts at itemsPerBatch and at the provider request limit, whichever is smaller', () => {
    expect(
      planBatches(jobs(25), { itemsPerBatch: 10, limitsFor: () => limits(100, 1e9) }).map(
        (b) => b.jobs.length,
      ),
    ).toEqual([10, 10, 5]);
    expect(
      planBatches(jobs(25), { itemsPerBatch: 1000, limitsFor: () => limits(8, 1e9) }).map(
        (b) => b.jobs.length,
      ),
    ).toEqual([8, 8, 8, 1]);
  });

  it('cuts at the byte limit', () => {
    const all = jobs(10, 'claude-haiku-4-5', 'j', 'x'.repeat(1000));
    const size = estimateRequestBytes(all[0]!);
    const planned = planBatches(all, { itemsPerBatch: 1000, limitsFor: () => limits(1000, size * 3 + 1) });
    expect(planned.map((b) => b.jobs.length)).toEqual([3, 3, 3, 1]);
    for (const batch of planned)
      expect(batch.jobs.reduce((s, j) => s + estimateRequestBytes(j), 0)).toBeLessThanOrEqual(size * 3 + 1);
  });
});

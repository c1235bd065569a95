import { describe, expect, it } from 'vitest';
import { syntheticAnswer } from '../../bench/synthetic-cited-answer.js';
import { citedBlocks } from '../../src/citations/extract-citations.js';
import { type MappingStats, mapCitations } from '../../src/citations/map-citations.js';

function work(fields: number): { stats: MappingStats; mapped: number; right: number } {
  const { content, parsed } = syntheticAnswer(fields);
  const stats: MappingStats = { comparisons: 0 };
  const mapping = mapCitations(citedBlocks(content), parsed, stats);
  let right = 0;
  for (const [path, list] of Object.entries(mapping)) {
    const i = Number(path.split('_')[1]);
    if (list.length === 1 && list[0]!.text.startsWith(`Field ${i} `)) right++;
  }
  return { stats, mapped: Object.keys(mapping).length, right };
}

// Timing belongs to `npm run bench:citations`; this bounds the work instead, which no machine's load changes.
describe('the mapping does work linear in the size of the answer', () => {
  it('maps every field of a 100-field answer to its own passage', () => {
    const { mapped, right } = work(100);
    expect(mapped).toBe(100);
    expect(right).toBe(100);
  });

  it('compares each value with a few passages, not with all of them', () => {
    const small = work(100).stats.comparisons;
    const large = work(800).stats.comparisons;
    // All pairs would be 100 × 100 = 10,000 and 800 × 800 = 640,000.
    expect(small).toBeLessThan(100 * 10);
    expect(large).toBeLessThan(800 * 10);
    // Eight times the fields, at most about eight times the work (quadratic would be 64 times).
    expect(large / small).toBeLessThan(8 * 1.25);
  });
});

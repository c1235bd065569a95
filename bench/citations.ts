/**
 * How long citation mapping takes on a real-shaped answer (fenced JSON, a bullet recap citing one sentence-chunked
 * passage per field) of growing size. Numbers only, no assertions; test/citations/mapping-work.test.ts bounds the
 * work (comparisons) instead, which load does not change.
 *
 *   npm run bench:citations
 */
import { citedBlocks } from '../src/citations/extract-citations.js';
import { type MappingStats, mapCitations } from '../src/citations/map-citations.js';
import { syntheticAnswer } from './synthetic-cited-answer.js';

const sizes = (process.env.BENCH_FIELDS ?? '100,1000,5000').split(',').map(Number);
const rounds = 20;

console.log('fields   median ms   comparisons   mapped');
for (const fields of sizes) {
  const { content, parsed } = syntheticAnswer(fields);
  const times: number[] = [];
  let stats: MappingStats = { comparisons: 0 };
  let mapped = 0;
  for (let round = 0; round < rounds; round++) {
    stats = { comparisons: 0 };
    const started = performance.now();
    const mapping = mapCitations(citedBlocks(content), parsed, stats);
    times.push(performance.now() - started);
    mapped = Object.keys(mapping).length;
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  console.log(
    `${String(fields).padStart(6)}   ${median.toFixed(2).padStart(9)}   ${String(stats.comparisons).padStart(11)}   ${String(mapped).padStart(6)}`,
  );
}

import { describe, expect, it } from 'vitest';
import { Batch } from '../../src/index.js';
import type { NormalizedJob } from '../../src/jobs/normalized-job.js';
import { jobDigests } from '../../src/store/fingerprint.js';

function jobs(...ids: string[]): NormalizedJob[] {
  const batch = new Batch({ anthropic: { apiKey: 'test' } });
  for (const id of ids)
    batch.addJob({ id, model: 'claude-haiku-4-5', messages: [{ role: 'user', content: id }] });
  // biome-ignore lint/suspicious/noExplicitAny: the normalized jobs are what the state header digests
  return (batch as any).jobs;
}

describe('the job digests of a state header', () => {
  it('has one per job, also for ids an object would take as its own keys', () => {
    const digests = jobDigests(jobs('__proto__', 'constructor', 'toString', 'a'));
    expect(Object.keys(digests)).toEqual(['__proto__', 'constructor', 'toString', 'a']);
    const written = JSON.parse(JSON.stringify(digests)) as Record<string, string>;
    expect(Object.keys(written)).toHaveLength(4);
    for (const digest of Object.values(written)) expect(digest).toMatch(/^[0-9a-f]{16}$/);
    expect(new Set(Object.values(written)).size).toBe(4);
  });
});

import { describe, expect, it } from 'vitest';
import { Batch } from '../../src/index.js';
import type { NormalizedJob } from '../../src/jobs/normalized-job.js';
import { describeDifference, jobDigest, jobDigestsJson } from '../../src/store/fingerprint.js';

function jobs(...ids: string[]): NormalizedJob[] {
  return jobsAsking((id) => id, ...ids);
}

function jobsAsking(content: (id: string) => string, ...ids: string[]): NormalizedJob[] {
  const batch = new Batch({ anthropic: { apiKey: 'test' } });
  for (const id of ids)
    batch.addJob({ id, model: 'claude-haiku-4-5', messages: [{ role: 'user', content: content(id) }] });
  // biome-ignore lint/suspicious/noExplicitAny: the normalized jobs are what the state header digests
  return (batch as any).jobs;
}

/** The digests as a state file gives them back. */
function saved(of: NormalizedJob[]): Record<string, string> {
  return JSON.parse(jobDigestsJson(of).toString('utf8')) as Record<string, string>;
}

describe('the job digests of a state header', () => {
  it('has one per job, also for ids an object would take as its own keys', () => {
    const written = saved(jobs('__proto__', 'constructor', 'toString', 'a'));
    expect(Object.keys(written)).toEqual(['__proto__', 'constructor', 'toString', 'a']);
    for (const digest of Object.values(written)) expect(digest).toMatch(/^[0-9a-f]{16}$/);
    expect(new Set(Object.values(written)).size).toBe(4);
  });

  it('is JSON across the pieces it is made in, at any number of jobs', () => {
    for (const count of [0, 1, 2500, 5000]) {
      const many = jobs(...Array.from({ length: count }, (_, i) => `job-${i}`));
      const written = saved(many);
      expect(Object.keys(written)).toHaveLength(count);
      for (const job of many) expect(written[job.id]).toBe(jobDigest(job));
    }
  });
});

describe('the difference between a state and the jobs declared now', () => {
  it('is nothing for the same jobs', () => {
    const same = jobs('a', 'b', 'constructor');
    expect(describeDifference(saved(same), jobs('a', 'b', 'constructor'))).toBeNull();
  });

  it('names jobs added, removed and changed', () => {
    const before = saved(jobs('a', 'b', 'c'));
    const now = jobsAsking((id) => (id === 'b' ? 'something else' : id), 'a', 'b', 'd');
    expect(describeDifference(before, now)).toBe(
      '1 job(s) added (d); 1 job(s) removed (c); 1 job(s) changed: model, parameters, prompt, file or schema (b)',
    );
  });

  it('takes a job named like a property every object has as added, not as changed', () => {
    expect(describeDifference(saved(jobs('a')), jobs('a', 'toString', 'constructor'))).toBe(
      '2 job(s) added (toString, constructor)',
    );
    expect(describeDifference(saved(jobs('a', '__proto__')), jobs('a'))).toBe('1 job(s) removed (__proto__)');
  });

  it('lists five of each and counts the rest', () => {
    const before = saved(jobs('a'));
    const now = jobs('a', ...Array.from({ length: 8 }, (_, i) => `n${i}`));
    expect(describeDifference(before, now)).toBe('8 job(s) added (n0, n1, n2, n3, n4 and 3 more)');
  });
});

import { describe, expect, it } from 'vitest';
import { ResultStore } from '../../src/run/result-store.js';
import type { JobResult } from '../../src/types.js';

function result(jobId: string, fields: Partial<JobResult> = {}): JobResult {
  return {
    jobId,
    status: 'succeeded',
    isSuccess: true,
    rawResponse: `the answer of ${jobId}`,
    parsedResponse: null,
    citations: [],
    citationMappings: {},
    inputTokens: 12,
    outputTokens: 3,
    totalTokens: 15,
    costUsd: 0.000_012_5,
    error: null,
    provider: 'anthropic',
    model: 'claude-haiku-4-5',
    providerBatchId: 'msgbatch_1',
    stopReason: 'end_turn',
    attempts: 1,
    ...fields,
  };
}

describe('the result store', () => {
  it('gives back every field of every result as it was kept, past many column growths', () => {
    const store = new ResultStore();
    const kept: JobResult[] = [];
    for (let i = 0; i < 1_000; i++) {
      const r = result(`job-${i}`, {
        inputTokens: i,
        outputTokens: 2 ** 40 + i,
        totalTokens: 2 ** 40 + 2 * i,
        costUsd: i % 3 === 0 ? null : i / 7,
        rawResponse: i % 5 === 0 ? null : `answer ${i} — ünïcödé 😀`,
        providerBatchId: `msgbatch_${i % 4}`,
      });
      kept.push(r);
      store.set(r);
    }
    expect(store.size).toBe(1_000);
    for (const r of kept) expect(store.get(r.jobId)).toEqual(r);
    // Shared fields are kept once per distinct set: four provider batches here.
    expect(store.shapeCount).toBe(4);
    expect(store.get('nobody')).toBeUndefined();
  });

  it('keeps exactly what UTF-8 cannot carry or the arena does not take: half a character, a long answer', () => {
    const store = new ResultStore();
    const half = 'cut in two: \ud83d';
    const long = 'x'.repeat(300_000);
    store.set(result('half', { rawResponse: half }));
    store.set(result('long', { rawResponse: long }));
    store.set(result('empty', { rawResponse: '' }));
    expect(store.get('half')!.rawResponse).toBe(half);
    expect(store.get('long')!.rawResponse).toBe(long);
    expect(store.get('empty')!.rawResponse).toBe('');
  });

  it('hands back the same parsed answer, citations and error objects; fresh empty ones where there are none', () => {
    const store = new ResultStore();
    const parsedResponse = { total: 3, at: new Date(0) };
    const citations = [{ text: 't', source: 'doc.pdf', page: 1 }] as JobResult['citations'];
    const error = { code: 'invalid', message: 'total: expected number' };
    store.set(result('a', { parsedResponse, citations }));
    store.set(result('b', { status: 'invalid', isSuccess: false, error }));
    const a = store.get('a')!;
    expect(a.parsedResponse).toBe(parsedResponse);
    expect(a.citations).toBe(citations);
    expect(store.get('b')!.error).toBe(error);
    store.set(result('c'));
    const c1 = store.get('c')!;
    const c2 = store.get('c')!;
    expect(c1).not.toBe(c2);
    expect(c1.citations).not.toBe(c2.citations);
    c1.citations.push(citations[0]!);
    expect(store.get('c')!.citations).toEqual([]);
  });

  it('replaces a job result with its next one, and tells success and finality from the one it has', () => {
    const store = new ResultStore();
    store.set(
      result('j', {
        status: 'failed',
        isSuccess: false,
        error: { code: 'write_failed', message: 'disk full' },
      }),
    );
    expect(store.isSuccess('j')).toBe(false);
    expect(store.isFinal('j')).toBe(false);
    const next = result('j', { parsedResponse: { ok: true } });
    store.set(next);
    expect(store.size).toBe(1);
    expect(store.isSuccess('j')).toBe(true);
    expect(store.isFinal('j')).toBe(true);
    expect(store.get('j')).toEqual(next);
    expect(store.isFinal('other')).toBeUndefined();
  });

  it('reads back a result file of another version as it is: a missing answer, token count, cost or parsed answer', () => {
    const store = new ResultStore();
    const odd = { ...result('odd'), inputTokens: null, outputTokens: undefined, costUsd: undefined };
    // biome-ignore lint/suspicious/noExplicitAny: a file on disk need not match the type
    const loose = odd as any;
    delete loose.rawResponse;
    loose.parsedResponse = undefined;
    store.set(loose);
    const back = store.get('odd')!;
    expect(back.rawResponse).toBeUndefined();
    expect(back.inputTokens).toBeNull();
    expect(back.outputTokens).toBeUndefined();
    expect(back.costUsd).toBeUndefined();
    expect(back.parsedResponse).toBeUndefined();
    expect(back.totalTokens).toBe(15);
    store.set(result('odd'));
    expect(store.get('odd')).toEqual(result('odd'));
  });
});

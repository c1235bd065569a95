import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { Batch, JobValidationError } from '../../src/index.js';
import { batchFor, userMessage } from '../helpers/batch.js';

const base = () => new Batch().setVerbosity('silent').defaults({ model: 'claude-haiku-4-5' });

function refusal(act: () => unknown): JobValidationError {
  try {
    act();
  } catch (error) {
    if (error instanceof JobValidationError) return error;
    throw error;
  }
  throw new Error('not refused');
}

describe('job ids', () => {
  it('a generated id never collides with an id the user gave (and never blames the user)', async () => {
    const batch = base()
      .addJob({ id: 'job-00002', messages: userMessage('named') })
      .addJob({ messages: userMessage('unnamed 1') })
      .addJob({ messages: userMessage('unnamed 2') });
    const report = await batch.dryRun();
    expect(report.jobs.map((job) => job.jobId)).toEqual(['job-00002', 'job-00003', 'job-00004']);
  });

  it('generated ids are the same for the same jobs in the same order (a resume finds them)', async () => {
    const ids = async () =>
      (
        await base()
          .addJob({ messages: userMessage('a') })
          .addJob({ id: 'job-00003', messages: userMessage('b') })
          .addJob({ messages: userMessage('c') })
          .addJob({ messages: userMessage('d') })
          .dryRun()
      ).jobs.map((job) => job.jobId);
    expect(await ids()).toEqual(['job-00001', 'job-00003', 'job-00004', 'job-00005']);
    expect(await ids()).toEqual(await ids());
  });

  it('a user id that takes a generated one is a duplicate, and the message says where the other came from', () => {
    const error = refusal(() =>
      base()
        .addJob({ messages: userMessage('unnamed') })
        .addJob({ id: 'job-00001', messages: userMessage('named') }),
    );
    expect(error.code).toBe('duplicate_job_id');
    expect(error.message).toContain('given to jobs added without an id');
  });

  it('ids that differ only by case are refused: they share one file on macOS and Windows', () => {
    const error = refusal(() =>
      base()
        .addJob({ id: 'Invoice-1', messages: userMessage('a') })
        .addJob({ id: 'invoice-1', messages: userMessage('b') }),
    );
    expect(error.code).toBe('job_id_case_conflict');
    expect(error.jobId).toBe('invoice-1');
    expect(error.message).toContain('"Invoice-1"');
  });

  it('Windows device names are refused as ids, in any case; ids that only contain them are not', () => {
    for (const id of ['CON', 'nul', 'Aux', 'com1', 'LPT9']) {
      const error = refusal(() => base().addJob({ id, messages: userMessage('a') }));
      expect(error).toMatchObject({ code: 'invalid_job_id', jobId: id });
      expect(error.message).toContain('device name on Windows');
    }
    expect(() =>
      base()
        .addJob({ id: 'console', messages: userMessage('a') })
        .addJob({ id: 'null-1', messages: userMessage('b') })
        .addJob({ id: 'com10', messages: userMessage('c') }),
    ).not.toThrow();
  });
});

describe('job ids named like object properties', () => {
  it('__proto__, constructor, toString and hasOwnProperty are keys of the results like any other', async () => {
    const emulator = await startEmulator({ processingMs: 20 });
    try {
      const ids = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'plain'];
      const batch = batchFor(emulator).defaults({ model: 'claude-haiku-4-5', maxTokens: 50 });
      for (const id of ids) batch.addJob({ id, messages: userMessage(`question ${id}`) });
      const run = await batch.run();
      const waited = await run.wait();
      for (const results of [waited, run.results()]) {
        expect(Object.keys(results)).toEqual(ids);
        expect(Object.getPrototypeOf(results)).toBe(Object.prototype);
        expect(Object.keys(JSON.parse(JSON.stringify(results)))).toEqual(ids);
        for (const id of ids) {
          expect(Object.hasOwn(results, id)).toBe(true);
          expect(results[id]).toMatchObject({
            jobId: id,
            status: 'succeeded',
            rawResponse: `Reply to: question ${id}`,
          });
        }
        // No job's result answers for a key no job has.
        expect((results as Record<string, unknown>).status).toBeUndefined();
      }
    } finally {
      await emulator.close();
    }
  });
});

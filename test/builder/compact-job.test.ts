import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { JobStorage } from '../../src/jobs/compact-job.js';
import { normalizeJob } from '../../src/jobs/normalize-job.js';
import type { JobFields, NormalizedJob } from '../../src/jobs/normalized-job.js';
import { withRetryNote } from '../../src/jobs/retry-note.js';
import type { JobInput, JobSettings } from '../../src/types.js';

const FIELDS = [
  'id',
  'provider',
  'model',
  'modelInfo',
  'temperature',
  'maxTokens',
  'reasoningEffort',
  'providerOptions',
  'expectedOutputTokens',
  'enableCitations',
  'content',
  'output',
  'retryInvalid',
  'attempt',
  'resubmits',
  'warnings',
] as const satisfies readonly (keyof JobFields)[];

/** Every field as a plain object: what a compact job must read as, whatever it keeps inside. */
function read(job: NormalizedJob): Record<string, unknown> {
  return Object.fromEntries(FIELDS.map((field) => [field, job[field]]));
}

function add(
  inputs: JobInput[],
  defaults: JobSettings = { model: 'claude-haiku-4-5' },
  pool = new JobStorage(),
) {
  const taken = new Set<string>();
  return inputs.map((input, index) => {
    const job = normalizeJob(input, defaults, index, taken, pool);
    taken.add(job.id);
    return job;
  });
}

describe('compact jobs', () => {
  it('read back every field of every kind of content as given', () => {
    const Answer = z.object({ word: z.string() });
    const [single, several, withSchema] = add([
      { messages: [{ role: 'user', content: 'one question' }] },
      {
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Hello' },
          { role: 'user', content: 'Again' },
        ],
        maxTokens: 77,
        providerOptions: { anthropic: { stop_sequences: ['END'] } },
      },
      {
        messages: [{ role: 'user', content: 'typed' }],
        responseModel: Answer,
        retryInvalid: 2,
        expectedOutputTokens: 10,
      },
    ]);
    expect(single!.content).toEqual({
      kind: 'messages',
      messages: [{ role: 'user', content: 'one question' }],
    });
    expect(read(several!)).toMatchObject({
      maxTokens: 77,
      providerOptions: { stop_sequences: ['END'] },
      content: {
        kind: 'messages',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Hello' },
          { role: 'user', content: 'Again' },
        ],
      },
    });
    expect(read(withSchema!)).toMatchObject({ retryInvalid: 2, expectedOutputTokens: 10, attempt: 1 });
    expect(withSchema!.output?.schema).toBe(Answer);
  });

  it('share one settings object between jobs whose settings are equal, and only those', () => {
    const pool = new JobStorage();
    const [a, b, longer, optioned, sameOptions] = add([
      { messages: [{ role: 'user', content: 'a' }] },
      { messages: [{ role: 'user', content: 'b' }] },
      { messages: [{ role: 'user', content: 'c' }], maxTokens: 99 },
      {
        messages: [{ role: 'user', content: 'd' }],
        providerOptions: { anthropic: { metadata: { user_id: 'u' } } },
      },
      {
        messages: [{ role: 'user', content: 'e' }],
        providerOptions: { anthropic: { metadata: { user_id: 'u' } } },
      },
    ]);
    const shared = (job: NormalizedJob) => pool.intern(job);
    expect(shared(a!)).toBe(shared(b!));
    expect(shared(optioned!)).toBe(shared(sameOptions!));
    expect(shared(longer!)).not.toBe(shared(a!));
    expect(shared(optioned!)).not.toBe(shared(a!));
    // Two schemas that convert alike are still two schemas: each job parses with its own.
    const [x, y] = add([
      { messages: [{ role: 'user', content: 'x' }], responseModel: z.object({ n: z.number() }) },
      { messages: [{ role: 'user', content: 'y' }], responseModel: z.object({ n: z.number() }) },
    ]);
    expect(shared(x!)).not.toBe(shared(y!));
    expect(x!.output?.schema).not.toBe(y!.output?.schema);
  });

  it('share settings between jobs taking turns, and keep nothing beside a job whose settings are its own', () => {
    const storage = new JobStorage();
    // biome-ignore lint/suspicious/noExplicitAny: how many settings the storage remembers is what this checks
    const remembered = () => (storage as any).recent.length as number;
    const models = ['claude-haiku-4-5', 'claude-sonnet-4-5', 'gpt-4o-mini'];
    const turns = add(
      models.flatMap((_, round) =>
        models.map((model) => ({ model, messages: [{ role: 'user' as const, content: `q${round}` }] })),
      ),
      undefined,
      storage,
    );
    expect(remembered()).toBe(3);
    expect(turns.map((job) => storage.intern(job)).filter((s, i, all) => all.indexOf(s) === i)).toHaveLength(
      3,
    );
    // Options equal in any key order are the same settings.
    const [p, q] = add([
      {
        messages: [{ role: 'user', content: 'p' }],
        providerOptions: { anthropic: { metadata: { user_id: 'u' }, stop_sequences: ['X'] } },
      },
      {
        messages: [{ role: 'user', content: 'q' }],
        providerOptions: { anthropic: { stop_sequences: ['X'], metadata: { user_id: 'u' } } },
      },
    ]);
    expect(storage.intern(p!)).toBe(storage.intern(q!));
    // A user_id per job: each job has settings of its own, and the storage keeps only the last few.
    add(
      Array.from({ length: 200 }, (_, i) => ({
        messages: [{ role: 'user' as const, content: `u${i}` }],
        providerOptions: { anthropic: { metadata: { user_id: `user-${i}` } } },
      })),
      undefined,
      storage,
    );
    expect(remembered()).toBe(16);
  });

  it('change through with(): the copy keeps every other field, the job itself is unchanged', () => {
    const storage = new JobStorage();
    const [job] = add(
      [
        {
          id: 'j',
          messages: [{ role: 'user', content: 'typed' }],
          responseModel: z.object({ word: z.string() }),
          retryInvalid: 1,
        },
        // Another text after it: the arena's last text is not this job's.
        { id: 'k', messages: [{ role: 'user', content: 'other' }] },
      ],
      undefined,
      storage,
    );
    const before = read(job!);
    // biome-ignore lint/suspicious/noExplicitAny: the arena's fill level is what this checks
    const arenaUsed = () => (storage.text as any).used as number;
    const used = arenaUsed();
    const resubmitted = job!.with({ resubmits: 2 });
    // The same text is not stored again for a copy that keeps it.
    expect(arenaUsed()).toBe(used);
    expect(read(resubmitted)).toEqual({ ...before, resubmits: 2 });
    const retried = withRetryNote(resubmitted, 'word is missing');
    expect(read(retried)).toMatchObject({ id: 'j', attempt: 2, resubmits: 2, retryInvalid: 1 });
    expect(retried.content).toEqual({
      kind: 'messages',
      messages: [
        { role: 'user', content: expect.stringMatching(/^typed\n\nA previous answer .*word is missing/) },
      ],
    });
    expect(read(job!)).toEqual(before);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { type Batch, type BatchwiseError, type JobInput, JobValidationError } from '../../src/index.js';
import { loneSurrogateAt } from '../../src/jobs/lone-surrogates.js';
import { normalizeJob } from '../../src/jobs/normalize-job.js';
import { withRetryNote } from '../../src/jobs/retry-note.js';
import { batchFor, userMessage } from '../helpers/batch.js';
import { makePng } from '../helpers/image.js';

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ processingMs: 10 });
});
afterAll(() => emulator.close());

// Half of 😀 (U+1F600 is \ud83d\ude00): what `'…😀'.slice(0, -1)` leaves.
const HIGH = '\ud83d';
const LOW = '\ude00';

function refused(batch: Batch, job: JobInput, ...mentions: string[]): BatchwiseError {
  let thrown: unknown;
  try {
    batch.addJob(job);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(JobValidationError);
  expect((thrown as BatchwiseError).code).toBe('invalid_unicode');
  expect((thrown as BatchwiseError).jobId).toBe(job.id);
  for (const mention of [`Job "${job.id}"`, 'toWellFormed()', ...mentions])
    expect((thrown as Error).message).toContain(mention);
  return thrown as BatchwiseError;
}

describe('loneSurrogateAt()', () => {
  it('finds a high half without its low half, a low half alone, and a pair in the wrong order', () => {
    expect(loneSurrogateAt('fine 😀 and 𝄞')).toBe(-1);
    expect(loneSurrogateAt(`cut ${HIGH}`)).toBe(4);
    expect(loneSurrogateAt(`${HIGH}x`)).toBe(0);
    expect(loneSurrogateAt(`x${LOW}`)).toBe(1);
    expect(loneSurrogateAt(`${LOW}${HIGH}`)).toBe(0);
    expect(loneSurrogateAt(`😀${HIGH}${HIGH}${LOW}`)).toBe(2);
  });
});

describe('.addJob() refuses text holding half a character (a lone UTF-16 surrogate)', () => {
  for (const model of ['claude-haiku-4-5', 'gpt-4o-mini']) {
    it(`in a message, on ${model}: names the job, the message, the code unit and the fix`, () => {
      const batch = batchFor(emulator).defaults({ model });
      const error = refused(
        batch,
        { id: 'bad', messages: userMessage(`emoji cut in half: ${HIGH}`) },
        'messages[0].content',
        '\\ud83d at index 19',
        'after "emoji cut in half: "',
        'no low surrogate in string',
      );
      expect(error.message).not.toContain(HIGH);
    });
  }

  it('in a system message, a later turn, a prompt, a file name, and a lone low half', () => {
    const batch = batchFor(emulator).defaults({ model: 'claude-haiku-4-5' });
    refused(
      batch,
      {
        id: 'sys',
        messages: [
          { role: 'system', content: `Be brief ${LOW}` },
          { role: 'user', content: 'Hi' },
        ],
      },
      'messages[0].content',
      '\\ude00',
    );
    refused(
      batch,
      {
        id: 'turn',
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Hello' },
          { role: 'user', content: `${HIGH} and more` },
        ],
      },
      'messages[2].content',
      'at index 0)',
    );
    const png = makePng(4, 4);
    refused(
      batch,
      { id: 'prompt', file: { data: png, name: 'a.png' }, prompt: `What is ${HIGH}?` },
      'prompt',
    );
    refused(
      batch,
      { id: 'name', file: { data: png, name: `photo${HIGH}.png` }, prompt: 'Describe' },
      'the file name',
    );
    refused(
      batch,
      {
        id: 'names',
        files: [
          { data: png, name: 'a.png' },
          { data: png, name: `b${LOW}.png` },
        ],
        prompt: 'Compare',
      },
      'the name of files[1]',
    );
  });

  it('in providerOptions strings and keys, which go into the request body', () => {
    const batch = batchFor(emulator).defaults({ model: 'claude-haiku-4-5' });
    refused(
      batch,
      {
        id: 'meta',
        messages: userMessage('Hi'),
        providerOptions: { anthropic: { metadata: { user_id: `user ${HIGH}` } } },
      },
      'providerOptions.anthropic.metadata.user_id',
    );
    refused(
      batch,
      {
        id: 'key',
        model: 'gpt-4o-mini',
        messages: userMessage('Hi'),
        providerOptions: { openai: { metadata: { [`k${HIGH}`]: 'v' } } },
      },
      'a key of providerOptions.openai.metadata',
    );
    // From defaults() too: the merged options are what is sent.
    refused(
      batchFor(emulator).defaults({
        model: 'claude-haiku-4-5',
        providerOptions: { anthropic: { stop_sequences: ['END', `${LOW}`] } },
      }),
      { id: 'defaults', messages: userMessage('Hi') },
      'providerOptions.anthropic.stop_sequences[1]',
    );
  });

  it('in a responseModel description, which goes into the request as JSON Schema', () => {
    const batch = batchFor(emulator).defaults({ model: 'gpt-4o-mini' });
    const Answer = z.object({ mood: z.string().describe(`the mood ${HIGH}`) });
    refused(
      batch,
      { id: 'schema', messages: userMessage('How do I feel?'), responseModel: Answer },
      'responseModel (as JSON Schema).properties.mood.description',
    );
  });

  it('whole emoji and repaired text pass, the jobs beside a refused one run, and nothing was sent for it', async () => {
    const batch = batchFor(emulator).defaults({ model: 'claude-haiku-4-5', maxTokens: 50 });
    for (let i = 0; i < 3; i++) batch.addJob({ id: `ok${i}`, messages: userMessage(`fine ${i} 😀`) });
    refused(batch, { id: 'bad', messages: userMessage(`emoji cut in half: ${HIGH}`) }, 'messages[0].content');
    const repaired = `emoji cut in half: ${HIGH}`.replace(HIGH, '\ufffd');
    batch.addJob({ id: 'repaired', model: 'gpt-4o-mini', messages: userMessage(repaired) });
    expect(emulator.stats().calls).toEqual({});
    const run = await batch.run({ wait: true });
    const results = run.results();
    expect(Object.keys(results).sort()).toEqual(['ok0', 'ok1', 'ok2', 'repaired']);
    for (const result of Object.values(results)) expect(result.status).toBe('succeeded');
  });
});

describe('a retry note quoting half a character', () => {
  // zod quotes an unknown key as the model wrote it: `Unrecognized key: "k\ud83d"`.
  const problem = `Unrecognized key: "k${HIGH}" and "${LOW}x", beside a whole 😀`;
  const single = normalizeJob(
    {
      id: 'one',
      model: 'claude-haiku-4-5',
      messages: userMessage('Count.'),
      responseModel: z.object({ n: z.number() }),
    },
    {},
    0,
    new Set(),
  );
  const layered = normalizeJob(
    {
      id: 'two',
      model: 'claude-haiku-4-5',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Count.' },
      ],
      responseModel: z.object({ n: z.number() }),
    },
    {},
    0,
    new Set(),
  );

  it.each([
    ['one user message', single],
    ['a system and a user message', layered],
  ])('is sent whole, its halves as U+FFFD, whatever the job holds (%s)', (_, job) => {
    const retried = withRetryNote(job, problem);
    const content = retried.content.kind === 'messages' ? retried.content.messages.at(-1)!.content : '';
    expect(loneSurrogateAt(content)).toBe(-1);
    expect(content).toContain('Unrecognized key: "k\uFFFD" and "\uFFFDx", beside a whole 😀');
  });
});

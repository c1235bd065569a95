import { mkdtemp, readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { Batch, type BatchRun, type Logger } from '../../src/index.js';
import { userMessage } from '../helpers/batch.js';

/** A key the emulator insists on, so that every request carries it (and an echoed header shows it). */
const KEY = 'sk-test-do-not-leak-3f9a1c7e5b2d';
let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ apiKey: KEY, processingMs: 20 });
});
afterAll(() => emulator.close());

/** Everything a user might keep or show: logs, errors, events, results, files, the objects themselves. */
function collector() {
  const lines: string[] = [];
  const logger: Logger = {
    debug: (m) => lines.push(m),
    info: (m) => lines.push(m),
    warn: (m) => lines.push(m),
    error: (m) => lines.push(m),
  };
  const shown: string[] = [];
  const show = (value: unknown) => {
    shown.push(inspect(value, { depth: Number.POSITIVE_INFINITY, showHidden: true }));
    try {
      shown.push(JSON.stringify(value) ?? '');
    } catch {
      // A cyclic object cannot be stringified; its inspection is kept above.
    }
  };
  return { lines, logger, shown, show };
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { recursive: true })) {
    const path = join(dir, entry);
    if ((await stat(path)).isFile()) out.push(await readFile(path, 'utf8'));
  }
  return out;
}

function batchWith(provider: 'anthropic' | 'openai', dir: string): Batch {
  return new Batch({
    anthropic: { apiKey: KEY, baseURL: emulator.anthropicBaseURL, maxRetries: 0 },
    openai: { apiKey: KEY, baseURL: emulator.openaiBaseURL, maxRetries: 0 },
    poll: { initialMs: 10, maxMs: 20 },
    retry: { attempts: 2, initialDelayMs: 10, maxDelayMs: 20 },
    stateFile: join(dir, 'state.jsonl'),
    resultsDir: join(dir, 'results'),
  }).defaults({ model: provider === 'anthropic' ? 'claude-haiku-4-5' : 'gpt-4o-mini' });
}

/**
 * Every string reachable from a value by reflection — own properties (enumerable or not, getters left alone), array,
 * Map and Set entries — as code holding a Batch or a run could read them. ES private fields and closures are not.
 */
function reachableStrings(root: unknown): string[] {
  const found: string[] = [];
  const seen = new Set<unknown>();
  const visit = (value: unknown): void => {
    if (typeof value === 'string') found.push(value);
    if ((typeof value !== 'object' && typeof value !== 'function') || value === null || seen.has(value))
      return;
    seen.add(value);
    if (value instanceof Map) for (const [key, item] of value) [key, item].forEach(visit);
    if (value instanceof Set) for (const item of value) visit(item);
    for (const key of Reflect.ownKeys(value)) {
      const descriptor = Object.getOwnPropertyDescriptor(value, key);
      if (descriptor && 'value' in descriptor) visit(descriptor.value);
    }
  };
  visit(root);
  return found;
}

function expectNoKey(texts: string[]): void {
  for (const text of texts) expect(text).not.toContain(KEY);
}

describe('API keys never leak, even when a provider echoes the request headers', () => {
  it('the Batch and its options show no key when inspected or stringified', () => {
    const batch = batchWith('anthropic', tmpdir()).addJob({ messages: userMessage('x') });
    expect(inspect(batch, { depth: Number.POSITIVE_INFINITY, showHidden: true })).not.toContain(KEY);
    expect(JSON.stringify(batch)).not.toContain(KEY);
    expect(JSON.stringify(batch)).toContain('[redacted]');
    expect(`${batch}`).not.toContain(KEY);
  });

  it('no key is reachable from the Batch or its run: not by own properties, a spread, or inspect without customInspect', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'batchwise-secrets-'));
    const batch = batchWith('anthropic', dir).addJob({ id: 'reach-1', messages: userMessage('hi') });
    const run = await batch.run();
    try {
      // While the run holds its providers and SDK clients, and the Batch its options.
      for (const value of [batch, run]) {
        expect(reachableStrings(value).filter((text) => text.includes(KEY))).toEqual([]);
        expect(JSON.stringify({ ...value })).not.toContain(KEY);
        expect(inspect(value, { customInspect: false, depth: null, showHidden: true })).not.toContain(KEY);
      }
    } finally {
      // Ended before the next test injects its fault, which this run's create would otherwise take.
      await run.wait();
    }
  });

  it('a key in the wrong place: the option error does not quote it, and a key inside a baseURL is not shown', () => {
    const saved = process.env.OPENAI_API_KEY;
    process.env.OPENAI_API_KEY = KEY;
    try {
      // An easy slip: the key where the client options go.
      let thrown: unknown;
      try {
        new Batch({ openai: process.env.OPENAI_API_KEY as never });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toMatchObject({ code: 'invalid_option' });
      expect(String((thrown as Error).message)).not.toContain(KEY);
      expect(inspect(thrown, { depth: Number.POSITIVE_INFINITY })).not.toContain(KEY);
    } finally {
      if (saved === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = saved;
    }
    // A key, or any password, in a baseURL's user info is refused (fetch refuses such a URL), and not shown.
    for (const baseURL of [
      `http://user:${KEY}@127.0.0.1:9/`,
      'https://user:pw-not-the-key-42@127.0.0.1:9/',
    ]) {
      let refused: unknown;
      try {
        new Batch({ anthropic: { apiKey: KEY, baseURL } });
      } catch (error) {
        refused = error;
      }
      expect(refused).toMatchObject({ code: 'invalid_option' });
      const text = `${String((refused as Error).message)} ${inspect(refused, { depth: Number.POSITIVE_INFINITY })}`;
      expect(text).toContain('127.0.0.1:9');
      for (const secret of [KEY, 'pw-not-the-key-42', 'user:']) expect(text).not.toContain(secret);
    }
    // Nor is a key given where the URL goes, or in the user info of a URL that is not http(s).
    for (const baseURL of [KEY, `ftp://user:${KEY}@127.0.0.1/`]) {
      expect(() => new Batch({ openai: { baseURL } })).toThrow(
        expect.objectContaining({ code: 'invalid_option', message: expect.not.stringContaining(KEY) }),
      );
    }
  });

  it.each([
    ['anthropic', 'POST /v1/messages/batches'],
    ['openai', 'POST /v1/files'],
  ] as const)('%s: a refused create whose error body echoes the key', async (provider, route) => {
    const dir = await mkdtemp(join(tmpdir(), 'batchwise-secrets-'));
    emulator.injectFault({ route, status: 400, echoHeaders: true, times: 1 });
    const { lines, logger, shown, show } = collector();
    const batch = batchWith(provider, dir)
      .setVerbosity(logger)
      .addJob({ id: 'leak-1', messages: userMessage('hi') });
    const run: BatchRun = await batch.run();
    const errors: unknown[] = [];
    run.on('error', (error) => errors.push(error));
    const results = await run.wait();

    // The fault fired and echoed the headers: the job failed with the provider's (redacted) words.
    expect(results['leak-1']?.status).toBe('failed');
    const message = results['leak-1']?.error?.message ?? '';
    expect(message).toContain('Request headers');
    expect(message).toContain('[redacted]');

    show(batch);
    show(run);
    show(results);
    for (const error of errors) show(error);
    expectNoKey([...lines, ...shown, ...(await filesUnder(dir))]);
    expect(lines.join('\n') + shown.join('\n')).toContain('[redacted]');
  });

  it('a key pasted into providerOptions is not kept in the raw request files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'batchwise-secrets-'));
    const run = await batchWith('anthropic', dir)
      .setVerbosity('silent')
      .addJob({
        id: 'pasted',
        messages: userMessage('hi'),
        providerOptions: { anthropic: { metadata: { user_id: KEY } } },
      })
      .run({ wait: true });
    expect(run.results().pasted?.status).toBe('succeeded');
    const raw = await readFile(join(dir, 'results', 'raw', 'pasted.request.json'), 'utf8');
    expect(raw).toContain('"user_id":"[redacted]"');
    expectNoKey(await filesUnder(dir));
  });

  it('a failing poll that echoes the key: errors, logs, results and the state file stay clean', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'batchwise-secrets-'));
    emulator.injectFault({
      route: 'GET /v1/messages/batches/{id}',
      status: 500,
      echoHeaders: true,
      times: 6,
    });
    const { lines, logger, shown, show } = collector();
    const batch = batchWith('anthropic', dir)
      .setVerbosity(logger)
      .addJob({ id: 'leak-2', messages: userMessage('hi') });
    const run = await batch.run();
    const errors: unknown[] = [];
    run.on('error', (error) => errors.push(error));
    const results = await run.wait();
    expect(lines.some((line) => line.includes('Request headers') && line.includes('[redacted]'))).toBe(true);
    show(run);
    show(results);
    for (const error of errors) show(error);
    expectNoKey([...lines, ...shown, ...(await filesUnder(dir))]);
  });

  it('dryRun({ countTokens }) rethrows a token-count error without the key', async () => {
    emulator.injectFault({
      route: 'POST /v1/messages/count_tokens',
      status: 400,
      echoHeaders: true,
      times: 1,
    });
    const { lines, logger } = collector();
    const batch = new Batch({ anthropic: { apiKey: KEY, baseURL: emulator.anthropicBaseURL, maxRetries: 0 } })
      .setVerbosity(logger)
      .defaults({ model: 'claude-haiku-4-5' })
      .addJob({ messages: userMessage('count me') });
    let thrown: unknown;
    try {
      await batch.dryRun({ countTokens: true });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    const text = inspect(thrown, { depth: Number.POSITIVE_INFINITY, showHidden: true });
    expect(text).toContain('Request headers');
    expectNoKey([text, (thrown as Error).message, String((thrown as Error).stack), ...lines]);
  });
});

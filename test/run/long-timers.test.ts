import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { MAX_TIMER_MS, setLongTimeout } from '../../src/run/long-timer.js';
import { batchFor, userMessage } from '../helpers/batch.js';

describe('setLongTimeout', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('waits out a delay past the 24.8-day setTimeout limit instead of firing at once', () => {
    vi.useFakeTimers();
    const fired = vi.fn();
    const sixHundredHours = 600 * 3_600_000;
    setLongTimeout(fired, sixHundredHours);
    vi.advanceTimersByTime(MAX_TIMER_MS);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(sixHundredHours - MAX_TIMER_MS - 1);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledOnce();
  });

  it('never fires for Infinity, and a cleared timer never fires', () => {
    vi.useFakeTimers();
    const infinite = vi.fn();
    const cleared = vi.fn();
    setLongTimeout(infinite, Number.POSITIVE_INFINITY);
    setLongTimeout(cleared, 3 * MAX_TIMER_MS).clear();
    vi.advanceTimersByTime(10 * MAX_TIMER_MS);
    expect(infinite).not.toHaveBeenCalled();
    expect(cleared).not.toHaveBeenCalled();
  });
});

describe('long limits and timeouts on a real run', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ processingMs: 30 });
  });
  afterAll(() => emulator.close());

  it('addTimeLimit({ hours: 600 }) and wait({ timeoutMs: Infinity }) let the run finish', async () => {
    const run = await batchFor(emulator)
      .defaults({ model: 'claude-haiku-4-5' })
      .addTimeLimit({ hours: 600 })
      .addJob({ id: 'long-1', messages: userMessage('hello') })
      .run();
    const results = await run.wait({ timeoutMs: Number.POSITIVE_INFINITY });
    expect(results['long-1']?.status).toBe('succeeded');
    // A finite timeout past the timer limit waits too (it used to reject at once).
    await expect(run.wait({ timeoutMs: 30 * 24 * 3_600_000 })).resolves.toHaveProperty('long-1');
  });

  it('wait() refuses a NaN or negative timeout instead of timing out at once', async () => {
    const run = await batchFor(emulator)
      .defaults({ model: 'claude-haiku-4-5' })
      .addJob({ id: 'long-2', messages: userMessage('hello') })
      .run();
    await expect(run.wait({ timeoutMs: Number.NaN })).rejects.toMatchObject({
      code: 'invalid_option',
      message: expect.stringContaining('the number NaN'),
    });
    await expect(run.wait({ timeoutMs: -1 })).rejects.toMatchObject({ code: 'invalid_option' });
    await run.wait();
  });
});

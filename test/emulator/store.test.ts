import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Collection } from '../../src/emulator/store.js';

describe('the emulator store', () => {
  it('saves one record many times at once (the same millisecond) without two writes sharing a temp file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'batchwise-store-'));
    const records = new Collection<{ id: string; n: number }>(dir, 'things');
    await Promise.all(Array.from({ length: 20 }, (_, n) => records.save({ id: 'same', n })));
    const files = await readdir(join(dir, 'things'));
    expect(files).toEqual(['same.json']);
    const saved = JSON.parse(await readFile(join(dir, 'things', 'same.json'), 'utf8')) as { n: number };
    expect(saved.n).toBeGreaterThanOrEqual(0);
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { batchFor } from '../helpers/batch.js';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ processingMs: 20 });
});
afterAll(() => emulator.close());

describe('a file that changes between addJob() and run()', () => {
  it('is not sent as it was checked: another size or another type fails the job file_changed; a deleted one file_unreadable', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'batchwise-changes-'));
    const text = 'Invoice 42: total 235.00 EUR.\n'.repeat(10);
    const paths = Object.fromEntries(
      ['same', 'grown', 'retyped', 'deleted'].map((name) => [name, join(dir, `${name}.txt`)]),
    );
    for (const path of Object.values(paths)) await writeFile(path, text);
    const batch = batchFor(emulator).defaults({ model: 'claude-haiku-4-5', maxTokens: 50 });
    for (const [id, file] of Object.entries(paths)) batch.addJob({ id, file, prompt: 'Total?' });

    await writeFile(paths.grown!, `${text}and more`);
    // PNG bytes of the very same size: what addJob took for text would go out as text full of U+FFFD.
    const png = Buffer.alloc(text.length);
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(png);
    await writeFile(paths.retyped!, png);
    await rm(paths.deleted!);

    const results = await (await batch.run()).wait();
    expect(results.same).toMatchObject({ status: 'succeeded' });
    expect(results.grown).toMatchObject({
      status: 'failed',
      error: { code: 'file_changed', message: expect.stringContaining('300 bytes then, 308 now') },
    });
    expect(results.retyped).toMatchObject({
      status: 'failed',
      error: { code: 'file_changed', message: expect.stringContaining('text/plain then') },
    });
    expect(results.deleted).toMatchObject({ status: 'failed', error: { code: 'file_unreadable' } });
    // Only the unchanged file's job went out.
    const billing = await emulator.billing();
    expect(billing.requests.map((r) => r.customId.slice(r.customId.indexOf('_') + 1))).toEqual(['same']);
  });
});

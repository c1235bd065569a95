import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { batchFor } from '../helpers/batch.js';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ processingMs: 60 });
});
afterAll(() => emulator.close());

describe('<cite> tags leaking into the answer (anthropic-sdk-python #1060)', () => {
  it('are stripped before parsing: the JSON parses and no tag reaches parsedResponse', async () => {
    // Unescaped quotes inside the tag break the JSON until the tags are gone.
    const text = '```json\n{"vendor": "<cite index="0-1">Acme Corp</cite>", "total": 235}\n```';
    emulator.configure({ respond: () => ({ text }) });
    const run = await batchFor(emulator)
      .addJob({
        id: 'inv',
        model: 'claude-sonnet-4-6',
        file: { data: new TextEncoder().encode('Vendor: Acme Corp\nTotal: $235.00\n'), name: 'invoice.txt' },
        prompt: 'Extract',
        responseModel: z.object({ vendor: z.string(), total: z.number() }),
        enableCitations: true,
      })
      .run({ wait: true });
    const result = run.results().inv!;
    expect(result.status).toBe('succeeded');
    expect(result.parsedResponse).toEqual({ vendor: 'Acme Corp', total: 235 });
    expect(JSON.stringify(result.parsedResponse)).not.toContain('cite');
    // The raw text stays as Claude wrote it; no citation came with it, so nothing is mapped.
    expect(result.rawResponse).toContain('<cite index="0-1">');
    expect(result.citationMappings).toEqual({});
  });
});

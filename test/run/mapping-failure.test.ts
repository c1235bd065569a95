import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { batchFor, warningsLogger } from '../helpers/batch.js';

// The mapping heuristics fail on some answer nobody thought of: the one thing this test changes.
vi.mock('../../src/citations/map-citations.js', async (original) => ({
  ...(await original<typeof import('../../src/citations/map-citations.js')>()),
  mapCitations: () => {
    throw new TypeError('an answer nobody thought of');
  },
}));

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ processingMs: 40 });
});
afterAll(() => emulator.close());

describe('a citation mapping that throws', () => {
  it('costs no result: each keeps its answer and citations, without mappings, and the failure is logged', async () => {
    const { warnings, logger } = warningsLogger();
    const batch = batchFor(emulator).setVerbosity(logger);
    for (const id of ['a', 'b']) {
      batch.addJob({
        id,
        model: 'claude-haiku-4-5',
        file: { data: new TextEncoder().encode('Vendor: Acme Corp. Total: $235.00.'), name: 'invoice.txt' },
        prompt: 'Extract',
        responseModel: z.object({ vendor: z.string(), total: z.number() }),
        enableCitations: true,
      });
    }
    const results = await (await batch.run()).wait();
    for (const result of Object.values(results)) {
      expect(result).toMatchObject({ status: 'succeeded', error: null, citationMappings: {} });
      expect(result.parsedResponse).toMatchObject({ total: 235 });
      expect(result.citations.length).toBeGreaterThan(0);
    }
    expect(warnings.filter((w) => w.includes('mapping its citations to fields failed'))).toHaveLength(2);
  });
});

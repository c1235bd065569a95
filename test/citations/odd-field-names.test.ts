import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { citedBlocks } from '../../src/citations/extract-citations.js';
import { mapCitations } from '../../src/citations/map-citations.js';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { batchFor } from '../helpers/batch.js';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ processingMs: 40 });
});
afterAll(() => emulator.close());

/** A cited answer: the JSON in an uncited fence, then each line cited as a passage of its own. */
function citedAnswer(parsed: unknown, lines: string[]) {
  const content = [
    { type: 'text', text: `\`\`\`json\n${JSON.stringify(parsed)}\n\`\`\`\n` },
    ...lines.map((line) => ({
      type: 'text',
      text: line,
      citations: [
        {
          type: 'char_location',
          cited_text: line,
          document_index: 0,
          document_title: 'c.txt',
          start_char_index: 0,
          end_char_index: line.length,
        },
      ],
    })),
  ];
  return citedBlocks(content, ['c.txt']);
}

/** An answer whose passages write the same value: only the field's name can tell them apart. */
function answer(fields: Record<string, string>) {
  return citedAnswer(
    fields,
    Object.entries(fields).map(([name, value]) => `${name}: ${value}.`),
  );
}

describe('field names that are also names of Object members', () => {
  it('constructor, toString, valueOf, hasOwnProperty map by their own words, never through Object.prototype', () => {
    const fields = {
      constructor: 'Acme Ltd',
      toString: 'Acme Ltd',
      valueOf: 'Acme Ltd',
      hasOwnProperty: 'Acme Ltd',
    };
    const mappings = mapCitations(answer(fields), fields);
    expect(Object.keys(mappings).sort()).toEqual(Object.keys(fields).sort());
    expect(mappings['constructor']?.[0]?.text).toBe('constructor: Acme Ltd.');
  });

  it('a field named __proto__ is an own key of citationMappings, and the prototype stays a plain object', () => {
    const fields = JSON.parse('{"__proto__": "Globex", "client": "Acme Ltd"}') as Record<string, string>;
    const mappings = mapCitations(answer(fields), fields);
    expect(Object.getPrototypeOf(mappings)).toBe(Object.prototype);
    expect(Object.keys(mappings)).toContain('__proto__');
    expect(JSON.parse(JSON.stringify(mappings))).toHaveProperty(['__proto__']);
  });

  it('a key with a dot and a nested key of the same spelling get paths of their own', () => {
    const parsed = { 'a.b': 'Acme Ltd', a: { b: 'Globex' } };
    const mappings = mapCitations(citedAnswer(parsed, ['a.b: Acme Ltd.', 'b: Globex.']), parsed);
    expect(Object.keys(mappings).sort()).toEqual(['["a.b"]', 'a.b']);
    expect(mappings['["a.b"]']?.[0]?.text).toBe('a.b: Acme Ltd.');
    expect(mappings['a.b']?.[0]?.text).toBe('b: Globex.');
  });

  it('a run whose schema has a field named constructor keeps every (paid) result', async () => {
    const contract = new TextEncoder().encode(
      'Constructor: Acme Builders Ltd. Client: Globex. Price: 1,250.00.',
    );
    const batch = batchFor(emulator).defaults({ model: 'claude-haiku-4-5', maxTokens: 500 });
    for (let i = 0; i < 3; i++) {
      batch.addJob({
        id: `c${i}`,
        file: { data: contract, name: 'contract.txt' },
        prompt: 'Extract',
        responseModel: z.object({ constructor: z.string(), client: z.string(), price: z.number() }),
        enableCitations: true,
      });
    }
    const results = await (await batch.run()).wait();
    for (const result of Object.values(results)) {
      expect(result).toMatchObject({ status: 'succeeded', error: null });
      expect(result.parsedResponse).toMatchObject({ price: 1250 });
      expect(result.citations.length).toBeGreaterThan(0);
    }
  });
});

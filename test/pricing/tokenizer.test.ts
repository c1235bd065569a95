import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';
import o200k from 'js-tiktoken/ranks/o200k_base';
import { describe, expect, it } from 'vitest';
import { loadEncoding } from '../../src/pricing/tokenizer.js';

type Tables = { rankMap: Map<string, number>; textMap: Map<number, Uint8Array> };

describe('the encode-only tokenizer', () => {
  for (const [name, ranks] of [
    ['o200k_base', o200k],
    ['cl100k_base', cl100k],
  ] as const) {
    it(`${name}: the same ranks as js-tiktoken's own constructor, without the decode table`, async () => {
      const lean = await loadEncoding(name);
      const stock = new Tiktoken(ranks);
      const ours = (lean as unknown as Tables).rankMap;
      const theirs = (stock as unknown as Tables).rankMap;
      expect(ours.size).toBe(theirs.size);
      for (const [key, rank] of theirs) if (ours.get(key) !== rank) expect(ours.get(key), key).toBe(rank);
      expect((lean as unknown as Tables).textMap.size).toBe(0);
      for (const text of [
        'hello world',
        'Grüße, 你好, مرحبا, 🙂🙂 — <|endoftext|> is plain text here?'.replace('<|endoftext|>', 'end'),
        '{"a": [1, 2, 3], "b": "x".repeat}\n\n\t  spaces   ',
        'a'.repeat(300),
      ]) {
        expect(lean.encode(text)).toEqual(stock.encode(text));
      }
    });
  }
});

import { describe, expect, it } from 'vitest';
import { TextArena } from '../../src/jobs/text-arena.js';

function put(arena: TextArena, text: string): number | undefined {
  return arena.put(text, Buffer.byteLength(text));
}

describe('TextArena', () => {
  it('gives back an empty text put when its last chunk is exactly full (it points at a chunk not made yet)', () => {
    const arena = new TextArena();
    const kilobyte = (i: number) => String(i).padStart(1024, 'k');
    let last = 0;
    // The first chunks are 4 KB, 8 KB, ...: 2044 texts of 1 KB (each its own) fill chunks 0 to 8 exactly.
    for (let i = 0; i < 2044; i++) last = arena.put(kilobyte(i), 1024)!;
    expect(arena.get(last, 1024)).toBe(kilobyte(2043));
    const empty = arena.put('', 0)!;
    expect(arena.get(empty, 0)).toBe('');
  });

  it('gives back every text exactly, multi-byte characters and chunk boundaries included', () => {
    const arena = new TextArena();
    const texts = Array.from(
      { length: 5_000 },
      (_, i) => `${i}: ${'é漢字🙂'.repeat(i % 40)} ${i % 7 === 0 ? '' : 'x'.repeat(i % 300)}`,
    );
    const at = texts.map((text) => put(arena, text));
    expect(at.every((position) => position !== undefined)).toBe(true);
    // The texts span several chunks, the first ones small: positions cross chunk starts.
    expect(Math.max(...(at as number[]))).toBeGreaterThan(TextArena.CHUNK_BYTES);
    texts.forEach((text, i) => {
      expect(arena.get(at[i]!, Buffer.byteLength(text))).toBe(text);
    });
  });

  it('keeps a text too long for it out, and stores the same text given twice in a row once', () => {
    const arena = new TextArena();
    expect(put(arena, 'a'.repeat(TextArena.CHUNK_BYTES / 4 + 1))).toBeUndefined();
    const first = put(arena, 'the same prompt');
    expect(put(arena, 'the same prompt')).toBe(first);
    const other = put(arena, 'another prompt');
    expect(other).not.toBe(first);
    expect(arena.get(first!, 15)).toBe('the same prompt');
    expect(arena.get(other!, 14)).toBe('another prompt');
  });
});

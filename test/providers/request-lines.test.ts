import { describe, expect, it } from 'vitest';
import { RequestLines } from '../../src/providers/request-lines.js';

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
const line = (i: number, text = `question ${i}`) => JSON.stringify({ custom_id: `s_${i}`, params: { text } });

describe('RequestLines', () => {
  it('gives every line back as it was added, in order, with its job', () => {
    const lines = new RequestLines();
    const texts = ['plain', 'ünïcödé ✓', '😀 astral', '', 'x'.repeat(300_000), 'after a long one'];
    texts.forEach((text, i) => {
      expect(lines.add(`job-${i}`, line(i, text))).toBe(i);
    });
    expect(lines.count).toBe(texts.length);
    texts.forEach((text, i) => {
      expect(lines.lineAt(i)).toBe(line(i, text));
      expect(lines.jobIdAt(i)).toBe(`job-${i}`);
    });
    expect(lines.byteLength).toBe(texts.reduce((n, text, i) => n + Buffer.byteLength(line(i, text)), 0));
  });

  it('packs lines across buffers, a line longer than a buffer in one of its own', () => {
    const lines = new RequestLines();
    // About 3 MB in lines of 1,000 bytes, then a 2 MB line, then small ones again.
    for (let i = 0; i < 3000; i++) lines.add(`j${i}`, line(i, 'a'.repeat(980)));
    lines.add('big', line(3000, 'b'.repeat(2 * 1024 * 1024)));
    for (let i = 3001; i < 3010; i++) lines.add(`j${i}`, line(i));
    for (const i of [0, 1047, 1048, 2999, 3001, 3009])
      expect(JSON.parse(lines.lineAt(i)).custom_id).toBe(`s_${i}`);
    expect(lines.lineAt(3000)).toBe(line(3000, 'b'.repeat(2 * 1024 * 1024)));
  });

  it('joins into one body: JSON for Anthropic, JSONL for OpenAI', () => {
    const lines = new RequestLines();
    for (let i = 0; i < 5; i++) lines.add(`j${i}`, line(i, `ü${i}`));
    const body = JSON.parse(text(lines.join('{"requests":[', ',', ']}')));
    expect(body).toEqual({ requests: [0, 1, 2, 3, 4].map((i) => JSON.parse(line(i, `ü${i}`))) });
    expect(text(new RequestLines().join('{"requests":[', ',', ']}'))).toBe('{"requests":[]}');

    const pieces = [...lines.jsonl(40)];
    // Pieces of about 40 bytes: each line ends one here.
    expect(pieces.length).toBe(5);
    expect(Buffer.concat(pieces).toString('utf8')).toBe(
      `${[0, 1, 2, 3, 4].map((i) => line(i, `ü${i}`)).join('\n')}\n`,
    );
    expect([...new RequestLines().jsonl()]).toEqual([]);
  });

  it('picks the admitted lines, in the order given, without copying them', () => {
    const lines = new RequestLines();
    for (let i = 0; i < 10; i++) lines.add(`j${i}`, line(i));
    const picked = lines.pick([1, 4, 9]);
    expect(picked.count).toBe(3);
    expect([0, 1, 2].map((i) => picked.jobIdAt(i))).toEqual(['j1', 'j4', 'j9']);
    expect(picked.lineAt(2)).toBe(line(9));
    expect(picked.byteLength).toBe([1, 4, 9].reduce((n, i) => n + Buffer.byteLength(line(i)), 0));
    expect(picked.bytesAt(0).buffer).toBe(lines.bytesAt(1).buffer);
    expect(
      JSON.parse(text(picked.join('[', ',', ']'))).map((r: { custom_id: string }) => r.custom_id),
    ).toEqual(['s_1', 's_4', 's_9']);
  });

  it('refuses an index it does not have', () => {
    const lines = new RequestLines();
    lines.add('a', line(0));
    for (const index of [-1, 1, 0.5, Number.NaN]) {
      expect(() => lines.lineAt(index)).toThrow(RangeError);
      expect(() => lines.jobIdAt(index)).toThrow(RangeError);
    }
    expect(() => lines.pick([2])).toThrow(RangeError);
  });
});

import { describe, expect, it } from 'vitest';
import { RequestLines, type WireFraming } from '../../src/providers/request-lines.js';

const ANTHROPIC: WireFraming = { open: '{"requests":[', separator: ',', close: ']}' };
const JSONL: WireFraming = { open: '', separator: '\n', close: '\n' };
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
const line = (i: number, content = `question ${i}`) =>
  JSON.stringify({ custom_id: `s_${i}`, params: { content } });

describe('RequestLines', () => {
  it('gives every line back as it was added, in order, with its job', () => {
    const lines = new RequestLines(ANTHROPIC, 100);
    const contents = ['plain', 'ünïcödé ✓', '😀 astral', '', 'x'.repeat(300_000), 'after a long one'];
    contents.forEach((content, i) => {
      expect(lines.add(`job-${i}`, line(i, content))).toBe(i);
    });
    expect(lines.count).toBe(contents.length);
    contents.forEach((content, i) => {
      expect(lines.lineAt(i)).toBe(line(i, content));
      expect(text(lines.bytesAt(i))).toBe(line(i, content));
      expect(lines.jobIdAt(i)).toBe(`job-${i}`);
    });
  });

  it('frames the body as the provider takes it: a JSON create body, or JSONL', () => {
    const contents = [0, 1, 2, 3, 4].map((i) => `ü${i}`);
    // A capacity far too small: the buffer grows and keeps what was written.
    const anthropic = new RequestLines(ANTHROPIC, 1);
    const openai = new RequestLines(JSONL, 1);
    contents.forEach((content, i) => {
      anthropic.add(`j${i}`, line(i, content));
      openai.add(`j${i}`, line(i, content));
    });
    expect(JSON.parse(text(anthropic.body()))).toEqual({
      requests: contents.map((content, i) => JSON.parse(line(i, content))),
    });
    expect(text(openai.body())).toBe(`${contents.map((content, i) => line(i, content)).join('\n')}\n`);
    expect(text(new RequestLines(ANTHROPIC).body())).toBe('{"requests":[]}');
    expect(text(new RequestLines(JSONL).body())).toBe('\n');
  });

  it('keeps the body whole when a line is added after it was taken', () => {
    const lines = new RequestLines(ANTHROPIC, 10_000);
    lines.add('a', line(0));
    expect(JSON.parse(text(lines.body())).requests).toHaveLength(1);
    lines.add('b', line(1));
    expect(JSON.parse(text(lines.body())).requests.map((r: { custom_id: string }) => r.custom_id)).toEqual([
      's_0',
      's_1',
    ]);
  });

  it('streams the body in pieces of the size asked, which join back into it', () => {
    const lines = new RequestLines(JSONL, 50_000);
    for (let i = 0; i < 1000; i++) lines.add(`j${i}`, line(i));
    const pieces = [...lines.pieces(4096)];
    expect(pieces.slice(0, -1).every((piece) => piece.length === 4096)).toBe(true);
    expect(Buffer.concat(pieces).equals(Buffer.from(lines.body()))).toBe(true);
  });

  it('picks the admitted lines, in the order given', () => {
    const lines = new RequestLines(ANTHROPIC, 2000);
    for (let i = 0; i < 10; i++) lines.add(`j${i}`, line(i));
    const picked = lines.pick([1, 4, 9]);
    expect(picked.count).toBe(3);
    expect([0, 1, 2].map((i) => picked.jobIdAt(i))).toEqual(['j1', 'j4', 'j9']);
    expect(picked.lineAt(2)).toBe(line(9));
    const body = JSON.parse(text(picked.body())) as { requests: { custom_id: string }[] };
    expect(body.requests.map((r) => r.custom_id)).toEqual(['s_1', 's_4', 's_9']);
    expect(text(lines.pick([]).body())).toBe('{"requests":[]}');
  });

  it('says how many bytes the body of its first lines takes, framing included, as the provider counts them', () => {
    for (const framing of [ANTHROPIC, JSONL]) {
      const lines = new RequestLines(framing);
      const bodies = [lines.body().length];
      for (const line of ['{"a":1}', '{"b":"\u00e9\u65e5"}', '{"c":"😀"}']) {
        lines.add('j', line);
        bodies.push(lines.body().length);
      }
      expect([0, 1, 2, 3].map((count) => lines.bodyBytesOf(count))).toEqual(bodies);
    }
  });

  it('refuses an index it does not have', () => {
    const lines = new RequestLines(JSONL);
    lines.add('a', line(0));
    for (const index of [-1, 1, 0.5, Number.NaN]) {
      expect(() => lines.lineAt(index)).toThrow(RangeError);
      expect(() => lines.jobIdAt(index)).toThrow(RangeError);
    }
    expect(() => lines.pick([2])).toThrow(RangeError);
  });
});

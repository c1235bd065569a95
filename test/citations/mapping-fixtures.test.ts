import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { citedBlocks } from '../../src/citations/extract-citations.js';
import { mapCitations } from '../../src/citations/map-citations.js';
import { heldOutCases } from '../fixtures/citations/held-out.js';
import type { Cite, RealCase } from '../fixtures/citations/real-case.js';
import { realShapeCases } from '../fixtures/citations/real-shapes.js';

/** The first 29 cases, in the compact JSON form: one document, `[text, [[cited_text, page], ...]]`. */
interface LegacyCase {
  name: string;
  document: string;
  chars?: boolean;
  content: [string, [string, number][]][];
  parsed: unknown;
  expected: Record<string, string[]>;
}

interface Scored {
  name: string;
  shape: string;
  wire: unknown[];
  parsed: unknown;
  /** `path <- [document] cited text` pairs. */
  expected: Set<string>;
}

const legacy = JSON.parse(
  readFileSync(join(import.meta.dirname, '../fixtures/citations/cases.json'), 'utf8'),
) as LegacyCase[];

function fromLegacy(fixture: LegacyCase): Scored {
  const wire = fixture.content.map(([text, citations]) => ({
    type: 'text',
    text,
    ...(citations.length > 0 && {
      citations: citations.map(([cited, page]) => {
        const base = { cited_text: cited, document_index: 0, document_title: 'doc.pdf' };
        if (fixture.chars) {
          const start = fixture.document.indexOf(cited);
          return {
            type: 'char_location',
            ...base,
            start_char_index: start,
            end_char_index: start + cited.length,
          };
        }
        return { type: 'page_location', ...base, start_page_number: page, end_page_number: page + 1 };
      }),
    }),
  }));
  const expected = new Set(
    Object.entries(fixture.expected).flatMap(([path, list]) => list.map((text) => pair(path, 0, text))),
  );
  return { name: fixture.name, shape: 'first-29', wire, parsed: fixture.parsed, expected };
}

const cite = (c: Cite): [string, number] => (typeof c === 'string' ? [c, 0] : c);

/** A real-shape case as Anthropic's wire content: page numbers from the `\f`-separated pages, end page exclusive. */
function realWire(fixture: RealCase): unknown[] {
  return fixture.content.map(([text, citations]) => ({
    type: 'text',
    text,
    ...(citations.length > 0 && {
      citations: citations.map((c) => {
        const [cited, index] = cite(c);
        const document = fixture.documents[index]!;
        const title = fixture.titles?.[index] ?? (fixture.chars ? 'doc.txt' : 'doc.pdf');
        const base = { cited_text: cited, document_index: index, document_title: title };
        if (fixture.chars) {
          const start = document.indexOf(cited);
          return {
            type: 'char_location',
            ...base,
            start_char_index: start,
            end_char_index: start + cited.length,
          };
        }
        const page = document.split('\f').findIndex((p) => p.includes(cited)) + 1;
        return { type: 'page_location', ...base, start_page_number: page, end_page_number: page + 1 };
      }),
    }),
  }));
}

function fromReal(fixture: RealCase): Scored {
  const expected = new Set(
    Object.entries(fixture.expected).flatMap(([path, list]) =>
      list.map((c) => {
        const [text, index] = cite(c);
        return pair(path, index, text);
      }),
    ),
  );
  return {
    name: fixture.name,
    shape: fixture.shape,
    wire: realWire(fixture),
    parsed: fixture.parsed,
    expected,
  };
}

function pair(path: string, documentIndex: number, text: string): string {
  return `${path} <- [${documentIndex}] ${JSON.stringify(text)}`;
}

interface Score {
  truePositives: number;
  predicted: number;
  relevant: number;
  misses: string[];
}

function score(cases: Scored[]): Map<string, Score> {
  const byShape = new Map<string, Score>();
  for (const fixture of cases) {
    const mapping = mapCitations(citedBlocks(fixture.wire), fixture.parsed);
    const got = new Set(
      Object.entries(mapping).flatMap(([path, list]) =>
        list.map((c) => pair(path, Number(c.metadata.documentIndex), c.text)),
      ),
    );
    const s = byShape.get(fixture.shape) ?? { truePositives: 0, predicted: 0, relevant: 0, misses: [] };
    byShape.set(fixture.shape, s);
    s.predicted += got.size;
    s.relevant += fixture.expected.size;
    for (const p of got) {
      if (fixture.expected.has(p)) s.truePositives++;
      else s.misses.push(`${fixture.name}: unexpected ${p}`);
    }
    for (const p of fixture.expected) if (!got.has(p)) s.misses.push(`${fixture.name}: missing ${p}`);
  }
  return byShape;
}

function total(scores: Map<string, Score>): Score {
  const sum: Score = { truePositives: 0, predicted: 0, relevant: 0, misses: [] };
  for (const s of scores.values()) {
    sum.truePositives += s.truePositives;
    sum.predicted += s.predicted;
    sum.relevant += s.relevant;
    sum.misses.push(...s.misses);
  }
  return sum;
}

const precision = (s: Score) => (s.predicted === 0 ? 1 : s.truePositives / s.predicted);
const recall = (s: Score) => (s.relevant === 0 ? 1 : s.truePositives / s.relevant);

function report(title: string, scores: Map<string, Score>): Score {
  const lines = [...scores].map(
    ([shape, s]) =>
      `  ${shape.padEnd(20)} precision ${precision(s).toFixed(3)}  recall ${recall(s).toFixed(3)}  (${s.truePositives}/${s.predicted} predicted, ${s.relevant} labelled)`,
  );
  const sum = total(scores);
  console.log(
    `${title}: precision ${precision(sum).toFixed(3)}, recall ${recall(sum).toFixed(3)}\n${lines.join('\n')}`,
  );
  if (sum.misses.length > 0) console.log(sum.misses.join('\n'));
  return sum;
}

describe('citation mapping over the labelled fixtures', () => {
  const scored = [...legacy.map(fromLegacy), ...realShapeCases.map(fromReal)];

  it('has the first 29 cases and at least 40 in the real shapes, each citing real text of its documents', () => {
    expect(legacy.length).toBe(29);
    expect(realShapeCases.length).toBeGreaterThanOrEqual(40);
    expect(new Set(realShapeCases.map((c) => c.shape)).size).toBe(9);
    for (const fixture of legacy) {
      for (const [, citations] of fixture.content) {
        for (const [cited] of citations) expect(fixture.document, fixture.name).toContain(cited);
      }
    }
    for (const fixture of [...realShapeCases, ...heldOutCases]) {
      for (const [, citations] of fixture.content) {
        for (const c of citations) {
          const [cited, index] = cite(c);
          expect(fixture.documents[index], fixture.name).toContain(cited);
        }
      }
    }
  });

  it('reaches precision 0.98 and recall 0.97 overall, printed per shape', () => {
    const sum = report(`citation mapping over ${scored.length} cases`, score(scored));
    expect(precision(sum)).toBeGreaterThanOrEqual(0.98);
    expect(recall(sum)).toBeGreaterThanOrEqual(0.97);
  });

  it('scores the held-out cases apart (not tuned on; a floor that only a broken mapper misses)', () => {
    const sum = report(`held-out, ${heldOutCases.length} cases`, score(heldOutCases.map(fromReal)));
    expect(precision(sum)).toBeGreaterThanOrEqual(0.85);
    expect(recall(sum)).toBeGreaterThanOrEqual(0.75);
  });

  it('gives each mapped citation a confidence and a reason', () => {
    const fixture = scored[0]!;
    const mapping = mapCitations(citedBlocks(fixture.wire), fixture.parsed);
    expect(mapping.total![0]).toMatchObject({
      text: 'Total: 1,250.00',
      page: 1,
      source: 'doc.pdf',
      confidence: 'high',
    });
    expect(mapping.total![0]!.matchReason).toBeTruthy();
  });
});

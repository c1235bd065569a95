import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { citedBlocks } from '../../src/citations/extract-citations.js';
import { mapCitations } from '../../src/citations/map-citations.js';

interface Case {
  name: string;
  document: string;
  chars?: boolean;
  content: [string, [string, number][]][];
  parsed: unknown;
  expected: Record<string, string[]>;
}

const cases = JSON.parse(
  readFileSync(join(import.meta.dirname, '../fixtures/citations/cases.json'), 'utf8'),
) as Case[];

/** The compact fixture as Anthropic's wire content: text blocks with page or char citations. */
function wireContent(fixture: Case): unknown[] {
  return fixture.content.map(([text, citations]) => ({
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
}

describe('citation mapping over the labelled fixtures', () => {
  it('has at least 25 cases, each citing real text of its document', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
    for (const fixture of cases) {
      for (const [, citations] of fixture.content) {
        for (const [cited] of citations) expect(fixture.document, fixture.name).toContain(cited);
      }
    }
  });

  it('reaches precision and recall of at least 0.9', () => {
    let truePositives = 0;
    let predicted = 0;
    let relevant = 0;
    const misses: string[] = [];
    for (const fixture of cases) {
      const mapping = mapCitations(citedBlocks(wireContent(fixture)), fixture.parsed);
      const got = new Set(
        Object.entries(mapping).flatMap(([path, list]) => list.map((c) => `${path} <- ${c.text}`)),
      );
      const want = new Set(
        Object.entries(fixture.expected).flatMap(([path, list]) => list.map((text) => `${path} <- ${text}`)),
      );
      predicted += got.size;
      relevant += want.size;
      for (const pair of got) {
        if (want.has(pair)) truePositives++;
        else misses.push(`${fixture.name}: unexpected ${pair}`);
      }
      for (const pair of want) if (!got.has(pair)) misses.push(`${fixture.name}: missing ${pair}`);
    }
    const precision = truePositives / predicted;
    const recall = truePositives / relevant;
    console.log(
      `citation mapping over ${cases.length} cases: precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)}`,
    );
    if (misses.length > 0) console.log(misses.join('\n'));
    expect(precision).toBeGreaterThanOrEqual(0.9);
    expect(recall).toBeGreaterThanOrEqual(0.9);
  });

  it('gives each mapped citation a confidence and a reason', () => {
    const fixture = cases[0]!;
    const mapping = mapCitations(citedBlocks(wireContent(fixture)), fixture.parsed);
    expect(mapping.total![0]).toMatchObject({
      text: 'Total: 1,250.00',
      page: 1,
      source: 'doc.pdf',
      confidence: 'high',
    });
    expect(mapping.total![0]!.matchReason).toBeTruthy();
  });
});

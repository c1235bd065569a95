import { describe, expect, it } from 'vitest';
import { stripCiteTags } from '../../src/citations/cite-tags.js';
import { dateTokens } from '../../src/citations/dates.js';
import { citedBlocks } from '../../src/citations/extract-citations.js';
import { normalize } from '../../src/citations/normalize-text.js';
import { numberTokens } from '../../src/citations/numbers.js';
import { valueProbe } from '../../src/citations/value-variants.js';

const readings = (text: string) => numberTokens(normalize(text)).flatMap((t) => t.values);

describe('numbers as documents write them', () => {
  it.each([
    ['1.250,00 EUR', 1250],
    ['3\u00a0450,00\u00a0€', 3450],
    ['Total: $1,487.50', 1487.5],
    ["CHF 1'250.00", 1250],
    ['€2.400', 2400],
    ['$4.2 million', 4_200_000],
    ['$575B', 575_000_000_000],
    ['£1.8bn', 1_800_000_000],
    ['19 %', 0.19],
    ['two (2) years', 2],
  ])('%s reads as %d', (text, value) => {
    expect(readings(text)).toContain(value);
  });

  it('keeps a number whole: 250 is not read inside 1,250.00', () => {
    expect(readings('Total: 1,250.00')).not.toContain(250);
  });

  it('reads the unit after a number, past a dimension list', () => {
    const [forty] = numberTokens(normalize('40 x 30 x 20 cm'));
    expect(forty?.unit).toBe('cm');
  });
});

describe('dates in the common orders', () => {
  it.each([
    ['the 5th of May, 2026', '2026-05-05'],
    ['Friday, June 12, 2026', '2026-06-12'],
    ['01.09.2025', '2025-09-01'],
    ['22 Aug 1985', '1985-08-22'],
    ['1 January 2026 \u2013 31 December 2026', '2026-12-31'],
  ])('%s means %s', (text, iso) => {
    expect(dateTokens(normalize(text)).flatMap((t) => t.iso)).toContain(iso);
  });

  it('reads a slashed date both ways', () => {
    expect(dateTokens('03/01/2025')[0]?.iso).toEqual(['2025-03-01', '2025-01-03']);
  });
});

describe('text as PDFs give it', () => {
  it('joins hyphenation, straightens quotes and dashes, collapses \\r\\n and no-break spaces', () => {
    expect(normalize('payable in ad\u0002\r\nvance')).toBe('payable in advance');
    expect(normalize('\u201cNimbus\u00a0Pro\u201d \u2013 Tenant\u2019s')).toBe('"nimbus pro" - tenant\'s');
  });

  it('has no variants for null and absent values: nothing supports them', () => {
    expect(valueProbe(null, ['ceo'])).toBeNull();
    expect(valueProbe(undefined, ['ceo'])).toBeNull();
  });

  it('knows country and currency codes by their names and signs, weakly', () => {
    expect(valueProbe('DE', ['country'])!.weak.map((w) => w.phrase)).toContain('germany');
    expect(valueProbe('GBP', ['currency'])!.weak.map((w) => w.phrase)).toContain('£');
    expect(valueProbe('high', ['priority'])!.weak.map((w) => w.phrase)).toContain('urgent');
  });
});

describe('what the wire gives', () => {
  it('strips <cite> tags that leaked into the text, keeping what they wrapped', () => {
    expect(stripCiteTags('{"vendor": "<cite index="0-1">Acme Corp</cite>"}')).toBe('{"vendor": "Acme Corp"}');
    const [block] = citedBlocks([{ type: 'text', text: 'a <cite index="2-3">b</cite> c' }]);
    expect(block!.text).toBe('a b c');
  });

  it('gives the last page cited as endPage (Anthropic end_page_number is exclusive) and names untitled documents', () => {
    const [block] = citedBlocks(
      [
        {
          type: 'text',
          text: 'x',
          citations: [
            {
              type: 'page_location',
              cited_text: 'Total',
              document_index: 1,
              document_title: null,
              start_page_number: 3,
              end_page_number: 5,
            },
          ],
        },
      ],
      ['contract.pdf', 'invoice.pdf'],
    );
    expect(block!.citations[0]).toMatchObject({
      page: 3,
      source: 'invoice.pdf',
      metadata: { documentIndex: 1, startPage: 3, endPage: 4 },
    });
  });
});

import type Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { clientsFor, until } from '../helpers/clients.js';
import { makePdf } from '../helpers/pdf.js';

let emulator: Emulator;
let anthropic: Anthropic;

beforeAll(async () => {
  emulator = await startEmulator({ processingMs: 100 });
  anthropic = clientsFor(emulator).anthropic;
});
afterAll(() => emulator.close());

async function onlyMessage(document: Record<string, unknown>): Promise<Anthropic.Messages.Message> {
  const batch = await anthropic.messages.batches.create({
    requests: [
      {
        custom_id: 'doc',
        params: {
          model: 'claude-sonnet-4-6',
          max_tokens: 1024,
          messages: [
            {
              role: 'user',
              content: [
                document as unknown as Anthropic.Messages.DocumentBlockParam,
                { type: 'text', text: 'Summarise' },
              ],
            },
          ],
        },
      },
    ],
  });
  await until(
    () => anthropic.messages.batches.retrieve(batch.id),
    (b) => b.processing_status === 'ended',
  );
  for await (const row of await anthropic.messages.batches.results(batch.id)) {
    if (row.result.type === 'succeeded') return row.result.message;
  }
  throw new Error('no succeeded result');
}

function citationsOf(message: Anthropic.Messages.Message) {
  return message.content.flatMap((block) => (block.type === 'text' ? (block.citations ?? []) : []));
}

describe('citations', () => {
  it('cites a PDF made in the test with page_location pointing at the page whose text it quotes', async () => {
    const pages = [
      ['Invoice from Acme Corp', 'Invoice number: INV-7'],
      ['Line items follow', 'Widgets: 3 at 100.00'],
      ['Total: 1,250.00', 'Due date: March 1, 2025'],
    ];
    const pdf = await makePdf(pages);
    const message = await onlyMessage({
      type: 'document',
      source: { type: 'base64', media_type: 'application/pdf', data: pdf.toString('base64') },
      title: 'invoice.pdf',
      citations: { enabled: true },
    });
    const citations = citationsOf(message);
    expect(citations.length).toBeGreaterThanOrEqual(pages.length);
    for (const citation of citations) {
      expect(citation.type).toBe('page_location');
      if (citation.type !== 'page_location') continue;
      expect(citation.document_title).toBe('invoice.pdf');
      expect(citation.document_index).toBe(0);
      // end_page_number is exclusive; a page of lines without sentence ends is one chunk, lines ending in \r\n.
      expect(citation.end_page_number).toBe(citation.start_page_number + 1);
      expect(pages[citation.start_page_number - 1]!.join('\r\n')).toContain(citation.cited_text.trimEnd());
    }
    expect(new Set(citations.map((c) => (c.type === 'page_location' ? c.start_page_number : 0)))).toEqual(
      new Set([1, 2, 3]),
    );
    // Pages cost 1,500 tokens each plus their text, by the documented rule.
    expect(message.usage.input_tokens).toBeGreaterThan(3 * 1_500);
  });

  it('cites a text document sentence by sentence, with char_location offsets that slice to the quoted text', async () => {
    const text = 'The vendor is Acme Corp. The total is 1,250.00.\n\n  Payment is due on 2025-03-01.\n';
    const message = await onlyMessage({
      type: 'document',
      source: { type: 'text', media_type: 'text/plain', data: text },
      title: 'invoice.txt',
      citations: { enabled: true },
    });
    const citations = citationsOf(message);
    // Whole sentences with the whitespace after them (a decimal point ends no sentence).
    expect(citations.map((c) => c.cited_text)).toEqual([
      'The vendor is Acme Corp. ',
      'The total is 1,250.00.\n\n  ',
      'Payment is due on 2025-03-01.\n',
    ]);
    for (const citation of citations) {
      expect(citation.type).toBe('char_location');
      if (citation.type !== 'char_location') continue;
      expect(text.slice(citation.start_char_index, citation.end_char_index)).toBe(citation.cited_text);
    }
  });

  it('gives no citations when the document does not ask for them', async () => {
    const message = await onlyMessage({
      type: 'document',
      source: { type: 'text', media_type: 'text/plain', data: 'Plain text' },
    });
    expect(citationsOf(message)).toHaveLength(0);
  });
});

import type Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CITED_SHAPES, type CitedShape, type Emulator, startEmulator } from '../../src/emulator/index.js';
import { clientsFor, until } from '../helpers/clients.js';

const DOCUMENT = 'Invoice INV-7.\nVendor: Acme Corp.\nTotal: $1,250.00.\nDue date: 2025-03-01.\n';
const SCHEMA = {
  type: 'object',
  properties: {
    vendor: { type: 'string' },
    total: { type: 'number' },
    dueDate: { type: 'string' },
  },
  required: ['vendor', 'total', 'dueDate'],
};

let emulator: Emulator;
let anthropic: Anthropic;
beforeAll(async () => {
  emulator = await startEmulator({ processingMs: 60 });
  anthropic = clientsFor(emulator).anthropic;
});
afterAll(() => emulator.close());

type Block = { text: string; citations: { cited_text: string }[] | null };

async function answers(ids: string[]): Promise<Map<string, Block[]>> {
  const batch = await anthropic.messages.batches.create({
    requests: ids.map((id) => ({
      custom_id: id,
      params: {
        model: 'claude-sonnet-4-6',
        max_tokens: 2048,
        system: `Answer with only a JSON object that matches this JSON Schema.\n\`\`\`json\n${JSON.stringify(SCHEMA)}\n\`\`\``,
        messages: [
          {
            role: 'user' as const,
            content: [
              {
                type: 'document' as const,
                source: { type: 'text' as const, media_type: 'text/plain' as const, data: DOCUMENT },
                title: 'invoice.txt',
                citations: { enabled: true },
              },
              { type: 'text' as const, text: 'Extract the invoice' },
            ],
          },
        ],
      },
    })),
  });
  await until(
    () => anthropic.messages.batches.retrieve(batch.id),
    (b) => b.processing_status === 'ended',
  );
  const result = new Map<string, Block[]>();
  for await (const row of await anthropic.messages.batches.results(batch.id)) {
    if (row.result.type !== 'succeeded') throw new Error(`${row.custom_id}: ${row.result.type}`);
    result.set(
      row.custom_id,
      row.result.message.content.flatMap((b) =>
        b.type === 'text' ? [{ text: b.text, citations: (b.citations as Block['citations']) ?? null }] : [],
      ),
    );
  }
  return result;
}

const cited = (blocks: Block[]) => blocks.filter((b) => b.citations && b.citations.length > 0);
const fencedJson = (blocks: Block[]) =>
  JSON.parse(/```json\n([\s\S]*?)\n```/.exec(blocks.map((b) => b.text).join(''))![1]!);

describe('the emulator answers with citations in the shapes Claude does', () => {
  const expected = { vendor: 'Acme Corp', total: 1250, dueDate: '2025-03-01' };
  const check: Record<CitedShape, (blocks: Block[]) => void> = {
    'whole-json': (blocks) => {
      expect(blocks).toHaveLength(1);
      expect(JSON.parse(blocks[0]!.text)).toEqual(expected);
      expect(blocks[0]!.citations!.map((c) => c.cited_text)).toEqual([
        'Vendor: Acme Corp.\n',
        'Total: $1,250.00.\n',
        'Due date: 2025-03-01.\n',
      ]);
    },
    'fenced-recap': (blocks) => {
      expect(blocks[0]!.citations).toBeNull();
      expect(fencedJson(blocks)).toEqual(expected);
      expect(cited(blocks).map((b) => b.text)).toEqual([
        'Vendor: Acme Corp',
        'Total: $1,250.00',
        'Due date: 2025-03-01',
      ]);
      expect(blocks.filter((b) => b.text === '\n- ' && !b.citations)).toHaveLength(2);
    },
    'label-value': (blocks) => {
      expect(fencedJson(blocks)).toEqual(expected);
      const labels = blocks
        .filter((b) => !b.citations && /\*\*[^*]+\*\*: $/.test(b.text))
        .map((b) => b.text.trim());
      expect(labels).toEqual(['**Vendor**:', '**Total**:', '**Due date**:']);
      // The value cited as the document writes it, not as the JSON does.
      expect(cited(blocks).map((b) => b.text)).toEqual(['Acme Corp', '$1,250.00', '2025-03-01']);
    },
    joiners: (blocks) => {
      expect(fencedJson(blocks)).toEqual(expected);
      expect(blocks.filter((b) => !b.citations).map((b) => b.text)).toEqual(
        expect.arrayContaining([', ', ' and ', '.']),
      );
      expect(cited(blocks)).toHaveLength(3);
    },
  };

  it.each(CITED_SHAPES)('%s, when the emulator is told to use it', async (shape) => {
    emulator.configure({ citedShapes: [shape] });
    const [blocks] = [...(await answers(['a'])).values()];
    check[shape](blocks!);
    // Every cited text is a sentence of the document, with the space after it.
    for (const block of cited(blocks!)) {
      for (const c of block.citations!) expect(DOCUMENT).toContain(c.cited_text);
    }
  });

  it('chooses a shape per request by the seed, the same on every run', async () => {
    emulator.configure({ citedShapes: [...CITED_SHAPES] });
    const ids = Array.from({ length: 12 }, (_, i) => `job-${i}`);
    const shapeOf = (blocks: Block[]): CitedShape =>
      blocks.length === 1
        ? 'whole-json'
        : blocks.some((b) => /\*\*[^*]+\*\*: $/.test(b.text))
          ? 'label-value'
          : blocks.some((b) => b.text === '\n- ')
            ? 'fenced-recap'
            : 'joiners';
    const first = [...(await answers(ids)).entries()].map(([id, b]) => `${id}:${shapeOf(b)}`).sort();
    const second = [...(await answers(ids)).entries()].map(([id, b]) => `${id}:${shapeOf(b)}`).sort();
    expect(second).toEqual(first);
    expect(new Set(first.map((s) => s.split(':')[1])).size).toBeGreaterThanOrEqual(3);
  });
});

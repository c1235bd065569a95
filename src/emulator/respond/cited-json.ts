import type { CitationWire, TextBlock } from './compose.js';
import { type Chunk, chunkCitation, documentChunks } from './document-chunks.js';
import type { DocumentView } from './request-view.js';
import { parseNumber } from './schema-instance.js';

/**
 * The shapes of recorded Claude answers to "answer with JSON" with citations on (docs/citations.md):
 * - `whole-json`: the JSON object in one text block carrying the passages its values came from
 *   (prism-php/prism's recorded fixture);
 * - `fenced-recap`: a sentence, an uncited ```json fence, then a bullet recap, each bullet citing its passage
 *   (agamm/batchata examples/pdf_output);
 * - `label-value`: `**Label**: ` uncited and the value, as the document writes it, cited; the fence after
 *   (batchata tests/test_citation_block_patterns.py);
 * - `joiners`: a sentence whose clauses are cited and whose joiners (`, `, ` and `, `.`) are blocks of their own,
 *   the fence after (anthropic-cookbook misc/using_citations.ipynb).
 */
export type CitedShape = 'whole-json' | 'fenced-recap' | 'label-value' | 'joiners';

export const CITED_SHAPES: readonly CitedShape[] = ['whole-json', 'fenced-recap', 'label-value', 'joiners'];

/** A value of the instance and the passage it came from, written as the document writes it. */
interface Found {
  label: string;
  written: string;
  chunk: Chunk;
}

/** The instance as JSON in a cited answer of the given shape; cited passages are the sentence chunks holding values. */
export function citedJsonBlocks(
  instance: unknown,
  documents: DocumentView[],
  shape: CitedShape,
): TextBlock[] {
  const found = foundValues(instance, documentChunks(documents));
  const fence = `\`\`\`json\n${JSON.stringify(instance, null, 2)}\n\`\`\``;
  const cite = (chunk: Chunk): CitationWire[] => [chunkCitation(chunk)];
  const plain = (text: string): TextBlock => ({ text, citations: null });
  if (found.length === 0) return [plain(fence)];
  switch (shape) {
    case 'whole-json': {
      const chunks = [...new Set(found.map((f) => f.chunk))];
      return [{ text: JSON.stringify(instance, null, 2), citations: chunks.map(chunkCitation) }];
    }
    case 'fenced-recap': {
      const blocks = [plain(`Here is the extracted information:\n\n${fence}\n\nFrom the document:\n- `)];
      found.forEach((f, i) => {
        if (i > 0) blocks.push(plain('\n- '));
        blocks.push({ text: `${f.label}: ${f.written}`, citations: cite(f.chunk) });
      });
      return blocks;
    }
    case 'label-value': {
      const blocks: TextBlock[] = [];
      found.forEach((f, i) => {
        blocks.push(plain(`${i > 0 ? '\n' : ''}**${f.label}**: `));
        blocks.push({ text: f.written, citations: cite(f.chunk) });
      });
      blocks.push(plain(`\n\n${fence}`));
      return blocks;
    }
    case 'joiners': {
      const blocks = [plain('According to the document, ')];
      found.forEach((f, i) => {
        if (i > 0) blocks.push(plain(i === found.length - 1 ? ' and ' : ', '));
        blocks.push({ text: `the ${f.label.toLowerCase()} is ${f.written}`, citations: cite(f.chunk) });
      });
      blocks.push(plain('.'));
      blocks.push(plain(`\n\n${fence}`));
      return blocks;
    }
  }
}

function foundValues(instance: unknown, chunks: Chunk[]): Found[] {
  const found: Found[] = [];
  const walk = (value: unknown, name: string) => {
    if (Array.isArray(value)) for (const item of value) walk(item, name);
    else if (value && typeof value === 'object')
      for (const [key, child] of Object.entries(value)) walk(child, key);
    else if ((typeof value === 'string' && value.length > 0) || typeof value === 'number') {
      const hit = findChunk(chunks, value, name);
      if (hit) found.push({ label: labelOf(name), written: hit.written, chunk: hit.chunk });
    }
  };
  walk(instance, '');
  return found;
}

/** The chunk holding the value (preferring one that names the field) and how it writes the value there. */
function findChunk(
  chunks: Chunk[],
  value: string | number,
  name: string,
): { chunk: Chunk; written: string } | undefined {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[\s_-]+/)
    .filter(Boolean);
  const holding: { chunk: Chunk; written: string; named: boolean }[] = [];
  for (const chunk of chunks) {
    const lower = chunk.text.toLowerCase();
    let written: string | undefined;
    if (typeof value === 'number') {
      written = (chunk.text.match(/\d[\d,]*(?:\.\d+)?/g) ?? []).find((token) => parseNumber(token) === value);
      // A currency sign before the number belongs to how the document writes it.
      if (written)
        written = (new RegExp(`[$€£]?${written.replace(/[.]/g, '\\.')}`).exec(chunk.text) ?? [written])[0];
    } else {
      const at = lower.indexOf(value.toLowerCase());
      if (at !== -1) written = chunk.text.slice(at, at + value.length);
    }
    if (written) holding.push({ chunk, written, named: words.every((w) => lower.includes(w)) });
  }
  return holding.find((h) => h.named) ?? holding[0];
}

/** `dueDate` -> `Due date`, `line_items` -> `Line items`. */
function labelOf(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[\s_-]+/)
    .filter(Boolean)
    .join(' ')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

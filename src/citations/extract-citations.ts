import type { Citation } from '../types.js';
import { stripCiteTags } from './cite-tags.js';

/** A text block of an answer with the citations attached to it, as Anthropic returns them. */
export interface CitedBlock {
  text: string;
  citations: Citation[];
}

interface WireCitation {
  type?: string;
  cited_text?: string;
  document_index?: number;
  document_title?: string | null;
  start_page_number?: number;
  end_page_number?: number;
  start_char_index?: number;
  end_char_index?: number;
  start_block_index?: number;
  end_block_index?: number;
}

/**
 * The answer's text blocks with their citations in batchwise's shape, `<cite>` tags stripped from the text. Pure;
 * unknown block types are skipped. `titles` (the job's file names, by document index) name a citation whose wire
 * `document_title` is missing.
 */
export function citedBlocks(content: unknown[], titles: readonly string[] = []): CitedBlock[] {
  const blocks: CitedBlock[] = [];
  for (const block of content) {
    const { type, text, citations } = (block ?? {}) as { type?: string; text?: unknown; citations?: unknown };
    if (type !== 'text' || typeof text !== 'string') continue;
    const list = Array.isArray(citations) ? (citations as WireCitation[]) : [];
    const clean = stripCiteTags(text);
    blocks.push({ text: clean, citations: list.map((c) => toCitation(c, clean, titles)) });
  }
  return blocks;
}

export function extractCitations(content: unknown[], titles: readonly string[] = []): Citation[] {
  return citedBlocks(content, titles).flatMap((block) => block.citations);
}

function toCitation(wire: WireCitation, context: string, titles: readonly string[]): Citation {
  const documentIndex = wire.document_index ?? 0;
  const metadata: Record<string, unknown> = {
    type: wire.type ?? 'unknown',
    documentIndex,
    context,
  };
  if (wire.type === 'page_location') {
    metadata.startPage = wire.start_page_number;
    // Anthropic's end_page_number is exclusive (a passage on page 3 alone is 3..4); endPage is the last page cited.
    metadata.endPage =
      typeof wire.end_page_number === 'number'
        ? Math.max(wire.end_page_number - 1, wire.start_page_number ?? 1)
        : wire.end_page_number;
  } else if (wire.type === 'char_location') {
    metadata.startChar = wire.start_char_index;
    metadata.endChar = wire.end_char_index;
  } else if (wire.type === 'content_block_location') {
    metadata.startBlock = wire.start_block_index;
    metadata.endBlock = wire.end_block_index;
  }
  return {
    text: wire.cited_text ?? '',
    source: wire.document_title ?? titles[documentIndex] ?? null,
    page:
      wire.type === 'page_location' && typeof wire.start_page_number === 'number'
        ? wire.start_page_number
        : null,
    metadata,
  };
}

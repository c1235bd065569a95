import type { Citation } from '../types.js';

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

/** The answer's text blocks with their citations in batchwise's shape. Pure; unknown block types are skipped. */
export function citedBlocks(content: unknown[]): CitedBlock[] {
  const blocks: CitedBlock[] = [];
  for (const block of content) {
    const { type, text, citations } = (block ?? {}) as { type?: string; text?: unknown; citations?: unknown };
    if (type !== 'text' || typeof text !== 'string') continue;
    const list = Array.isArray(citations) ? (citations as WireCitation[]) : [];
    blocks.push({ text, citations: list.map((c) => toCitation(c, text)) });
  }
  return blocks;
}

export function extractCitations(content: unknown[]): Citation[] {
  return citedBlocks(content).flatMap((block) => block.citations);
}

function toCitation(wire: WireCitation, context: string): Citation {
  const metadata: Record<string, unknown> = {
    type: wire.type ?? 'unknown',
    documentIndex: wire.document_index ?? 0,
    context,
  };
  if (wire.type === 'page_location') {
    metadata.startPage = wire.start_page_number;
    metadata.endPage = wire.end_page_number;
  } else if (wire.type === 'char_location') {
    metadata.startChar = wire.start_char_index;
    metadata.endChar = wire.end_char_index;
  } else if (wire.type === 'content_block_location') {
    metadata.startBlock = wire.start_block_index;
    metadata.endBlock = wire.end_block_index;
  }
  return {
    text: wire.cited_text ?? '',
    source: wire.document_title ?? null,
    page:
      wire.type === 'page_location' && typeof wire.start_page_number === 'number'
        ? wire.start_page_number
        : null,
    metadata,
  };
}

import type { CitationWire } from './compose.js';
import type { DocumentView } from './request-view.js';

/**
 * A passage Claude can cite. Anthropic chunks a plain-text or PDF document into sentences and cites whole chunks:
 * `cited_text` is a sentence with the whitespace after it (a trailing space), and a page of lines without sentence
 * ends (an invoice) is one chunk spanning its lines. PDF text keeps `\r\n` line ends, as recorded responses show
 * (agamm/batchata examples/pdf_output). https://docs.anthropic.com/en/docs/build-with-claude/citations
 */
export interface Chunk {
  text: string;
  document: DocumentView;
  /** 0-based page for PDFs; null for text documents. */
  page: number | null;
  /** Text documents: where the chunk starts in the document (char_location indices slice to `text`). */
  start: number;
}

/** The sentence chunks of the documents that have citations enabled. */
export function documentChunks(documents: DocumentView[]): Chunk[] {
  const chunks: Chunk[] = [];
  for (const document of documents.filter((d) => d.citations)) {
    if (document.kind === 'pdf') {
      (document.pages ?? []).forEach((page, index) => {
        const text = page.replace(/\r?\n/g, '\r\n');
        for (const s of sentences(text)) chunks.push({ text: s.text, document, page: index, start: s.start });
      });
    } else {
      for (const s of sentences(document.text))
        chunks.push({ text: s.text, document, page: null, start: s.start });
    }
  }
  return chunks;
}

/** Sentences with the whitespace after them; leading whitespace of the text is skipped. */
function sentences(text: string): { text: string; start: number }[] {
  const result: { text: string; start: number }[] = [];
  let start = text.search(/\S/);
  if (start === -1) return result;
  const end = /[.!?]+(?=\s|$)\s*/g;
  end.lastIndex = start;
  for (let match = end.exec(text); match; match = end.exec(text)) {
    const stop = match.index + match[0].length;
    result.push({ text: text.slice(start, stop), start });
    start = stop;
    if (start >= text.length) break;
  }
  if (start < text.length && text.slice(start).trim()) result.push({ text: text.slice(start), start });
  return result;
}

/** The citation of a chunk: `page_location` (end page exclusive, as Anthropic gives it) or `char_location`. */
export function chunkCitation(chunk: Chunk): CitationWire {
  const base = {
    cited_text: chunk.text,
    document_index: chunk.document.index,
    document_title: chunk.document.title,
  };
  if (chunk.page !== null) {
    return {
      type: 'page_location',
      ...base,
      start_page_number: chunk.page + 1,
      end_page_number: chunk.page + 2,
    };
  }
  return {
    type: 'char_location',
    ...base,
    start_char_index: chunk.start,
    end_char_index: chunk.start + chunk.text.length,
  };
}

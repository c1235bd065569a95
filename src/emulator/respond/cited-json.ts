import type { CitationWire, TextBlock } from './compose.js';
import type { DocumentView } from './request-view.js';
import { parseNumber } from './schema-instance.js';

interface Line {
  text: string;
  document: DocumentView;
  /** 0-based page for PDFs. */
  page: number | null;
  start: number;
}

/**
 * An instance written as JSON across text blocks, each value found in a document in a block of its own that cites
 * the line it came from — the shape a model gives when asked for JSON with citations on.
 */
export function citedJsonBlocks(instance: unknown, documents: DocumentView[]): TextBlock[] {
  const lines = documentLines(documents.filter((d) => d.citations));
  const blocks: TextBlock[] = [];
  const plain = (text: string) => {
    const last = blocks.at(-1);
    if (last && !last.citations) last.text += text;
    else blocks.push({ text, citations: null });
  };
  const write = (value: unknown, name: string) => {
    if (Array.isArray(value)) {
      plain('[');
      value.forEach((item, index) => {
        if (index > 0) plain(',');
        write(item, name);
      });
      plain(']');
    } else if (value && typeof value === 'object') {
      plain('{');
      Object.entries(value).forEach(([key, child], index) => {
        plain(`${index > 0 ? ',' : ''}${JSON.stringify(key)}:`);
        write(child, key);
      });
      plain('}');
    } else {
      const line =
        typeof value === 'string' || typeof value === 'number' ? findLine(lines, value, name) : undefined;
      if (line) blocks.push({ text: JSON.stringify(value), citations: [citation(line)] });
      else plain(JSON.stringify(value));
    }
  };
  write(instance, '');
  return blocks;
}

function documentLines(documents: DocumentView[]): Line[] {
  const lines: Line[] = [];
  for (const document of documents) {
    const parts = document.kind === 'pdf' ? (document.pages ?? []) : [document.text];
    parts.forEach((part, page) => {
      const pattern = /[^\n]+/g;
      for (let match = pattern.exec(part); match; match = pattern.exec(part)) {
        const text = match[0].trim();
        if (text) {
          lines.push({
            text,
            document,
            page: document.kind === 'pdf' ? page : null,
            start: match.index + match[0].indexOf(text),
          });
        }
      }
    });
  }
  return lines;
}

/** The line holding the value, preferring one that also names the field. */
function findLine(lines: Line[], value: string | number, name: string): Line | undefined {
  const holds = (line: Line) =>
    typeof value === 'number'
      ? (line.text.match(/-?\d[\d,]*(?:\.\d+)?/g) ?? []).some((token) => parseNumber(token) === value)
      : value.length > 0 && line.text.toLowerCase().includes(value.toLowerCase());
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[\s_-]+/)
    .filter(Boolean);
  const candidates = lines.filter(holds);
  return (
    candidates.find((line) => words.every((word) => line.text.toLowerCase().includes(word))) ?? candidates[0]
  );
}

function citation(line: Line): CitationWire {
  const base = {
    cited_text: line.text,
    document_index: line.document.index,
    document_title: line.document.title,
  };
  if (line.page !== null) {
    return {
      type: 'page_location',
      ...base,
      start_page_number: line.page + 1,
      end_page_number: line.page + 2,
    };
  }
  return {
    type: 'char_location',
    ...base,
    start_char_index: line.start,
    end_char_index: line.start + line.text.length,
  };
}

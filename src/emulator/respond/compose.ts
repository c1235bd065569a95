import type { EmulatedAnswer } from './answer.js';
import { type CitedShape, citedJsonBlocks } from './cited-json.js';
import { chunkCitation, documentChunks } from './document-chunks.js';
import { readDocuments } from './document-text.js';
import { embeddedSchema } from './embedded-schema.js';
import { anthropicImageTokens, openaiImageTokens, PAGE_PIXELS_PER_POINT } from './image-tokens.js';
import { imageDimensions } from './media.js';
import type { DocumentView, RequestView } from './request-view.js';
import { schemaInstance } from './schema-instance.js';
import {
  ANTHROPIC_PER_MESSAGE,
  ANTHROPIC_PER_REQUEST,
  OPENAI_PER_MESSAGE,
  OPENAI_PER_NAME,
  OPENAI_REPLY_PRIMING,
  type TextCounter,
  textCounter,
} from './tokens.js';

export interface CitationWire {
  type: 'char_location' | 'page_location';
  cited_text: string;
  document_index: number;
  document_title: string | null;
  start_char_index?: number;
  end_char_index?: number;
  start_page_number?: number;
  end_page_number?: number;
}

export interface TextBlock {
  text: string;
  citations: CitationWire[] | null;
}

/** A provider-neutral answer; each provider renders it into its own response shape. */
export type Composed =
  | {
      kind: 'text' | 'refusal';
      blocks: TextBlock[];
      stopReason: 'end_turn' | 'max_tokens' | 'refusal';
      inputTokens: number;
      /** The text's tokens; reasoning tokens are counted apart. */
      outputTokens: number;
      reasoningTokens: number;
      thinking?: ComposedThinking | null;
    }
  | {
      kind: 'tool';
      toolName: string;
      input: unknown;
      inputTokens: number;
      outputTokens: number;
      reasoningTokens: number;
      thinking?: ComposedThinking | null;
    }
  | { kind: 'error'; statusCode: number; type: string; message: string };

/** What Claude's thinking blocks show: a summary (hidden with `display: "omitted"`), and whether one is redacted. */
export interface ComposedThinking {
  summary: string;
  omitted: boolean;
  redacted: boolean;
}

const MAX_CITED_PASSAGES = 8;

/**
 * The input tokens of a request by the rules of tokens.ts: what a success bills as input, and what Anthropic's
 * count_tokens endpoint answers for the same request.
 */
export async function countInputTokens(view: RequestView): Promise<number> {
  await readDocuments(view.documents);
  return inputTokensOf(view, await textCounter(view.provider, view.model));
}

/**
 * The answer to one request. `citedShape` is how an answer that cites documents is laid out (cited-json.ts); the
 * caller picks it per request from the emulator's seed.
 */
export async function compose(
  view: RequestView,
  scripted: EmulatedAnswer | undefined,
  citedShape: CitedShape = 'whole-json',
): Promise<Composed> {
  const textTokens = await textCounter(view.provider, view.model);
  const inputTokens = await countInputTokens(view);

  if (scripted && 'error' in scripted) {
    return {
      kind: 'error',
      statusCode: scripted.error.statusCode ?? 400,
      type: scripted.error.type ?? 'invalid_request_error',
      message: scripted.error.message,
    };
  }
  if (scripted && 'refusal' in scripted) {
    return {
      kind: 'refusal',
      blocks: [{ text: scripted.refusal, citations: null }],
      stopReason: 'refusal',
      inputTokens: scripted.usage?.inputTokens ?? inputTokens,
      outputTokens: scripted.usage?.outputTokens ?? textTokens(scripted.refusal),
      reasoningTokens: view.reasoningTokens,
      thinking: thinkingOfView(view),
    };
  }

  const corpus = [view.system, ...view.texts, ...view.documents.map((d) => d.text)].join('\n');
  if (view.schema?.via === 'tool') {
    const input = scripted && 'json' in scripted ? scripted.json : schemaInstance(view.schema.schema, corpus);
    return {
      kind: 'tool',
      toolName: view.schema.name,
      input,
      inputTokens: scripted?.usage?.inputTokens ?? inputTokens,
      outputTokens: scripted?.usage?.outputTokens ?? textTokens(JSON.stringify(input)),
      reasoningTokens: view.reasoningTokens,
      thinking: thinkingOfView(view),
    };
  }

  const citing = view.documents.some((d) => d.citations);
  const promptSchema = view.schema ? null : embeddedSchema([view.system, ...view.texts]);
  let blocks: TextBlock[];
  if (scripted && 'text' in scripted) blocks = [{ text: scripted.text, citations: null }];
  else if (scripted && 'json' in scripted)
    blocks = [{ text: JSON.stringify(scripted.json), citations: null }];
  else if (view.schema)
    blocks = [{ text: JSON.stringify(schemaInstance(view.schema.schema, corpus)), citations: null }];
  else if (promptSchema) {
    const instance = schemaInstance(promptSchema, corpus);
    blocks = citing
      ? citedJsonBlocks(instance, view.documents, citedShape)
      : [{ text: JSON.stringify(instance), citations: null }];
  } else if (citing) blocks = citedBlocks(view.documents);
  else blocks = [{ text: `Reply to: ${view.lastUserText.slice(0, 200)}`, citations: null }];

  const fullText = blocks.map((b) => b.text).join('');
  let outputTokens = textTokens(fullText);
  let stopReason: 'end_turn' | 'max_tokens' = 'end_turn';
  if (view.maxTokens !== null && outputTokens > view.maxTokens) {
    blocks = [{ text: truncateToTokens(fullText, view.maxTokens), citations: null }];
    outputTokens = view.maxTokens;
    stopReason = 'max_tokens';
  }
  return {
    kind: 'text',
    blocks,
    stopReason:
      scripted && 'text' in scripted && scripted.stopReason === 'max_tokens' ? 'max_tokens' : stopReason,
    inputTokens: scripted?.usage?.inputTokens ?? inputTokens,
    outputTokens: scripted?.usage?.outputTokens ?? outputTokens,
    reasoningTokens: view.reasoningTokens,
    thinking: thinkingOfView(view),
  };
}

function thinkingOfView(view: RequestView): ComposedThinking | null {
  if (!view.thinking) return null;
  return {
    summary: `Thinking about: ${view.lastUserText.slice(0, 120)}`,
    omitted: view.thinking.omitted,
    redacted: view.lastUserText.includes('[redacted thinking]'),
  };
}

/**
 * Input tokens by the rules of tokens.ts and image-tokens.ts: texts, the chat format's per-message tokens, each image
 * by its provider's rule, each PDF page as its text plus an image of the page, the schema.
 */
function inputTokensOf(view: RequestView, textTokens: TextCounter): number {
  let tokens = textTokens(view.system) + view.texts.reduce((sum, t) => sum + textTokens(t), 0);
  if (view.provider === 'openai') {
    tokens += OPENAI_REPLY_PRIMING;
    for (const message of view.messages) {
      tokens += OPENAI_PER_MESSAGE + textTokens(message.role);
      if (message.name !== null) tokens += OPENAI_PER_NAME + textTokens(message.name);
    }
  } else {
    tokens += ANTHROPIC_PER_REQUEST + ANTHROPIC_PER_MESSAGE * view.messages.length;
  }
  const imageTokens = (width: number, height: number, detail: string | null) =>
    view.provider === 'openai'
      ? openaiImageTokens(width, height, view.model, detail ?? 'auto')
      : anthropicImageTokens(width, height, view.model);
  for (const image of view.images) {
    // An image the emulator cannot see (a URL, a file id) costs the most an image can: 8000 × 3000 fills OpenAI's
    // 2048 × 768 (8 tiles, 1,536 patches); a square fills Anthropic's 1.15 megapixels within its 1,568-px edge.
    const largest =
      view.provider === 'openai' ? { width: 8_000, height: 3_000 } : { width: 8_000, height: 8_000 };
    const size = (image.data && imageDimensions(image.data)) ?? largest;
    tokens += imageTokens(size.width, size.height, image.detail);
  }
  for (const document of view.documents) {
    tokens += textTokens(document.text);
    // Chat Completions' file parts take no `detail`: each page is billed as a high-detail image.
    for (const { widthPt, heightPt } of document.pageSizes ?? []) {
      tokens += imageTokens(widthPt * PAGE_PIXELS_PER_POINT, heightPt * PAGE_PIXELS_PER_POINT, 'high');
    }
  }
  // Tool definitions are read as input (a forced tool's schema among them); other schemas count on their own.
  if (view.toolsText) tokens += textTokens(view.toolsText) + view.toolOverheadTokens;
  if (view.schema && view.schema.via !== 'tool') tokens += textTokens(JSON.stringify(view.schema.schema));
  return Math.max(tokens, 1);
}

/**
 * One text block per quoted passage (a sentence chunk), each citing where it stands: pages for PDFs, character
 * offsets for text. The quoted text is the document's own, so a client can check the location against the document.
 */
function citedBlocks(documents: DocumentView[]): TextBlock[] {
  const blocks: TextBlock[] = [{ text: 'The document states:', citations: null }];
  const perPage = new Map<string, number>();
  for (const chunk of documentChunks(documents)) {
    if (blocks.length > MAX_CITED_PASSAGES) break;
    // At most two passages of a page, so that every page of a short PDF is quoted.
    const key = `${chunk.document.index}/${chunk.page}`;
    if (chunk.page !== null && (perPage.get(key) ?? 0) >= 2) continue;
    perPage.set(key, (perPage.get(key) ?? 0) + 1);
    blocks.push({ text: ` ${chunk.text.trim()}`, citations: [chunkCitation(chunk)] });
  }
  return blocks;
}

function truncateToTokens(text: string, tokens: number): string {
  return Buffer.from(text, 'utf8')
    .subarray(0, tokens * 4)
    .toString('utf8')
    .replace(/\uFFFD+$/, '');
}

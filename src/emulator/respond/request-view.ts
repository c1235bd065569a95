import { toolOverheadTokens } from '../anthropic/tool-overhead.js';
import { isRecord } from '../http.js';
import { isReasoningModel, reasoningTokensFor } from './reasoning.js';
import { type ThinkingView, thinkingOf } from './thinking.js';

export interface DocumentView {
  index: number;
  title: string | null;
  kind: 'pdf' | 'text';
  /** Text documents: their text. PDFs: empty until read from `data`. */
  text: string;
  data: Buffer | null;
  /** PDFs: the text of each page, once read. */
  pages?: string[];
  /** PDFs that cannot be read: why (the service refuses them). */
  problem?: 'encrypted' | 'unreadable';
  /** PDFs: each page's size in points, once read. */
  pageSizes?: { widthPt: number; heightPt: number }[];
  citations: boolean;
  /** Where the block is in the request, as the provider names it in errors (`messages.0.content.1`). */
  path: string;
}

export interface ImageView {
  /**
   * The decoded bytes of a base64 source (Anthropic) or data URL (OpenAI); null for a URL or a file id, which the
   * emulator cannot fetch: such an image is not checked and is billed as the largest image.
   */
  data: Buffer | null;
  /** The media type the request declares. */
  mediaType: string | null;
  /** OpenAI `image_url.detail`; null on Anthropic. */
  detail: string | null;
  path: string;
}

export interface SchemaView {
  name: string;
  schema: Record<string, unknown>;
  via: 'response_format' | 'output_config' | 'tool';
}

/** The parts of a request, from either provider, that the answer and its usage depend on. */
export interface RequestView {
  provider: 'anthropic' | 'openai';
  model: string;
  /** Each message's role and (OpenAI) name, for the chat format's per-message tokens. */
  messages: { role: string; name: string | null }[];
  system: string;
  texts: string[];
  lastUserText: string;
  documents: DocumentView[];
  images: ImageView[];
  schema: SchemaView | null;
  /** Anthropic `tools` as sent (JSON): tool definitions are input the model reads. */
  toolsText: string;
  /** Anthropic: what the tools add to the input beyond their JSON (tool-overhead.ts). */
  toolOverheadTokens: number;
  /** What is left for the answer's text: for a reasoning model, the budget after its reasoning tokens. */
  maxTokens: number | null;
  /** OpenAI reasoning models and Claude with thinking on: the tokens spent before the text; else 0. */
  reasoningTokens: number;
  /** Claude with `thinking` on (thinking.ts); else null. */
  thinking: ThinkingView | null;
}

function emptyView(provider: RequestView['provider'], model: unknown): RequestView {
  return {
    provider,
    model: typeof model === 'string' ? model : '',
    messages: [],
    system: '',
    texts: [],
    lastUserText: '',
    documents: [],
    images: [],
    schema: null,
    toolsText: '',
    toolOverheadTokens: 0,
    maxTokens: null,
    reasoningTokens: 0,
    thinking: null,
  };
}

export function anthropicView(params: Record<string, unknown>): RequestView {
  const view = emptyView('anthropic', params.model);
  view.maxTokens = typeof params.max_tokens === 'number' ? params.max_tokens : null;
  view.thinking = thinkingOf(params, view.maxTokens);
  if (view.thinking) {
    view.reasoningTokens = view.thinking.tokens;
    if (view.maxTokens !== null) view.maxTokens -= view.thinking.tokens;
  }
  if (typeof params.system === 'string') view.system = params.system;
  else if (Array.isArray(params.system)) view.system = params.system.map(blockText).join('\n');

  for (const [m, message] of (Array.isArray(params.messages) ? params.messages : []).entries()) {
    if (!isRecord(message)) continue;
    view.messages.push({ role: String(message.role ?? ''), name: null });
    const blocks =
      typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
    for (const [b, block] of (Array.isArray(blocks) ? blocks : []).entries()) {
      if (!isRecord(block)) continue;
      const path = `messages.${m}.content.${b}`;
      if (block.type === 'text' && typeof block.text === 'string') {
        view.texts.push(block.text);
        if (message.role === 'user') view.lastUserText = block.text;
      } else if (block.type === 'image') {
        const source = isRecord(block.source) ? block.source : {};
        view.images.push({
          data:
            source.type === 'base64'
              ? Buffer.from(typeof source.data === 'string' ? source.data : '', 'base64')
              : null,
          mediaType: typeof source.media_type === 'string' ? source.media_type : null,
          detail: null,
          path,
        });
      } else if (block.type === 'document' && isRecord(block.source)) {
        const citations = isRecord(block.citations) && block.citations.enabled === true;
        const title = typeof block.title === 'string' ? block.title : null;
        const source = block.source;
        if (source.type === 'base64' && typeof source.data === 'string') {
          const data = Buffer.from(source.data, 'base64');
          view.documents.push({
            index: view.documents.length,
            title,
            kind: 'pdf',
            text: '',
            data,
            citations,
            path,
          });
        } else if (source.type === 'text' && typeof source.data === 'string') {
          view.documents.push({
            index: view.documents.length,
            title,
            kind: 'text',
            text: source.data,
            data: null,
            citations,
            path,
          });
        }
      }
    }
  }

  const format = isRecord(params.output_config) ? params.output_config.format : undefined;
  if (isRecord(format) && format.type === 'json_schema' && isRecord(format.schema)) {
    view.schema = { name: 'output', schema: format.schema, via: 'output_config' };
  }
  if (Array.isArray(params.tools) && params.tools.length > 0) view.toolsText = JSON.stringify(params.tools);
  view.toolOverheadTokens = toolOverheadTokens(view.model, params.tools, params.tool_choice);
  const choice = params.tool_choice;
  if (isRecord(choice) && choice.type === 'tool' && Array.isArray(params.tools)) {
    const tool = params.tools.find((t) => isRecord(t) && t.name === choice.name);
    if (isRecord(tool) && isRecord(tool.input_schema)) {
      view.schema = { name: String(tool.name), schema: tool.input_schema, via: 'tool' };
    }
  }
  return view;
}

export function openaiView(body: Record<string, unknown>): RequestView {
  const view = emptyView('openai', body.model);
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  view.maxTokens = typeof maxTokens === 'number' ? maxTokens : null;
  if (isReasoningModel(view.model)) {
    view.reasoningTokens = reasoningTokensFor(body.reasoning_effort, view.maxTokens, view.model);
    if (view.maxTokens !== null) view.maxTokens -= view.reasoningTokens;
  }

  for (const [m, message] of (Array.isArray(body.messages) ? body.messages : []).entries()) {
    if (!isRecord(message)) continue;
    view.messages.push({
      role: String(message.role ?? ''),
      name: typeof message.name === 'string' ? message.name : null,
    });
    const isSystem = message.role === 'system' || message.role === 'developer';
    const parts =
      typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
    for (const [p, part] of (Array.isArray(parts) ? parts : []).entries()) {
      if (!isRecord(part)) continue;
      const path = `messages[${m}].content[${p}]`;
      if (part.type === 'text' && typeof part.text === 'string') {
        if (isSystem) view.system += (view.system ? '\n' : '') + part.text;
        else view.texts.push(part.text);
        if (message.role === 'user') view.lastUserText = part.text;
      } else if (part.type === 'image_url') {
        const image = isRecord(part.image_url) ? part.image_url : {};
        const url = typeof image.url === 'string' ? image.url : '';
        view.images.push({
          data: url.startsWith('data:') ? (decodeDataUrl(url) ?? Buffer.alloc(0)) : null,
          mediaType: /^data:([^;,]*)/.exec(url)?.[1] ?? null,
          detail: typeof image.detail === 'string' ? image.detail : 'auto',
          path,
        });
      } else if (part.type === 'file' && isRecord(part.file) && typeof part.file.file_data === 'string') {
        const data = decodeDataUrl(part.file.file_data);
        const title = typeof part.file.filename === 'string' ? part.file.filename : null;
        if (data)
          view.documents.push({
            index: view.documents.length,
            title,
            kind: 'pdf',
            text: '',
            data,
            citations: false,
            path,
          });
      }
    }
  }

  const format = body.response_format;
  if (isRecord(format) && format.type === 'json_schema' && isRecord(format.json_schema)) {
    const spec = format.json_schema;
    if (isRecord(spec.schema)) {
      view.schema = { name: String(spec.name ?? 'response'), schema: spec.schema, via: 'response_format' };
    }
  }
  return view;
}

function blockText(block: unknown): string {
  return isRecord(block) && typeof block.text === 'string' ? block.text : '';
}

function decodeDataUrl(url: string): Buffer | null {
  const match = /^data:[^;,]*;base64,(.*)$/s.exec(url);
  return match ? Buffer.from(match[1]!, 'base64') : null;
}

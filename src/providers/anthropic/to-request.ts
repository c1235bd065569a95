import type { NormalizedFile, NormalizedJob } from '../../jobs/normalized-job.js';
import type { JsonSchema } from '../../structured/schema.js';
import { fileBytes } from '../file-bytes.js';
import type { ProviderRequest } from '../provider.js';

type Block = Record<string, unknown>;

/**
 * The Message Batches request for a job. Pure: the same job and bytes give the same request. A job of several files
 * sends one block per file, in order, before the prompt; Claude's citations name them by `document_index` (the PDF
 * and text documents counted in that order).
 */
export function toAnthropicRequest(
  job: NormalizedJob,
  files: readonly Uint8Array[] | Uint8Array | null,
): ProviderRequest {
  const params: Record<string, unknown> = { model: job.model, max_tokens: job.maxTokens };
  if (job.content.kind === 'messages') {
    const system = job.content.messages.filter((m) => m.role === 'system').map((m) => m.content);
    if (system.length > 0) params.system = system.join('\n\n');
    params.messages = job.content.messages
      .filter((m) => m.role !== 'system')
      .map((m) => ({ role: m.role, content: m.content }));
  } else {
    const bytes = fileBytes(job, files);
    const blocks = job.content.files.map((file, i) => fileBlock(job, file, bytes[i]!));
    params.messages = [{ role: 'user', content: [...blocks, { type: 'text', text: job.content.prompt }] }];
  }
  if (job.output) {
    if (job.enableCitations) {
      // Citations attach only to text blocks and do not combine with output_config (a 400), so the schema is asked
      // for in the system prompt and the JSON is read from the cited text blocks.
      params.system = [params.system, jsonInstruction(job.output.jsonSchema)].filter(Boolean).join('\n\n');
    } else {
      if (!job.output.anthropic) throw new Error(`job ${job.id}: no Anthropic schema (refused at addJob)`);
      params.output_config = { format: { type: 'json_schema', schema: job.output.anthropic } };
    }
  }
  // No temperature: Anthropic's API version 2026-10-21 (sent by @anthropic-ai/sdk 1.x) refuses it; addJob drops or
  // refuses it. Provider options go in as given, `output_config` merged one level so that `effort` sits beside our
  // `format` (addJob refuses a `format` of theirs).
  if (job.providerOptions) {
    const { output_config: outputConfig, ...rest } = job.providerOptions;
    Object.assign(params, rest);
    if (outputConfig !== undefined) {
      params.output_config = { ...(outputConfig as object), ...(params.output_config as object | undefined) };
    }
  }
  return { customId: job.id, jobId: job.id, body: params };
}

/** The instruction that asks for JSON of a schema in plain text. */
export function jsonInstruction(schema: JsonSchema): string {
  return (
    'Answer with only a JSON object, no other text, that matches this JSON Schema. ' +
    'Take every value from the document as written there.\n```json\n' +
    JSON.stringify(schema) +
    '\n```'
  );
}

function fileBlock(job: NormalizedJob, file: NormalizedFile, data: Buffer): Block {
  const citations = job.enableCitations ? { citations: { enabled: true } } : {};
  switch (file.kind) {
    case 'image':
      return {
        type: 'image',
        source: { type: 'base64', media_type: file.mediaType, data: data.toString('base64') },
      };
    case 'pdf':
      return {
        type: 'document',
        source: { type: 'base64', media_type: 'application/pdf', data: data.toString('base64') },
        title: file.name,
        ...citations,
      };
    case 'text':
      return {
        type: 'document',
        source: { type: 'text', media_type: 'text/plain', data: data.toString('utf8') },
        title: file.name,
        ...citations,
      };
  }
}

import type { NormalizedFile, NormalizedJob } from '../../jobs/normalized-job.js';
import { fileBytes } from '../file-bytes.js';
import type { ProviderRequest } from '../provider.js';

export const CHAT_COMPLETIONS = '/v1/chat/completions';

type Part = Record<string, unknown>;

/**
 * The `body` of a Batch API line for a job. Pure. Reasoning models (o-series, gpt-5) get `max_completion_tokens` and
 * no temperature, as the API requires, and `reasoning_effort` when the job sets one; other models get `max_tokens` and their temperature.
 */
export function toOpenAIRequest(
  job: NormalizedJob,
  files: readonly Uint8Array[] | Uint8Array | null,
): ProviderRequest {
  const body: Record<string, unknown> = { model: job.model };
  if (job.content.kind === 'messages') {
    body.messages = job.content.messages.map((m) => ({ role: m.role, content: m.content }));
  } else {
    // Several files are several parts of the one user message, in order, before the prompt.
    const bytes = fileBytes(job, files);
    const parts = job.content.files.map((file, i) => filePart(file, bytes[i]!));
    body.messages = [{ role: 'user', content: [...parts, { type: 'text', text: job.content.prompt }] }];
  }
  if (job.modelInfo.reasoning) {
    body.max_completion_tokens = job.maxTokens;
    if (job.reasoningEffort !== undefined) body.reasoning_effort = job.reasoningEffort;
  } else {
    body.max_tokens = job.maxTokens;
    if (job.temperature !== undefined) body.temperature = job.temperature;
  }
  if (job.output) {
    body.response_format = {
      type: 'json_schema',
      json_schema: { name: job.output.name, schema: job.output.strict, strict: true },
    };
  }
  // Provider options go in as given; addJob refused every key set above.
  if (job.providerOptions) Object.assign(body, job.providerOptions);
  return { customId: job.id, jobId: job.id, body };
}

/** The JSONL line for a request: `custom_id`, `method`, `url`, `body`. */
export function toJsonlLine(request: ProviderRequest): string {
  return JSON.stringify({
    custom_id: request.customId,
    method: 'POST',
    url: CHAT_COMPLETIONS,
    body: request.body,
  });
}

function filePart(file: NormalizedFile, data: Buffer): Part {
  switch (file.kind) {
    case 'pdf':
      return {
        type: 'file',
        file: { filename: file.name, file_data: `data:application/pdf;base64,${data.toString('base64')}` },
      };
    case 'image':
      return {
        type: 'image_url',
        image_url: { url: `data:${file.mediaType};base64,${data.toString('base64')}`, detail: 'auto' },
      };
    case 'text':
      // Chat Completions has no text-document part: the text goes inline, fenced and named.
      return { type: 'text', text: `<document name="${file.name}">\n${data.toString('utf8')}\n</document>` };
  }
}

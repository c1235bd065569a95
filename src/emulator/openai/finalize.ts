import { type BillingRecord, openaiBilled } from '../billing.js';
import { openaiModelError } from '../models.js';
import { randomId, unitHash } from '../random.js';
import { compose } from '../respond/compose.js';
import { contextWindowError } from '../respond/context-window.js';
import { openaiFileError } from '../respond/file-rules.js';
import { openaiBodyError, openaiResponse } from '../respond/openai-completion.js';
import { openaiView } from '../respond/request-view.js';
import type { StateContext } from '../route.js';
import type { OpenAIBatchRecord, Phase } from './batch-record.js';
import { storeFile } from './files.js';
import { strictSchemaError } from './strict-schema-rules.js';
import { validateInput } from './validate-input.js';

interface Row {
  custom_id: string;
  line: string;
}

/**
 * Answers every request of a batch that has just ended and writes the output and error files as the service does:
 * successes to the output file, API errors (non-200 `response`) and unrun requests (top-level `error`) to the error
 * file, each in an order that is not the input order. What the successes billed goes to the billing ledger.
 */
export async function finalizeOpenAIBatch(
  context: StateContext,
  record: OpenAIBatchRecord,
  phase: Phase,
): Promise<void> {
  const usage = { input_tokens: 0, output_tokens: 0, total_tokens: 0 };
  const output: Row[] = [];
  const errors: Row[] = [];
  let outputFileId: string | null = null;
  let errorFileId: string | null = null;
  const billed: BillingRecord = { id: record.id, provider: 'openai', requests: [] };

  if (phase.status !== 'failed') {
    // The input's own copy when its file was deleted while the batch ran (files.ts).
    const content =
      context.state.openaiBatches.blob(record.id) ??
      context.state.files.blob(record.inputFileId) ??
      Buffer.alloc(0);
    const { lines } = validateInput(content, record.endpoint, Number.POSITIVE_INFINITY);
    const doneCount = Math.floor(lines.length * phase.doneShare);
    for (const [index, { customId, body }] of lines.entries()) {
      const rowId = randomId('batch_req_');
      if (index >= doneCount) {
        const code = phase.status === 'expired' ? 'batch_expired' : 'batch_cancelled';
        const message =
          code === 'batch_expired'
            ? 'This request could not be executed before the completion window expired.'
            : 'This request was not executed because the batch was cancelled.';
        errors.push(
          row(customId, { id: rowId, custom_id: customId, response: null, error: { code, message } }),
        );
        continue;
      }
      const view = openaiView(body);
      const modelError = openaiModelError(body.model, context.options.models);
      const bodyError = modelError
        ? null
        : (openaiBodyError(body) ??
          strictSchemaError(body) ??
          (await openaiFileError(view)) ??
          (await contextWindowError(view)));
      let response: ReturnType<typeof openaiResponse>;
      if (modelError) {
        response = openaiResponse(
          { kind: 'error', statusCode: 404, type: 'invalid_request_error', message: modelError },
          String(body.model),
        );
        (response.body.error as Record<string, unknown>).code = 'model_not_found';
      } else if (bodyError) {
        response = openaiResponse(
          { kind: 'error', statusCode: 400, type: 'invalid_request_error', message: bodyError.message },
          String(body.model),
        );
        const error = response.body.error as Record<string, unknown>;
        error.param = bodyError.param;
        if ('code' in bodyError) error.code = bodyError.code;
      } else if (unitHash(`${record.id}/${customId}`) < record.erroredShare) {
        response = openaiResponse(
          {
            kind: 'error',
            statusCode: 500,
            type: 'server_error',
            message: 'The server had an error while processing your request. Sorry about that!',
          },
          String(body.model),
        );
      } else {
        const scripted = await context.options.respond?.({
          provider: 'openai',
          batchId: record.id,
          customId,
          body,
        });
        response = openaiResponse(await compose(view, scripted), String(body.model));
      }
      const bodyUsage = response.body.usage as
        | { prompt_tokens: number; completion_tokens: number }
        | undefined;
      if (bodyUsage) {
        usage.input_tokens += bodyUsage.prompt_tokens;
        usage.output_tokens += bodyUsage.completion_tokens;
        usage.total_tokens += bodyUsage.prompt_tokens + bodyUsage.completion_tokens;
      }
      const tokens = openaiBilled(response);
      if (tokens)
        billed.requests.push({ customId, model: String(response.body.model ?? body.model), ...tokens });
      const target = response.status_code === 200 ? output : errors;
      target.push(row(customId, { id: rowId, custom_id: customId, response, error: null }));
    }
    if (output.length > 0) {
      outputFileId = (
        await storeFile(context, `batch_${record.id}_output.jsonl`, 'batch_output', jsonl(output))
      ).id;
    }
    if (errors.length > 0) {
      errorFileId = (
        await storeFile(context, `batch_${record.id}_error.jsonl`, 'batch_output', jsonl(errors))
      ).id;
    }
  }

  await context.state.billing.save(billed);
  record.final = {
    status: phase.status as 'completed' | 'failed' | 'expired' | 'cancelled',
    endedMs: phase.endedAtMs ?? Date.now(),
    outputFileId,
    errorFileId,
    counts: {
      total: phase.status === 'failed' ? 0 : record.requestCount,
      completed: output.length,
      failed: errors.length,
    },
    usage,
  };
  await context.state.openaiBatches.save(record);
  await context.state.openaiBatches.deleteBlob(record.id);
}

function row(customId: string, value: unknown): Row {
  return { custom_id: customId, line: JSON.stringify(value) };
}

/** Lines sorted by a hash of their custom_id: a client that matches by position breaks, as it would for real. */
function jsonl(rows: Row[]): Buffer {
  const sorted = [...rows].sort((a, b) => unitHash(a.custom_id) - unitHash(b.custom_id));
  return Buffer.from(sorted.map((r) => `${r.line}\n`).join(''), 'utf8');
}

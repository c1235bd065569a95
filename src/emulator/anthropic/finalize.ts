import { anthropicBilled, type BillingRecord } from '../billing.js';
import { anthropicModelError } from '../models.js';
import { randomId, unitHash } from '../random.js';
import { anthropicParamsError, anthropicResult } from '../respond/anthropic-message.js';
import { compose } from '../respond/compose.js';
import { contextWindowError } from '../respond/context-window.js';
import { anthropicFileError } from '../respond/file-rules.js';
import { anthropicView } from '../respond/request-view.js';
import type { StateContext } from '../route.js';
import type { AnthropicBatchRecord, Phase, ResultCounts } from './batch-record.js';
import { inferenceGeoRan } from './inference-geo.js';
import { outputSchemaError } from './output-schema-rules.js';
import { extraFieldError } from './params-rules.js';
import { promptCacheTtl } from './prompt-cache.js';

/**
 * Answers every request of an ended batch and keeps the results JSONL, in an order that is not the input order.
 * What the `succeeded` requests billed goes to the billing ledger.
 */
export async function finalizeAnthropicBatch(
  context: StateContext,
  record: AnthropicBatchRecord,
  phase: Phase,
): Promise<void> {
  const counts: ResultCounts = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
  const lines: { customId: string; text: string }[] = [];
  const doneCount = Math.floor(record.requests.length * phase.doneShare);
  const billed: BillingRecord = { id: record.id, provider: 'anthropic', requests: [] };

  for (const [index, { custom_id: customId, params }] of record.requests.entries()) {
    let result: Record<string, unknown>;
    if (index >= doneCount) {
      result = { type: phase.outcomeOfUnrun };
    } else {
      const view = anthropicView(params);
      const modelError = anthropicModelError(params.model, context.options.models);
      const paramsError =
        anthropicParamsError(params, record.apiVersion ?? '2023-06-01') ??
        outputSchemaError(params) ??
        (await anthropicFileError(view)) ??
        (await contextWindowError(view))?.message ??
        null;
      if (modelError && !extraFieldError(params, record.apiVersion ?? '2023-06-01', 'messages')) {
        result = errored('not_found_error', modelError);
      } else if (paramsError) {
        result = errored('invalid_request_error', paramsError);
      } else if (unitHash(`${record.id}/${customId}`) < record.erroredShare) {
        result = errored('api_error', 'Internal server error');
      } else {
        const scripted = await context.options.respond?.({
          provider: 'anthropic',
          batchId: record.id,
          customId,
          body: params,
        });
        const { seed, citedShapes } = context.options;
        const shape = citedShapes[Math.floor(unitHash(`${seed}/${customId}`) * citedShapes.length)]!;
        result = anthropicResult(
          await compose(view, scripted, shape),
          String(params.model),
          promptCacheTtl(params),
          inferenceGeoRan(params, context.options.defaultInferenceGeo),
        );
      }
    }
    const tokens = anthropicBilled(result);
    if (tokens) {
      const model = (result.message as { model?: unknown }).model;
      billed.requests.push({ customId, model: String(model ?? params.model), ...tokens });
    }
    counts[result.type as keyof ResultCounts]++;
    lines.push({ customId, text: JSON.stringify({ custom_id: customId, result }) });
  }

  lines.sort((a, b) => unitHash(a.customId) - unitHash(b.customId));
  await context.state.anthropicBatches.saveBlob(
    record.id,
    Buffer.from(lines.map((l) => `${l.text}\n`).join('')),
  );
  await context.state.billing.save(billed);
  record.final = { endedMs: phase.endedAtMs ?? Date.now(), counts };
  await context.state.anthropicBatches.save(record);
}

function errored(type: string, message: string): Record<string, unknown> {
  return {
    type: 'errored',
    error: { type: 'error', error: { type, message }, request_id: randomId('req_') },
  };
}

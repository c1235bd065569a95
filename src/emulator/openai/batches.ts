import { HttpError, isRecord, parseJsonBody, readBody } from '../http.js';
import { randomId } from '../random.js';
import { OPENAI_PER_MESSAGE, OPENAI_REPLY_PRIMING, textCounter } from '../respond/tokens.js';
import type { Reply, Route, RouteContext } from '../route.js';
import { batchObject, type OpenAIBatchRecord, openaiPhase, type ValidationError } from './batch-record.js';
import { finalizeOpenAIBatch } from './finalize.js';
import { type InputLine, validateInput } from './validate-input.js';

const SUPPORTED_ENDPOINTS = new Set(['/v1/chat/completions']);
const MAX_JSON_BODY = 1024 * 1024;

function invalid(message: string, param: string | null = null): HttpError {
  return new HttpError(400, 'invalid_request_error', message, null, param);
}

function checkMetadata(metadata: unknown): Record<string, string> | null {
  if (metadata === undefined || metadata === null) return null;
  if (!isRecord(metadata)) throw invalid("Invalid type for 'metadata': expected an object.", 'metadata');
  const entries = Object.entries(metadata);
  if (entries.length > 16)
    throw invalid("Invalid 'metadata': at most 16 key-value pairs are allowed.", 'metadata');
  for (const [key, value] of entries) {
    if (key.length > 64)
      throw invalid(`Invalid 'metadata': key '${key}' is longer than 64 characters.`, 'metadata');
    if (typeof value !== 'string' || value.length > 512) {
      throw invalid(
        `Invalid 'metadata': the value of '${key}' must be a string of at most 512 characters.`,
        'metadata',
      );
    }
  }
  return metadata as Record<string, string>;
}

/** The prompt tokens of a batch's requests, counted the way its usage will be. */
async function promptTokens(model: string, lines: InputLine[]): Promise<number> {
  const count = await textCounter('openai', model);
  let tokens = 0;
  for (const line of lines) {
    const messages = Array.isArray(line.body.messages) ? line.body.messages : [];
    tokens += OPENAI_REPLY_PRIMING;
    for (const message of messages) tokens += OPENAI_PER_MESSAGE + count(JSON.stringify(message));
  }
  return tokens;
}

/** What batches of this model that have not ended hold against the enqueued-token limit. */
function enqueuedFor(context: RouteContext, model: string, now: number): number {
  let tokens = 0;
  for (const record of context.state.openaiBatches.newestFirst((r) => r.createdMs)) {
    if (record.model !== model || record.final || openaiPhase(record, now).terminal) continue;
    tokens += record.enqueuedTokens ?? 0;
  }
  return tokens;
}

/** The real service's words (a capacity limit, not a bad request: it passes once in-progress batches finish). */
function tokenLimitExceeded(model: string, limit: number): ValidationError {
  return {
    code: 'token_limit_exceeded',
    message: `Enqueued token limit reached for ${model} in organization org-emulator. Limit: ${limit.toLocaleString('en-US')} enqueued tokens. Please try again once some in_progress batches have been completed.`,
    param: null,
    line: null,
  };
}

function activeCount(context: RouteContext, now: number): number {
  return context.state.openaiBatches
    .newestFirst((r) => r.createdMs)
    .filter((r) => !r.final && !openaiPhase(r, now).terminal).length;
}

async function createBatch(context: RouteContext): Promise<Reply> {
  const body = parseJsonBody('openai', await readBody(context.req, MAX_JSON_BODY));
  if (!isRecord(body)) throw invalid('The request body must be a JSON object.');
  const { input_file_id: inputFileId, endpoint, completion_window: completionWindow } = body;
  if (typeof inputFileId !== 'string')
    throw invalid("Missing required parameter: 'input_file_id'.", 'input_file_id');
  if (typeof endpoint !== 'string') throw invalid("Missing required parameter: 'endpoint'.", 'endpoint');
  if (!SUPPORTED_ENDPOINTS.has(endpoint)) {
    throw invalid(`Invalid 'endpoint': ${endpoint}. The emulator serves /v1/chat/completions.`, 'endpoint');
  }
  if (completionWindow !== '24h') {
    throw invalid(
      `Invalid 'completion_window': ${String(completionWindow)}. Supported values are: '24h'.`,
      'completion_window',
    );
  }
  const metadata = checkMetadata(body.metadata);
  const file = context.state.files.get(inputFileId);
  if (!file) throw invalid(`Invalid 'input_file_id': '${inputFileId}'. No such file.`, 'input_file_id');
  if (file.purpose !== 'batch') {
    throw invalid(
      `Invalid 'input_file_id': '${inputFileId}'. The file must have purpose 'batch'.`,
      'input_file_id',
    );
  }

  const content = context.state.files.blob(inputFileId) ?? Buffer.alloc(0);
  const { lines, model, errors } = validateInput(
    content,
    endpoint,
    context.options.limits.openai.maxRequests,
    context.options.validateLine,
  );
  // Counted only where a limit applies (the tokenizer's first load takes a moment), before the batch's clock starts.
  const limit = model ? context.options.limits.openai.enqueuedTokens?.[model] : undefined;
  const enqueuedTokens = model && limit !== undefined ? await promptTokens(model, lines) : 0;
  const now = Date.now();
  if (errors.length === 0 && model && limit !== undefined) {
    const enqueued = enqueuedFor(context, model, now);
    if (enqueued + enqueuedTokens > limit) errors.push(tokenLimitExceeded(model, limit));
  }
  const record: OpenAIBatchRecord = {
    id: randomId('batch_'),
    endpoint,
    inputFileId,
    completionWindow,
    metadata,
    model,
    createdMs: now,
    processingMs: context.options.processingMs,
    cancelMs: context.options.cancelMs ?? context.options.processingMs / 10,
    requestCount: errors.length > 0 ? 0 : lines.length,
    enqueuedTokens: errors.length > 0 ? 0 : enqueuedTokens,
    validationErrors: errors.length > 0 ? errors : null,
    cancelRequestedMs: null,
    expireCompletedShare: context.options.expire?.completedShare ?? null,
    erroredShare: context.options.erroredShare,
    final: null,
  };
  await context.state.openaiBatches.save(record);
  context.state.noteCreated('openai', record.id, activeCount(context, now));
  return { status: 200, json: batchObject(record, openaiPhase(record, now)) };
}

/** The batch as of now, finalising it (once) when it has just reached a terminal status. */
export async function currentBatch(context: RouteContext, id: string): Promise<Record<string, unknown>> {
  const record = context.state.openaiBatches.get(id);
  if (!record)
    throw new HttpError(404, 'invalid_request_error', `No batch found with id '${id}'.`, null, 'batch_id');
  const phase = openaiPhase(record, Date.now());
  if (phase.terminal && !record.final) {
    await context.state.finalizeOnce(record.id, () => finalizeOpenAIBatch(context, record, phase));
  }
  return batchObject(record, record.final ? { ...phase, status: record.final.status } : phase);
}

async function cancelBatch(context: RouteContext): Promise<Reply> {
  const id = context.params.id!;
  const current = await currentBatch(context, id);
  const record = context.state.openaiBatches.get(id)!;
  if (current.status === 'validating' || current.status === 'in_progress') {
    record.cancelRequestedMs = Date.now();
    await context.state.openaiBatches.save(record);
  } else if (current.status !== 'cancelling') {
    throw invalid(`Cannot cancel a batch with status '${String(current.status)}'.`);
  }
  return { status: 200, json: await currentBatch(context, id) };
}

async function listBatches(context: RouteContext): Promise<Reply> {
  const limit = Number(context.query.get('limit') ?? 20);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw invalid(
      `Invalid 'limit': ${context.query.get('limit')}. Expected an integer from 1 to 100.`,
      'limit',
    );
  }
  const all = context.state.openaiBatches.newestFirst((r) => r.createdMs);
  const after = context.query.get('after');
  const start = after ? all.findIndex((r) => r.id === after) + 1 : 0;
  const page = all.slice(start, start + limit);
  const data = [];
  for (const record of page) data.push(await currentBatch(context, record.id));
  return {
    status: 200,
    json: {
      object: 'list',
      data,
      first_id: page[0]?.id ?? null,
      last_id: page.at(-1)?.id ?? null,
      has_more: start + limit < all.length,
    },
  };
}

export const batchRoutes: Route[] = [
  { method: 'POST', path: '/v1/batches', provider: 'openai', handle: createBatch },
  { method: 'GET', path: '/v1/batches', provider: 'openai', handle: listBatches },
  {
    method: 'GET',
    path: '/v1/batches/{id}',
    provider: 'openai',
    handle: async (context) => ({ status: 200, json: await currentBatch(context, context.params.id!) }),
  },
  { method: 'POST', path: '/v1/batches/{id}/cancel', provider: 'openai', handle: cancelBatch },
];

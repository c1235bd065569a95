import { HttpError, isRecord, parseJsonBody, readBody } from '../http.js';
import { randomId } from '../random.js';
import type { Reply, Route, RouteContext } from '../route.js';
import {
  type AnthropicBatchRecord,
  anthropicPhase,
  batchObject,
  type StoredRequest,
} from './batch-record.js';
import { finalizeAnthropicBatch } from './finalize.js';

const CUSTOM_ID = /^[a-zA-Z0-9_-]{1,64}$/;

function invalid(message: string): HttpError {
  return new HttpError(400, 'invalid_request_error', message);
}

/** The synchronous checks of `create`; params are otherwise checked per request, coming back as `errored`. */
function validateRequests(body: unknown, maxRequests: number): StoredRequest[] {
  if (!isRecord(body) || !Array.isArray(body.requests)) throw invalid('requests: Field required');
  const { requests } = body;
  if (requests.length === 0)
    throw invalid('requests: List should have at least 1 item after validation, not 0');
  if (requests.length > maxRequests) {
    throw invalid(
      `requests: List should have at most ${maxRequests} items after validation, not ${requests.length}`,
    );
  }
  const seen = new Set<string>();
  return requests.map((request, index) => {
    const at = `requests.${index}`;
    if (!isRecord(request)) throw invalid(`${at}: Input should be a valid dictionary`);
    const { custom_id: customId, params } = request;
    if (typeof customId !== 'string') throw invalid(`${at}.custom_id: Field required`);
    if (!CUSTOM_ID.test(customId)) {
      throw invalid(`${at}.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'`);
    }
    if (seen.has(customId)) {
      throw invalid(
        `Duplicate custom_id '${customId}': each request in a batch must have a unique custom_id.`,
      );
    }
    seen.add(customId);
    if (!isRecord(params)) throw invalid(`${at}.params: Field required`);
    for (const field of ['model', 'max_tokens', 'messages'] as const) {
      if (params[field] === undefined) throw invalid(`${at}.params.${field}: Field required`);
    }
    if (typeof params.model !== 'string') throw invalid(`${at}.params.model: Input should be a valid string`);
    if (typeof params.max_tokens !== 'number')
      throw invalid(`${at}.params.max_tokens: Input should be a valid integer`);
    if (!Array.isArray(params.messages)) throw invalid(`${at}.params.messages: Input should be a valid list`);
    return { custom_id: customId, params };
  });
}

function headerValue(header: string | string[] | undefined): string | undefined {
  return Array.isArray(header) ? header[0] : header;
}

function requireRecord(context: RouteContext): AnthropicBatchRecord {
  const id = context.params.id!;
  const record = context.state.anthropicBatches.get(id);
  if (!record) throw new HttpError(404, 'not_found_error', `No message batch found with id ${id}.`);
  return record;
}

/** The batch as of now, writing its results (once) when it has just ended. */
async function current(
  context: RouteContext,
  record: AnthropicBatchRecord,
): Promise<Record<string, unknown>> {
  const phase = anthropicPhase(record, Date.now());
  if (phase.status === 'ended' && !record.final) {
    await context.state.finalizeOnce(record.id, () => finalizeAnthropicBatch(context, record, phase));
  }
  return batchObject(record, phase, context.origin);
}

async function createBatch(context: RouteContext): Promise<Reply> {
  const { maxBytes, maxRequests } = context.options.limits.anthropic;
  const body = parseJsonBody('anthropic', await readBody(context.req, maxBytes));
  const requests = validateRequests(body, maxRequests);
  const now = Date.now();
  const record: AnthropicBatchRecord = {
    id: randomId('msgbatch_'),
    createdMs: now,
    processingMs: context.options.processingMs,
    cancelMs: context.options.cancelMs ?? context.options.processingMs / 10,
    requests,
    cancelRequestedMs: null,
    expireCompletedShare: context.options.expire?.completedShare ?? null,
    erroredShare: context.options.erroredShare,
    apiVersion: headerValue(context.req.headers['anthropic-version']) ?? '2023-06-01',
    final: null,
  };
  await context.state.anthropicBatches.save(record);
  const active = context.state.anthropicBatches
    .newestFirst((r) => r.createdMs)
    .filter((r) => !r.final && anthropicPhase(r, now).status !== 'ended').length;
  context.state.noteCreated('anthropic', record.id, active);
  return { status: 200, json: batchObject(record, anthropicPhase(record, now), context.origin) };
}

async function cancelBatch(context: RouteContext): Promise<Reply> {
  const record = requireRecord(context);
  const before = await current(context, record);
  if (before.processing_status === 'in_progress') {
    record.cancelRequestedMs = Date.now();
    await context.state.anthropicBatches.save(record);
  }
  return { status: 200, json: await current(context, record) };
}

async function results(context: RouteContext): Promise<Reply> {
  const record = requireRecord(context);
  await current(context, record);
  if (!record.final) {
    throw new HttpError(
      404,
      'not_found_error',
      `Results for message batch ${record.id} are not available until it has ended.`,
    );
  }
  const raw = context.state.anthropicBatches.blob(record.id) ?? Buffer.alloc(0);
  return { status: 200, raw, contentType: 'application/binary' };
}

async function deleteBatch(context: RouteContext): Promise<Reply> {
  const record = requireRecord(context);
  await current(context, record);
  if (!record.final) {
    throw invalid(
      `Message batch ${record.id} is still being processed; cancel it and wait for it to end first.`,
    );
  }
  await context.state.anthropicBatches.delete(record.id);
  return { status: 200, json: { id: record.id, type: 'message_batch_deleted' } };
}

async function listBatches(context: RouteContext): Promise<Reply> {
  const limit = Number(context.query.get('limit') ?? 20);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw invalid('limit: Input should be greater than or equal to 1 and less than or equal to 1000');
  }
  const all = context.state.anthropicBatches.newestFirst((r) => r.createdMs);
  const afterId = context.query.get('after_id');
  const beforeId = context.query.get('before_id');
  let page: AnthropicBatchRecord[];
  let hasMore: boolean;
  if (beforeId) {
    const end = Math.max(
      0,
      all.findIndex((r) => r.id === beforeId),
    );
    const start = Math.max(0, end - limit);
    page = all.slice(start, end);
    hasMore = start > 0;
  } else {
    const start = afterId ? all.findIndex((r) => r.id === afterId) + 1 : 0;
    page = all.slice(start, start + limit);
    hasMore = start + limit < all.length;
  }
  const data = [];
  for (const record of page) data.push(await current(context, record));
  return {
    status: 200,
    json: { data, has_more: hasMore, first_id: page[0]?.id ?? null, last_id: page.at(-1)?.id ?? null },
  };
}

export const messageBatchRoutes: Route[] = [
  { method: 'POST', path: '/v1/messages/batches', provider: 'anthropic', handle: createBatch },
  { method: 'GET', path: '/v1/messages/batches', provider: 'anthropic', handle: listBatches },
  {
    method: 'GET',
    path: '/v1/messages/batches/{id}',
    provider: 'anthropic',
    handle: async (context) => ({ status: 200, json: await current(context, requireRecord(context)) }),
  },
  { method: 'POST', path: '/v1/messages/batches/{id}/cancel', provider: 'anthropic', handle: cancelBatch },
  { method: 'GET', path: '/v1/messages/batches/{id}/results', provider: 'anthropic', handle: results },
  { method: 'DELETE', path: '/v1/messages/batches/{id}', provider: 'anthropic', handle: deleteBatch },
];

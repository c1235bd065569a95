import { HttpError, isRecord, parseJsonBody, readBody } from '../http.js';
import { anthropicModelError } from '../models.js';
import { countInputTokens } from '../respond/compose.js';
import { anthropicView } from '../respond/request-view.js';
import type { Reply, Route, RouteContext } from '../route.js';
import { emptyContentError } from './content-rules.js';
import { outputSchemaError } from './output-schema-rules.js';
import { extraFieldError, thinkingError } from './params-rules.js';

function invalid(message: string): HttpError {
  return new HttpError(400, 'invalid_request_error', message);
}

/**
 * `POST /v1/messages/count_tokens` (Anthropic docs, "Token counting"): the body of a Messages request without
 * `max_tokens` and the generation settings (`MessageCountTokensParams` of the SDK), checked synchronously, answered
 * `{ "input_tokens": N }`. N is the count a batch request with the same content bills as input (tokens.ts): one
 * function counts both, so the two agree exactly.
 */
async function countTokens(context: RouteContext): Promise<Reply> {
  const body = parseJsonBody('anthropic', await readBody(context.req, 32 * 1024 * 1024));
  if (!isRecord(body)) throw invalid('body: Input should be a valid dictionary');
  const version = String(context.req.headers['anthropic-version'] ?? '2023-06-01');
  for (const field of ['model', 'messages'] as const) {
    if (body[field] === undefined) throw invalid(`${field}: Field required`);
  }
  const fieldError = extraFieldError(body, version, 'count_tokens');
  if (fieldError) throw invalid(fieldError);
  const modelError = anthropicModelError(body.model, context.options.models);
  if (modelError) throw new HttpError(404, 'not_found_error', modelError);
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    throw invalid('messages: at least one message is required');
  }
  for (const [index, message] of body.messages.entries()) {
    const role = isRecord(message) ? message.role : undefined;
    if (role !== 'user' && role !== 'assistant') {
      throw invalid(`messages.${index}.role: Input should be 'user' or 'assistant'`);
    }
  }
  const ruleError =
    emptyContentError(body.messages) ?? thinkingError(body, version) ?? outputSchemaError(body);
  if (ruleError) throw invalid(ruleError);
  return { status: 200, json: { input_tokens: await countInputTokens(anthropicView(body)) } };
}

export const countTokensRoutes: Route[] = [
  { method: 'POST', path: '/v1/messages/count_tokens', provider: 'anthropic', handle: countTokens },
];

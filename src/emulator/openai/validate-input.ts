import { isRecord } from '../http.js';
import type { LineValidator } from '../options.js';
import type { ValidationError } from './batch-record.js';

export interface InputLine {
  customId: string;
  body: Record<string, unknown>;
}

export interface ValidatedInput {
  lines: InputLine[];
  model: string | null;
  errors: ValidationError[];
}

/**
 * What the service checks while a batch is `validating`. Any error fails the whole batch, each error naming its
 * 1-based line, as `errors.data` does.
 */
export function validateInput(
  content: Buffer,
  endpoint: string,
  maxRequests: number,
  validateLine?: LineValidator,
): ValidatedInput {
  const errors: ValidationError[] = [];
  const lines: InputLine[] = [];
  const seen = new Set<string>();
  let model: string | null = null;
  const rawLines = content.toString('utf8').split(/\r?\n/);
  if (rawLines.at(-1) === '') rawLines.pop();

  if (rawLines.length === 0) {
    errors.push({ code: 'empty_file', message: 'The input file is empty.', param: null, line: null });
  }
  if (rawLines.length > maxRequests) {
    errors.push({
      code: 'too_many_tasks',
      message: `The batch input file has ${rawLines.length} requests; at most ${maxRequests} are allowed per batch.`,
      param: null,
      line: null,
    });
  }
  for (const [index, text] of rawLines.entries()) {
    const checked = checkLine(text, endpoint, seen, model);
    if ('code' in checked) {
      errors.push({ ...checked, line: index + 1 });
      continue;
    }
    model ??= checked.model;
    const scripted = validateLine?.(checked.line, index + 1);
    if (scripted) errors.push({ ...scripted, param: null, line: index + 1 });
    lines.push(checked.line);
  }
  return { lines, model, errors };
}

type LineCheck = { code: string; message: string; param: string | null } | { line: InputLine; model: string };

function checkLine(text: string, endpoint: string, seen: Set<string>, model: string | null): LineCheck {
  const fail = (code: string, message: string, param: string | null = null) => ({ code, message, param });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return fail('invalid_json_line', 'This line is not parseable as valid JSON.');
  }
  if (!isRecord(parsed)) return fail('invalid_request', 'Each line must be a JSON object.');
  const { custom_id: customId, method, url, body } = parsed;
  if (typeof customId !== 'string' || customId.length === 0) {
    return fail('missing_required_parameter', "Missing required parameter: 'custom_id'.", 'custom_id');
  }
  if (seen.has(customId)) {
    return fail(
      'duplicate_custom_id',
      'The custom_id for this request is a duplicate of another request. The custom_id parameter must be unique for each request in a batch.',
      'custom_id',
    );
  }
  seen.add(customId);
  if (method !== 'POST')
    return fail('invalid_request', `Invalid method ${String(method)}; must be POST.`, 'method');
  if (url !== endpoint) {
    return fail(
      'url_mismatch',
      `The url of this request (${String(url)}) does not match the batch endpoint ${endpoint}.`,
      'url',
    );
  }
  if (!isRecord(body) || typeof body.model !== 'string') {
    return fail('missing_required_parameter', "Missing required parameter: 'body.model'.", 'body.model');
  }
  if (model !== null && body.model !== model) {
    return fail(
      'model_mismatch',
      `Requests in a batch must all use the same model; line 1 uses ${model} and this line uses ${body.model}.`,
      'body.model',
    );
  }
  return { line: { customId, body }, model: body.model };
}

import { isRecord } from '../http.js';

/**
 * Bounds the Chat Completions reference puts on argument values (`n` at least 1; `top_logprobs` 0 to 20; `stop` at
 * most 4 sequences; `metadata` at most 16 string values; `top_p` 0 to 1; the penalties -2 to 2; a `json_schema`
 * name of `[a-zA-Z0-9_-]`, at most 64), refused as a 400 row in the shape of the API's validation errors
 * ("Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.").
 */
export function valueError(body: Record<string, unknown>): { message: string; param: string } | null {
  return (
    range(body, 'n', 1, 128, 'integer') ??
    range(body, 'top_logprobs', 0, 20, 'integer') ??
    range(body, 'top_p', 0, 1, 'decimal') ??
    range(body, 'presence_penalty', -2, 2, 'decimal') ??
    range(body, 'frequency_penalty', -2, 2, 'decimal') ??
    stopError(body.stop) ??
    metadataError(body.metadata) ??
    schemaNameError(body.response_format)
  );
}

function range(
  body: Record<string, unknown>,
  param: string,
  min: number,
  max: number,
  kind: 'integer' | 'decimal',
): { message: string; param: string } | null {
  const value = body[param];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || (kind === 'integer' && !Number.isInteger(value))) {
    return {
      message: `Invalid type for '${param}': expected ${kind === 'integer' ? 'an integer' : 'a decimal'}, but got ${typeOf(value)} instead.`,
      param,
    };
  }
  if (value < min)
    return {
      message: `Invalid '${param}': ${kind} below minimum value. Expected a value >= ${min}, but got ${value} instead.`,
      param,
    };
  if (value > max)
    return {
      message: `Invalid '${param}': ${kind} above maximum value. Expected a value <= ${max}, but got ${value} instead.`,
      param,
    };
  return null;
}

function stopError(stop: unknown): { message: string; param: string } | null {
  if (!Array.isArray(stop) || stop.length <= 4) return null;
  return {
    message: `Invalid 'stop': array too long. Expected an array with maximum length 4, but got an array with length ${stop.length} instead.`,
    param: 'stop',
  };
}

function metadataError(metadata: unknown): { message: string; param: string } | null {
  if (!isRecord(metadata)) return null;
  const entries = Object.entries(metadata);
  if (entries.length > 16) {
    return {
      message: `Invalid 'metadata': too many properties. Expected an object with at most 16 properties, but got an object with ${entries.length} properties instead.`,
      param: 'metadata',
    };
  }
  for (const [key, value] of entries) {
    if (typeof value !== 'string') {
      return {
        message: `Invalid type for 'metadata.${key}': expected a string, but got ${typeOf(value)} instead.`,
        param: `metadata.${key}`,
      };
    }
    if (value.length > 512) {
      return {
        message: `Invalid 'metadata.${key}': string too long. Expected a string with maximum length 512, but got a string with length ${value.length} instead.`,
        param: `metadata.${key}`,
      };
    }
  }
  return null;
}

function schemaNameError(format: unknown): { message: string; param: string } | null {
  if (!isRecord(format) || format.type !== 'json_schema' || !isRecord(format.json_schema)) return null;
  const { name } = format.json_schema;
  if (typeof name === 'string' && /^[a-zA-Z0-9_-]{1,64}$/.test(name)) return null;
  return {
    message:
      "Invalid 'response_format.json_schema.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.",
    param: 'response_format.json_schema.name',
  };
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a decimal';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

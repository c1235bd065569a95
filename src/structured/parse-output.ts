import { fieldPath } from './field-path.js';
import type { ResponseSchema } from './schema.js';
import type { NullableOptionals } from './strict-schema.js';

export type ParsedOutput =
  | { ok: true; value: unknown; json: unknown }
  | {
      ok: false;
      message: string;
      issues: { path: string; message: string }[];
      /** No JSON object was found at all (an answer cut short is one). */
      notJson?: boolean;
    };

/**
 * The JSON object in a model's text: the whole text, else a fenced block, else the span from the first `{` to the
 * last `}`. Undefined when none of them parses.
 */
export function extractJson(text: string): unknown {
  const candidates = [text.trim()];
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(text);
  if (fenced) candidates.push(fenced[1]!.trim());
  const first = text.indexOf('{');
  const last = text.lastIndexOf('}');
  if (first !== -1 && last > first) candidates.push(text.slice(first, last + 1));
  for (const candidate of candidates) {
    try {
      return JSON.parse(candidate);
    } catch {
      // try the next candidate
    }
  }
  return undefined;
}

/** Parses a model's text and validates it with the job's own schema. Never returns a half-parsed object. */
export async function parseOutput(
  text: string,
  schema: ResponseSchema,
  nullableOptional: NullableOptionals | null = null,
): Promise<ParsedOutput> {
  const json = extractJson(text);
  if (json === undefined) {
    return {
      ok: false,
      message: 'the response is not JSON',
      issues: [{ path: '', message: 'no JSON object found in the response' }],
      notJson: true,
    };
  }
  let result = await schema['~standard'].validate(nullableOptional ? nullableOptional.drop(json) : json);
  if (result.issues && nullableOptional) {
    const second = await schema['~standard'].validate(nullableOptional.drop(json, 'some'));
    if (!second.issues) result = second;
  }
  if (!result.issues) return { ok: true, value: result.value, json };
  const issues = result.issues.map((issue) => ({
    // The same notation as citationMappings: `lineItems[1].amount`, not `lineItems.1.amount`.
    path: fieldPath(
      (issue.path ?? []).map((segment) => {
        const key = typeof segment === 'object' ? segment.key : segment;
        return typeof key === 'number' ? key : String(key);
      }),
    ),
    message: issue.message,
  }));
  return {
    ok: false,
    message: `the response does not match the schema: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`,
    issues,
  };
}

import { toJSONSchema } from 'zod/v4/core';
import { zodToJsonSchema } from 'zod-to-json-schema';
import { zod3IsRecursive, zod3Problem } from './zod3-json-types.js';
import { zod4JsonSchema } from './zod4-json-types.js';

/**
 * A zod schema, version 3 (3.25+) or 4: both carry the Standard Schema interface, through which batchwise validates
 * and infers types without depending on one zod version.
 */
export interface ResponseSchema<Output = unknown> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
    readonly types?: { readonly input: unknown; readonly output: Output } | undefined;
  };
}

/** What a Standard Schema's `validate` returns: the value, or the issues found. */
export type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | {
      readonly issues: ReadonlyArray<{
        readonly message: string;
        readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
      }>;
    };

/** The type a schema's valid values have: `z.infer<typeof Schema>` for zod 3 and 4 alike. */
export type InferOutput<S> = S extends ResponseSchema<infer Output> ? Output : never;

export type JsonSchema = Record<string, unknown>;

export function isResponseSchema(value: unknown): value is ResponseSchema {
  const standard = (value as { '~standard'?: { validate?: unknown } } | null)?.['~standard'];
  return typeof standard?.validate === 'function';
}

/**
 * The JSON Schema of a zod schema. Zod 4 schemas (they carry `_zod`) go through zod's own `toJSONSchema`; zod 3
 * schemas through `zod-to-json-schema`, which given a zod 4 schema silently returns an empty schema — so each goes
 * only its own way, and the result is checked not to be empty.
 *
 * It is the schema's input side: the model's JSON is what zod parses, so a transform, a pipe or a codec
 * (`z.stringbool()`, `z.string().pipe(z.coerce.number())`) is described by what it accepts — a string — not by what
 * it turns it into, which no answer could match. Throws for what JSON cannot carry.
 */
export function toJsonSchema(schema: ResponseSchema): JsonSchema {
  if (!('_zod' in schema)) {
    const problem = zod3Problem(schema);
    if (problem) throw new Error(problem);
  }
  let converted: JsonSchema;
  if ('_zod' in schema) {
    const zod4 = zod4JsonSchema(schema);
    if ('problem' in zod4 && typeof zod4.problem === 'string') throw new Error(zod4.problem);
    converted = requireDefaulted(zod4);
  } else
    converted = zodToJsonSchema(schema as unknown as Parameters<typeof zodToJsonSchema>[0], {
      $refStrategy: 'none',
      effectStrategy: 'input',
      pipeStrategy: 'input',
    }) as JsonSchema;
  const { $schema: _dialect, ...jsonSchema } = converted;
  return jsonSchema;
}

/**
 * The schema as batchwise 0.1 converted it (zod 4's output side, zod-to-json-schema's defaults): what job digests
 * hash, so that a state file written before the input side was sent still matches the same jobs. A schema whose
 * output cannot be written as JSON Schema (a transform) was refused then, so no old state holds one: its input side
 * stands in.
 */
export function digestSchema(schema: ResponseSchema, sent: JsonSchema): JsonSchema {
  // Recursion on a pipe's output side: zod-to-json-schema would print a warning to the user's console.
  if (!('_zod' in schema) && zod3IsRecursive(schema)) return sent;
  try {
    const converted: JsonSchema =
      '_zod' in schema
        ? (toJSONSchema(schema as unknown as Parameters<typeof toJSONSchema>[0]) as JsonSchema)
        : (zodToJsonSchema(schema as unknown as Parameters<typeof zodToJsonSchema>[0], {
            $refStrategy: 'none',
          }) as JsonSchema);
    const { $schema: _dialect, ...jsonSchema } = converted;
    return jsonSchema;
  } catch {
    return sent;
  }
}

/**
 * Zod 4's input side lists a field with a `.default()` as optional (zod fills it in). The model is asked for it all
 * the same, as the output side always did: still required, so that limits on optional fields (Claude takes 24) and
 * what is sent do not change for schemas that worked before.
 */
function requireDefaulted(node: JsonSchema): JsonSchema {
  const visit = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(visit);
    if (!value || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      Object.defineProperty(out, key, {
        value: visit(child),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    const properties = out.properties;
    if (out.type === 'object' && properties && typeof properties === 'object') {
      const required = new Set(Array.isArray(out.required) ? (out.required as string[]) : []);
      const before = required.size;
      for (const [name, property] of Object.entries(properties)) {
        if (property && typeof property === 'object' && 'default' in property) required.add(name);
      }
      if (required.size !== before)
        out.required = Object.keys(properties).filter((name) => required.has(name));
    }
    return out;
  };
  return visit(node) as JsonSchema;
}

/** Why a JSON Schema cannot be a response format, or null when it can: the root must be an object with fields. */
export function responseSchemaProblem(jsonSchema: JsonSchema): string | null {
  if (jsonSchema.type !== 'object')
    return `the root must be a z.object(...), got JSON Schema type ${JSON.stringify(jsonSchema.type)}`;
  const properties = jsonSchema.properties;
  if (!properties || typeof properties !== 'object' || Object.keys(properties).length === 0) {
    return 'the schema converted to an object with no fields (an empty schema would accept anything)';
  }
  return null;
}

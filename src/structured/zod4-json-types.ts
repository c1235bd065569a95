import { toJSONSchema } from 'zod/v4/core';
import type { JsonSchema } from './schema.js';

/**
 * Zod 4 types whose values JSON cannot carry. Zod's `toJSONSchema` refuses most of them itself, but with a message
 * that names neither the field nor the fix ("Date cannot be represented in JSON Schema"), and converts `z.file()` to
 * a binary string no answer can be parsed into: every answer would be invalid, and every retry paid for.
 */
const NOT_JSON: Record<string, string> = {
  date: 'z.date() (JSON has no dates: use z.iso.datetime(), or z.coerce.date())',
  bigint: 'z.bigint() (use z.int(), or z.coerce.bigint())',
  set: 'z.set() (use z.array())',
  map: 'z.map() (use z.object() or z.array())',
  file: 'z.file() (a model answers in text: use z.string())',
  symbol: 'z.symbol()',
  function: 'z.function()',
  promise: 'z.promise()',
  undefined: 'z.undefined()',
  void: 'z.void()',
  nan: 'z.nan()',
  custom:
    'z.custom() or z.instanceof() (JSON Schema cannot say what it takes: use a JSON type with .refine())',
  transform: 'a z.transform() with no input type (give it one: z.string().transform(...))',
};

interface Zod4Def {
  type: string;
  coerce?: boolean;
  values?: unknown[];
  defaultValue?: unknown;
  /** A pipe's two sides; a codec's own transform. */
  in?: Zod4Schema;
  out?: Zod4Schema;
  transform?: unknown;
}

interface Zod4Schema {
  _zod: { def: Zod4Def };
}

/**
 * The JSON Schema of a zod 4 schema's input side, or the first field JSON cannot carry, named with its path and
 * the fix. `z.coerce.date()` and `z.coerce.bigint()` take JSON values (an ISO string, an integer), so they are sent
 * as those.
 */
export function zod4JsonSchema(schema: unknown): JsonSchema | { problem: string } {
  let problem: string | null = null;
  const converted = toJSONSchema(schema as Parameters<typeof toJSONSchema>[0], {
    io: 'input',
    // Every such type is found below, with its path, instead of zod's bare message.
    unrepresentable: 'any',
    override: ({ zodSchema, jsonSchema, path }) => {
      const def = (zodSchema as unknown as { _zod: { def: Zod4Def } })._zod.def;
      const target = jsonSchema as JsonSchema;
      if (def.type === 'date' && def.coerce) {
        target.type = 'string';
        target.format = 'date-time';
        return;
      }
      if (def.type === 'bigint' && def.coerce) {
        target.type = 'integer';
        return;
      }
      // A bigint `.catch()`/`.default()` value cannot be written into the schema; the model is asked for the field
      // all the same, and zod fills the value in.
      if (typeof target.default === 'bigint') delete target.default;
      problem ??= typeProblem(def, path);
    },
  }) as JsonSchema;
  return problem === null ? converted : { problem };
}

function typeProblem(def: Zod4Def, path: (string | number)[]): string | null {
  const at = fieldPath(path);
  if (def.type in NOT_JSON) return `${at} is ${NOT_JSON[def.type]}`;
  // The model writes the pipe's input; a type JSON cannot carry on its output is reached only through a transform.
  const out = def.type === 'pipe' && !def.transform ? def.out?._zod.def : undefined;
  if (out && out.type !== 'transform' && out.type in NOT_JSON && !out.coerce && !transforms(def.in)) {
    return `${at} pipes into ${NOT_JSON[out.type]}: what the model writes reaches it unchanged, so no answer could parse. Put a .transform() before the pipe, or use the coerce form`;
  }
  if (def.type === 'literal' && (def.values ?? []).some((v) => typeof v === 'bigint' || v === undefined))
    return `${at} is a z.literal() of a bigint or undefined, which JSON cannot carry (use a number or string literal)`;
  return null;
}

/** Whether a pipe's input side changes its value on the way (a transform, a codec), however deep in its chain. */
function transforms(schema: Zod4Schema | undefined, depth = 0): boolean {
  const def = schema?._zod.def;
  if (!def || depth > 32) return false;
  if (def.type === 'transform' || def.transform) return true;
  return def.type === 'pipe' && (transforms(def.in, depth + 1) || transforms(def.out, depth + 1));
}

/** `lineItems[].shippedAt` for the JSON Schema path `properties/lineItems/items/properties/shippedAt`. */
function fieldPath(path: (string | number)[]): string {
  let out = '';
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    if (segment === 'properties' && i + 1 < path.length) {
      const name = String(path[++i]);
      out = out ? `${out}.${name}` : name;
    } else if (segment === 'items') out += '[]';
    else if (segment === 'additionalProperties') out += '{}';
    else if (segment === 'prefixItems' && i + 1 < path.length) out += `[${path[++i]}]`;
    else if ((segment === '$defs' || segment === 'definitions') && i + 1 < path.length)
      out = `${segment}.${path[++i]}`;
    // anyOf/oneOf/allOf and their indexes: the same field.
    else if (segment === 'anyOf' || segment === 'oneOf' || segment === 'allOf') i++;
  }
  return out || '(root)';
}

import { isRecord } from '../http.js';
import { formatExample, withDescribedConstraints } from './described-constraints.js';

type Schema = Record<string, unknown>;

/**
 * Builds a value that validates against a JSON Schema, taking a field's value from the input text where the field's
 * name appears as a label (`Total: 1,250.00` gives `total: 1250`), and a plain placeholder otherwise.
 */
export function schemaInstance(schema: Schema, corpus: string): unknown {
  return generate(schema, { root: schema, corpus, depth: 0 }, null);
}

interface Context {
  root: Schema;
  corpus: string;
  depth: number;
}

function resolveRef(schema: Schema, root: Schema): Schema {
  let current = schema;
  for (let hops = 0; typeof current.$ref === 'string' && hops < 32; hops++) {
    const path = current.$ref.replace(/^#\/?/, '').split('/').filter(Boolean);
    let target: unknown = root;
    for (const segment of path) target = isRecord(target) ? target[decodeURIComponent(segment)] : undefined;
    if (!isRecord(target)) return {};
    current = { ...target, ...withoutRef(current) };
  }
  return current;
}

function withoutRef(schema: Schema): Schema {
  const { $ref: _ref, ...rest } = schema;
  return rest;
}

function typesOf(schema: Schema): string[] {
  if (Array.isArray(schema.type)) return schema.type.filter((t): t is string => typeof t === 'string');
  if (typeof schema.type === 'string') return [schema.type];
  if (isRecord(schema.properties)) return ['object'];
  if (isRecord(schema.items)) return ['array'];
  return [];
}

function generate(rawSchema: Schema, context: Context, fieldName: string | null): unknown {
  const schema = withDescribedConstraints(resolveRef(rawSchema, context.root));
  if ('const' in schema) return schema.const;
  const label = fieldName ? findLabelled(context.corpus, fieldName) : undefined;

  if (Array.isArray(schema.enum) && schema.enum.length > 0) {
    const hit =
      label &&
      schema.enum.find((v) => typeof v === 'string' && label.toLowerCase().includes(v.toLowerCase()));
    return hit ?? schema.enum.find((v) => v !== null) ?? schema.enum[0];
  }

  const variants = (schema.anyOf ?? schema.oneOf) as unknown;
  if (Array.isArray(variants) && variants.length > 0) {
    const schemas = variants.filter(isRecord).map((v) => resolveRef(v, context.root));
    const nonNull = schemas.filter((v) => !typesOf(v).every((t) => t === 'null') || typesOf(v).length === 0);
    const nullable = schemas.length !== nonNull.length;
    // Deep in a recursive type, the null branch ends it (an optional field, made nullable by strict mode).
    if (
      nullable &&
      (context.depth > RECURSION_DEPTH || (label === undefined && nonNull.every((v) => isScalar(v))))
    )
      return null;
    const chosen = nonNull[0] ?? schemas[0]!;
    return generate(chosen, context, fieldName);
  }
  if (Array.isArray(schema.allOf)) {
    const merged = Object.assign(
      {},
      ...schema.allOf.filter(isRecord).map((s) => resolveRef(s, context.root)),
    );
    return generate(merged, context, fieldName);
  }

  const types = typesOf(schema);
  const type = types.find((t) => t !== 'null') ?? types[0] ?? 'string';
  if (types.includes('null') && label === undefined && type !== 'object' && type !== 'array') return null;

  switch (type) {
    case 'object':
      return generateObject(schema, context);
    case 'array':
      return generateArray(schema, context, fieldName);
    case 'number':
    case 'integer':
      return generateNumber(schema, type, label);
    case 'boolean':
      return label !== undefined ? /^(yes|true|y|1)\b/i.test(label) : false;
    case 'null':
      return null;
    default:
      return generateString(schema, fieldName, label);
  }
}

function isScalar(schema: Schema): boolean {
  return !typesOf(schema).some((t) => t === 'object' || t === 'array');
}

/** How deep a recursive type's instance goes before its optional fields end it. */
const RECURSION_DEPTH = 8;

function generateObject(schema: Schema, context: Context): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  if (context.depth > 12) return result;
  const properties = isRecord(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  for (const [name, property] of Object.entries(properties)) {
    if (!isRecord(property)) continue;
    // Like a model, leave out an optional field the input says nothing about, and deep in a recursive type every
    // optional one: the instance then ends there, every required field written.
    if (
      !required.has(name) &&
      (context.depth > RECURSION_DEPTH ||
        (isScalar(resolveRef(property, context.root)) && findLabelled(context.corpus, name) === undefined))
    )
      continue;
    result[name] = generate(property, { ...context, depth: context.depth + 1 }, name);
  }
  return result;
}

function generateArray(schema: Schema, context: Context, fieldName: string | null): unknown[] {
  const items = isRecord(schema.items) ? schema.items : {};
  const min = typeof schema.minItems === 'number' ? schema.minItems : 0;
  const max = typeof schema.maxItems === 'number' ? schema.maxItems : Number.POSITIVE_INFINITY;
  // Deep inside a recursive schema, an array that may be empty is, so the instance ends.
  const count = context.depth > 6 && min === 0 ? 0 : Math.min(Math.max(min, 1), max);
  return Array.from({ length: count }, () =>
    generate(items, { ...context, depth: context.depth + 1 }, fieldName),
  );
}

function generateNumber(schema: Schema, type: string, label: string | undefined): number {
  let value = label !== undefined ? parseNumber(label) : undefined;
  if (value === undefined) value = 0;
  if (type === 'integer') value = Math.round(value);
  if (typeof schema.minimum === 'number' && value < schema.minimum) value = schema.minimum;
  if (typeof schema.maximum === 'number' && value > schema.maximum) value = schema.maximum;
  if (typeof schema.exclusiveMinimum === 'number' && value <= schema.exclusiveMinimum)
    value = schema.exclusiveMinimum + 1;
  if (typeof schema.exclusiveMaximum === 'number' && value >= schema.exclusiveMaximum)
    value = schema.exclusiveMaximum - 1;
  if (typeof schema.multipleOf === 'number' && schema.multipleOf > 0)
    value = Math.ceil(value / schema.multipleOf) * schema.multipleOf;
  return value;
}

function generateString(schema: Schema, fieldName: string | null, label: string | undefined): string {
  let value = label ?? formatExample(schema.format) ?? `example ${fieldName ?? 'value'}`;
  if (typeof schema.minLength === 'number' && value.length < schema.minLength)
    value = value.padEnd(schema.minLength, 'x');
  if (typeof schema.maxLength === 'number' && value.length > schema.maxLength)
    value = value.slice(0, schema.maxLength);
  return value;
}

/** `1,250.00` -> 1250, `$1,250` -> 1250, `(12.5)` -> 12.5; undefined when no number is there. */
export function parseNumber(text: string): number | undefined {
  const match = /-?\d[\d,]*(?:\.\d+)?|-?\.\d+/.exec(text);
  if (!match) return undefined;
  const value = Number(match[0].replace(/,/g, ''));
  return Number.isFinite(value) ? value : undefined;
}

/** The text after `name:` (any casing, camelCase or snake_case spelled as words) up to the end of its line. */
export function findLabelled(corpus: string, fieldName: string): string | undefined {
  for (const spelling of spellings(fieldName)) {
    const pattern = new RegExp(`(?:^|[^a-z0-9])${escapeRegExp(spelling)}\\s*[:=]\\s*([^\\n]+)`, 'i');
    const match = pattern.exec(corpus);
    if (match) {
      const value = match[1]!.trim().replace(/[.;,]$/, '');
      if (value) return value;
    }
  }
  return undefined;
}

function spellings(fieldName: string): string[] {
  const words = fieldName
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[\s_-]+/)
    .filter(Boolean);
  return [...new Set([fieldName, words.join(' '), words.join('_'), words.join('-'), words.join('')])];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s+');
}

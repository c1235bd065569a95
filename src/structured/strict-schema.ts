import type { JsonSchema } from './schema.js';

/** A path pattern into a value: property names, with `*` for every array item. */
export type PathPattern = string[];

export interface StrictSchema {
  schema: JsonSchema;
  /** Optional fields the strict schema made required-but-nullable: a `null` there means "absent". */
  nullableOptional: PathPattern[];
}

/**
 * Makes a JSON Schema acceptable to OpenAI's strict structured outputs: every object closed with
 * `additionalProperties: false` and listing every property in `required`, optional ones turned into a union with
 * null. Pure; the input is not changed.
 */
export function toStrictSchema(schema: JsonSchema): StrictSchema {
  const nullableOptional: PathPattern[] = [];
  const visit = (node: unknown, path: PathPattern): unknown => {
    if (Array.isArray(node)) return node.map((item) => visit(item, path));
    if (!node || typeof node !== 'object') return node;
    const source = node as JsonSchema;
    const result: JsonSchema = {};
    for (const [key, value] of Object.entries(source)) {
      if (key === 'properties' || key === 'required' || key === 'additionalProperties') continue;
      if (key === 'items') result.items = visit(value, [...path, '*']);
      else if (key === 'anyOf' || key === 'oneOf' || key === 'allOf')
        result[key === 'oneOf' ? 'anyOf' : key] = visit(value, path);
      else if (key === '$defs' || key === 'definitions') result[key] = visit(value, path);
      else result[key] = value;
    }
    if (source.properties && typeof source.properties === 'object') {
      const required = new Set(Array.isArray(source.required) ? (source.required as string[]) : []);
      const properties: JsonSchema = {};
      for (const [name, property] of Object.entries(source.properties as JsonSchema)) {
        const strict = visit(property, [...path, name]);
        if (required.has(name)) {
          properties[name] = strict;
        } else {
          properties[name] = nullable(strict);
          nullableOptional.push([...path, name]);
        }
      }
      result.properties = properties;
      result.required = Object.keys(properties);
      result.additionalProperties = false;
    } else if (source.type === 'object') {
      result.properties = {};
      result.required = [];
      result.additionalProperties = false;
    }
    return result;
  };
  return { schema: visit(schema, []) as JsonSchema, nullableOptional };
}

/** Closes every object (`additionalProperties: false`) but keeps optional fields optional. */
export function closeObjects(schema: JsonSchema): JsonSchema {
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(visit);
    if (!node || typeof node !== 'object') return node;
    const result: JsonSchema = {};
    for (const [key, value] of Object.entries(node as JsonSchema)) {
      result[key] =
        key === 'properties'
          ? Object.fromEntries(Object.entries(value as JsonSchema).map(([k, v]) => [k, visit(v)]))
          : visit(value);
    }
    if (result.type === 'object' && result.additionalProperties === undefined)
      result.additionalProperties = false;
    return result;
  };
  return visit(schema) as JsonSchema;
}

function nullable(schema: unknown): unknown {
  const node = schema as JsonSchema;
  if (Array.isArray(node.anyOf)) {
    return node.anyOf.some((v) => (v as JsonSchema).type === 'null')
      ? node
      : { ...node, anyOf: [...node.anyOf, { type: 'null' }] };
  }
  return { anyOf: [node, { type: 'null' }] };
}

/** Removes `null`s the strict schema put where an optional field was absent, so that zod sees the field missing. */
export function dropNullOptionals(value: unknown, patterns: PathPattern[]): unknown {
  const copy = structuredClone(value);
  for (const pattern of patterns) removeAt(copy, pattern);
  return copy;
}

function removeAt(node: unknown, pattern: PathPattern): void {
  if (!node || typeof node !== 'object' || pattern.length === 0) return;
  const [head, ...rest] = pattern;
  if (head === '*') {
    if (Array.isArray(node)) for (const item of node) removeAt(item, rest);
    return;
  }
  const record = node as Record<string, unknown>;
  if (rest.length === 0) {
    if (record[head!] === null) delete record[head!];
  } else {
    removeAt(record[head!], rest);
  }
}

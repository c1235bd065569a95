import type { JsonSchema } from './schema.js';
import { commonSchemaProblem, noteInDescription, type SchemaProblem, walkSchema } from './schema-problem.js';

/**
 * The string formats OpenAI strict mode takes (the Structured Outputs guide, "Supported properties"); `uri` is not
 * one of them. Others move into the description.
 */
export const OPENAI_STRING_FORMATS = new Set([
  'date-time',
  'time',
  'date',
  'duration',
  'email',
  'hostname',
  'ipv4',
  'ipv6',
  'uuid',
]);

/** String keywords the guide does not list as supported (only `pattern` and `format` are): kept in the description. */
const OPENAI_UNLISTED_STRING_KEYWORDS = ['minLength', 'maxLength'];

/**
 * Keywords strict mode refuses, as the openai SDK's own strict transform lists them
 * (`openai/lib/transform` `JSON_SCHEMA_UNSUPPORTED_SCHEMA_KEYWORDS`, used by `zodResponseFormat`).
 */
const OPENAI_UNSUPPORTED_KEYWORDS = [
  '$anchor',
  '$dynamicAnchor',
  '$dynamicRef',
  '$recursiveAnchor',
  '$recursiveRef',
  'allOf',
  'contains',
  'contentEncoding',
  'contentMediaType',
  'contentSchema',
  'dependentRequired',
  'dependentSchemas',
  'dependencies',
  'else',
  'if',
  'maxContains',
  'maxProperties',
  'minContains',
  'minProperties',
  'not',
  'patternProperties',
  'prefixItems',
  'propertyNames',
  'then',
  'unevaluatedItems',
  'unevaluatedProperties',
  'uniqueItems',
];

/** Why OpenAI strict mode cannot take a schema, or null. */
export function strictSchemaProblem(schema: JsonSchema): SchemaProblem | null {
  const common = commonSchemaProblem(schema, 'OpenAI strict');
  if (common) return common;
  return walkSchema(schema, (node, path) => {
    const keyword = OPENAI_UNSUPPORTED_KEYWORDS.find((key) => node[key] !== undefined);
    if (!keyword) return null;
    const at = path || '(root)';
    return {
      code: 'schema_keyword_unsupported',
      path: at,
      message: `field \`${at}\` uses \`${keyword}\`, which OpenAI strict structured output does not take. Express the field without it (its zod refinements are still checked on the answer).`,
    };
  });
}

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
    moveUnlistedStringKeywords(result);
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

/** Unsupported `format`s and string lengths go into the description; the zod schema still checks them. */
function moveUnlistedStringKeywords(node: JsonSchema): void {
  const types = Array.isArray(node.type) ? node.type : [node.type];
  if (!types.includes('string')) return;
  const moved: JsonSchema = {};
  if (typeof node.format === 'string' && !OPENAI_STRING_FORMATS.has(node.format)) {
    moved.format = node.format;
    delete node.format;
  }
  for (const key of OPENAI_UNLISTED_STRING_KEYWORDS) {
    if (node[key] !== undefined) {
      moved[key] = node[key];
      delete node[key];
    }
  }
  noteInDescription(node, moved);
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

import { openaiSchemaLimitProblem } from './openai-schema-limits.js';
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
  const common = commonSchemaProblem(schema, 'OpenAI strict') ?? openaiSchemaLimitProblem(schema);
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

export interface StrictSchema {
  schema: JsonSchema;
  /** Optional fields the strict schema made required-but-nullable: a `null` there means "absent". */
  nullableOptional: NullableOptionals;
}

/**
 * Makes a JSON Schema acceptable to OpenAI's strict structured outputs: every object closed with
 * `additionalProperties: false` and listing every property in `required`, optional ones turned into a union with
 * null; `$defs` (named and recursive types) too. Pure; the input is not changed.
 */
export function toStrictSchema(schema: JsonSchema): StrictSchema {
  const optional = new WeakMap<object, ReadonlySet<string>>();
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(visit);
    if (!node || typeof node !== 'object') return node;
    const source = node as JsonSchema;
    const result: JsonSchema = {};
    for (const [key, value] of Object.entries(source)) {
      if (key === 'properties' || key === 'required' || key === 'additionalProperties') continue;
      if (key === 'items') result.items = visit(value);
      else if (key === 'anyOf' || key === 'oneOf' || key === 'allOf')
        result[key === 'oneOf' ? 'anyOf' : key] = visit(value);
      else if ((key === '$defs' || key === 'definitions') && value && typeof value === 'object')
        result[key] = Object.fromEntries(Object.entries(value).map(([name, def]) => [name, visit(def)]));
      else result[key] = value;
    }
    moveUnlistedStringKeywords(result);
    if (source.properties && typeof source.properties === 'object') {
      const required = new Set(Array.isArray(source.required) ? (source.required as string[]) : []);
      const properties: JsonSchema = {};
      const optionalNames = new Set<string>();
      for (const [name, property] of Object.entries(source.properties as JsonSchema)) {
        const strict = visit(property);
        if (required.has(name)) {
          properties[name] = strict;
        } else {
          properties[name] = nullable(strict);
          optionalNames.add(name);
        }
      }
      result.properties = properties;
      result.required = Object.keys(properties);
      result.additionalProperties = false;
      if (optionalNames.size > 0) optional.set(result, optionalNames);
    } else if (source.type === 'object') {
      result.properties = {};
      result.required = [];
      result.additionalProperties = false;
    }
    return result;
  };
  const strict = visit(schema) as JsonSchema;
  return { schema: strict, nullableOptional: new NullableOptionals(strict, optional) };
}

/**
 * The optional fields of a strict schema, by the object schema they belong to: an answer is walked along the schema
 * (its `$ref`s resolved, the union branches it fits followed), so a field is known by where it is, not by its name —
 * the same name can be optional in one branch and required-but-nullable in another.
 */
export class NullableOptionals {
  constructor(
    private readonly root: JsonSchema,
    private readonly optional: WeakMap<object, ReadonlySet<string>>,
  ) {}

  /**
   * A copy of the answer without the `null`s the strict schema put where an optional field was absent, so that zod
   * sees the field missing: where `every` union branch the answer fits makes the field optional, or (a second try,
   * for an answer the first left invalid: fitting is judged by types and constants, not by every constraint) where
   * `some` does.
   */
  drop(value: unknown, where: 'every' | 'some' = 'every'): unknown {
    const copy = structuredClone(value);
    this.walk(copy, [this.root], 0, where);
    return copy;
  }

  /**
   * Walks a value along every schema it may have been written by: the union branches it fits. A `null` goes only
   * where each of them makes its field optional; where one requires the field (nullable), the null stays, and zod
   * decides between them.
   */
  private walk(value: unknown, schemas: readonly unknown[], depth: number, where: 'every' | 'some'): void {
    // Far deeper than any answer a provider gives: a bound, not a limit, against a schema that refers to itself.
    if (depth > 256 || value === null || typeof value !== 'object') return;
    const nodes = this.candidates(value, schemas);
    if (nodes.length === 0) return;
    if (Array.isArray(value)) {
      const items = nodes.map((node) => node.items);
      for (const item of value) this.walk(item, items, depth + 1, where);
      return;
    }
    const objects = nodes.filter((node) => node.properties && typeof node.properties === 'object');
    if (objects.length === 0) return;
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const owners = objects.filter((node) => Object.hasOwn(node.properties as JsonSchema, key));
      if (owners.length === 0) continue;
      const optional = (node: JsonSchema) => this.optional.get(node)?.has(key) === true;
      if (record[key] === null && (where === 'every' ? owners.every(optional) : owners.some(optional)))
        delete record[key];
      else
        this.walk(
          record[key],
          owners.map((node) => (node.properties as JsonSchema)[key]),
          depth + 1,
          where,
        );
    }
  }

  /**
   * The schemas (their `$ref`s followed, their unions opened) that could have written the value: of a union, the
   * branches it fits.
   */
  private candidates(value: unknown, schemas: readonly unknown[]): JsonSchema[] {
    const found: JsonSchema[] = [];
    const open = (schema: unknown, branch: boolean, hops: number): void => {
      const node = this.resolve(schema);
      if (!node || hops > 32) return;
      if (Array.isArray(node.anyOf)) for (const option of node.anyOf) open(option, true, hops + 1);
      else if ((!branch || this.fits(value, node, 0)) && !found.includes(node)) found.push(node);
    };
    for (const schema of schemas) open(schema, false, 0);
    return found;
  }

  /**
   * Whether an answer's value is one a strict-schema branch could have produced: its type, its `const` or `enum`,
   * and for an object exactly the branch's properties (strict mode writes every one), each fitting in turn — so a
   * discriminator decides however deep it sits.
   */
  private fits(value: unknown, schema: unknown, depth: number): boolean {
    const node = this.resolve(schema);
    if (!node || depth > 64) return true;
    if (Array.isArray(node.anyOf)) return node.anyOf.some((option) => this.fits(value, option, depth + 1));
    const types = node.type === undefined ? [] : Array.isArray(node.type) ? node.type : [node.type];
    const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
    const integer = type === 'number' && Number.isInteger(value);
    if (types.length > 0 && !types.some((t) => t === type || (t === 'integer' && integer))) return false;
    if (node.const !== undefined && node.const !== value) return false;
    if (Array.isArray(node.enum) && !node.enum.includes(value)) return false;
    if (type === 'array') return (value as unknown[]).every((item) => this.fits(item, node.items, depth + 1));
    if (type !== 'object' || !node.properties || typeof node.properties !== 'object') return true;
    const properties = node.properties as JsonSchema;
    const keys = Object.keys(value as object);
    if (keys.length !== Object.keys(properties).length) return false;
    return keys.every(
      (key) =>
        Object.hasOwn(properties, key) &&
        this.fits((value as Record<string, unknown>)[key], properties[key], depth + 1),
    );
  }

  /** The schema a `$ref` points to (`#`, `#/$defs/Name`, `#/definitions/Name`); others as they are. */
  private resolve(schema: unknown): JsonSchema | undefined {
    let node = schema as JsonSchema | undefined;
    for (let hops = 0; node && typeof node.$ref === 'string' && hops < 32; hops++) {
      const ref = node.$ref as string;
      if (ref === '#') node = this.root;
      else {
        const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
        const defs = match ? (this.root[match[1]!] as JsonSchema | undefined) : undefined;
        node = defs && Object.hasOwn(defs, match![2]!) ? (defs[match![2]!] as JsonSchema) : undefined;
      }
    }
    return node && typeof node === 'object' ? node : undefined;
  }
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

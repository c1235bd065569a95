import { isRecord } from '../http.js';
import { schemaSizeError } from './schema-size-rules.js';

type Schema = Record<string, unknown>;
type Context = (string | number)[];

/** Formats strict mode takes (Structured Outputs guide, "Supported properties"); `uri` is not one. */
const FORMATS = new Set([
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

/** Keywords outside the strict subset (the guide's list of unsupported keywords). */
const NOT_PERMITTED = [
  'prefixItems',
  'allOf',
  'not',
  'if',
  'then',
  'else',
  'patternProperties',
  'propertyNames',
  'unevaluatedProperties',
  'unevaluatedItems',
  'minProperties',
  'maxProperties',
  'uniqueItems',
  'contains',
  'minContains',
  'maxContains',
  'dependentRequired',
  'dependentSchemas',
];

/**
 * The 400 a Chat Completions body earns when its `response_format` is a strict `json_schema` the strict subset does
 * not allow, or null. Messages follow the real ones: `Invalid schema for response_format '<name>': In
 * context=('properties', 'address'), 'additionalProperties' is required to be supplied and to be false.`
 */
export function strictSchemaError(body: Record<string, unknown>): { message: string; param: string } | null {
  const format = body.response_format;
  if (!isRecord(format) || format.type !== 'json_schema' || !isRecord(format.json_schema)) return null;
  const { name, schema, strict } = format.json_schema;
  if (strict !== true || !isRecord(schema)) return null;
  const problem = rootProblem(schema) ?? nodeProblem(schema, [], new Set()) ?? schemaSizeError(schema);
  if (!problem) return null;
  return {
    message: `Invalid schema for response_format '${String(name)}': ${problem}`,
    param: 'response_format',
  };
}

function rootProblem(schema: Schema): string | null {
  if (schema.type !== 'object')
    return `schema must be a JSON Schema of 'type: "object"', got 'type: "${String(schema.type)}"'.`;
  if (Array.isArray(schema.anyOf)) return "In context=(), 'anyOf' is not permitted at the root.";
  return null;
}

function nodeProblem(node: unknown, context: Context, seen: Set<unknown>): string | null {
  if (!isRecord(node) || seen.has(node)) return null;
  seen.add(node);
  const at = `In context=${pythonTuple(context)}`;
  const keyword = NOT_PERMITTED.find((key) => key in node);
  if (keyword) return `${at}, '${keyword}' is not permitted.`;
  const typed = ['type', 'anyOf', 'enum', 'const', '$ref'].some((key) => key in node);
  if (!typed) return `${at}, schema must have a 'type' key.`;
  const types = Array.isArray(node.type) ? node.type : [node.type];
  if (types.includes('object')) {
    if (node.additionalProperties !== false)
      return `${at}, 'additionalProperties' is required to be supplied and to be false.`;
    const properties = isRecord(node.properties) ? Object.keys(node.properties) : [];
    const required = Array.isArray(node.required) ? node.required : null;
    const missing = properties.find((name) => !required?.includes(name));
    if (required === null || missing !== undefined) {
      return `${at}, 'required' is required to be supplied and to be an array including every key in properties. Missing '${missing ?? properties[0] ?? ''}'.`;
    }
  }
  if (types.includes('string') && typeof node.format === 'string' && !FORMATS.has(node.format))
    return `${at}, '${node.format}' is not a valid format.`;
  if (types.includes('array') && !isRecord(node.items))
    return `${at}, 'items' is required to be supplied and to be a schema.`;

  const children: [unknown, Context][] = [];
  if (isRecord(node.properties)) {
    for (const [name, child] of Object.entries(node.properties))
      children.push([child, [...context, 'properties', name]]);
  }
  if (isRecord(node.items)) children.push([node.items, [...context, 'items']]);
  if (Array.isArray(node.anyOf)) {
    for (const [index, child] of node.anyOf.entries()) children.push([child, [...context, 'anyOf', index]]);
  }
  for (const key of ['$defs', 'definitions']) {
    const defs = node[key];
    if (isRecord(defs))
      for (const [name, child] of Object.entries(defs)) children.push([child, [...context, key, name]]);
  }
  for (const [child, childContext] of children) {
    const found = nodeProblem(child, childContext, seen);
    if (found) return found;
  }
  return null;
}

/** `()`, `('properties', 'a')`, `('items',)`: how the real messages print the path. */
function pythonTuple(context: Context): string {
  const parts = context.map((part) => (typeof part === 'number' ? String(part) : `'${part}'`));
  if (parts.length === 1) return `(${parts[0]},)`;
  return `(${parts.join(', ')})`;
}

import { isRecord } from '../http.js';

type Schema = Record<string, unknown>;

const NUMERIC_KEYWORDS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'];
const STRING_KEYWORDS = ['minLength', 'maxLength'];
const STRING_FORMATS = new Set([
  'date-time',
  'time',
  'date',
  'duration',
  'email',
  'hostname',
  'uri',
  'ipv4',
  'ipv6',
  'uuid',
]);
const MAX_OPTIONAL = 24;
const MAX_UNION = 16;

/**
 * The message of the `invalid_request_error` a request's structured-output schema earns, or null. The Messages API
 * refuses, in `output_config.format.schema` (or the older `output_format.schema`): numeric bounds, string lengths,
 * `minItems` other than 0 or 1, `maxItems`, `oneOf`, `additionalProperties` other than `false`, formats outside its
 * list, recursive `$ref`s, and more than 24 optional or 16 union-typed properties. Only the first message
 * (`For 'integer' type, property 'minimum' is not supported`) and the optional-count one are quoted from real
 * answers; the others follow their shape.
 */
export function outputSchemaError(params: Record<string, unknown>): string | null {
  const config = isRecord(params.output_config) ? params.output_config : null;
  const legacy = isRecord(params.output_format) ? params.output_format : null;
  const format = config && isRecord(config.format) ? config.format : legacy;
  if (format?.type !== 'json_schema') return null;
  const prefix = config ? 'output_config.format.schema' : 'output_format.schema';
  if (!isRecord(format.schema)) return `${prefix}: Field required`;
  const root = format.schema;
  const problem = keywordProblem(root, root, new Set()) ?? countProblem(root);
  return problem ? `${prefix}: ${problem}` : null;
}

function keywordProblem(node: unknown, root: Schema, open: Set<unknown>): string | null {
  if (!isRecord(node)) return null;
  if (open.has(node)) return 'Recursive schemas are not supported';
  const inside = new Set(open).add(node);
  if (typeof node.$ref === 'string') {
    const target = resolve(root, node.$ref);
    if (target === undefined) return `Reference '${node.$ref}' could not be resolved`;
    return keywordProblem(target, root, inside);
  }
  if (Array.isArray(node.oneOf)) return "'oneOf' is not supported, use 'anyOf' instead";
  const types = Array.isArray(node.type) ? node.type : [node.type];
  for (const type of types) {
    if (type === 'integer' || type === 'number') {
      const keyword = NUMERIC_KEYWORDS.find((key) => key in node);
      if (keyword) return `For '${type}' type, property '${keyword}' is not supported`;
    }
    if (type === 'string') {
      const keyword = STRING_KEYWORDS.find((key) => key in node);
      if (keyword) return `For 'string' type, property '${keyword}' is not supported`;
      if (typeof node.format === 'string' && !STRING_FORMATS.has(node.format))
        return `For 'string' type, format '${node.format}' is not supported`;
    }
    if (type === 'array') {
      if ('maxItems' in node) return "For 'array' type, property 'maxItems' is not supported";
      if ('minItems' in node && node.minItems !== 0 && node.minItems !== 1)
        return "For 'array' type, 'minItems' values other than 0 or 1 are not supported";
      if ('prefixItems' in node) return "For 'array' type, property 'prefixItems' is not supported";
    }
    if (type === 'object' && node.additionalProperties !== false)
      return "For 'object' type, 'additionalProperties' must be explicitly set to false";
  }
  const children: unknown[] = [];
  if (isRecord(node.properties)) children.push(...Object.values(node.properties));
  if (isRecord(node.items)) children.push(node.items);
  for (const key of ['anyOf', 'allOf'])
    if (Array.isArray(node[key])) children.push(...(node[key] as unknown[]));
  for (const key of ['$defs', 'definitions'])
    if (isRecord(node[key])) children.push(...Object.values(node[key]));
  for (const child of children) {
    const found = keywordProblem(child, root, inside);
    if (found) return found;
  }
  return null;
}

function countProblem(root: Schema): string | null {
  let optional = 0;
  let unions = 0;
  const seen = new Set<unknown>();
  const visit = (node: unknown): void => {
    if (!isRecord(node) || seen.has(node)) return;
    seen.add(node);
    if (isRecord(node.properties)) {
      const required = new Set(Array.isArray(node.required) ? node.required : []);
      for (const [name, property] of Object.entries(node.properties)) {
        if (!required.has(name)) optional++;
        if (isRecord(property) && (Array.isArray(property.anyOf) || Array.isArray(property.type))) unions++;
        visit(property);
      }
    }
    visit(node.items);
    for (const key of ['anyOf', 'allOf']) if (Array.isArray(node[key])) for (const c of node[key]) visit(c);
    for (const key of ['$defs', 'definitions'])
      if (isRecord(node[key])) for (const c of Object.values(node[key])) visit(c);
  };
  visit(root);
  if (optional > MAX_OPTIONAL) {
    return `Schemas contains too many optional parameters (${optional}), which would make grammar compilation inefficient. Reduce the number of optional parameters in your tool schemas (limit: ${MAX_OPTIONAL}).`;
  }
  if (unions > MAX_UNION) {
    return `Schemas contains too many parameters with union types (${unions}), which would cause exponential compilation cost. Reduce the number of nullable or union-typed parameters (limit: ${MAX_UNION}).`;
  }
  return null;
}

function resolve(root: Schema, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  let target: unknown = root;
  for (const segment of ref.slice(1).split('/').filter(Boolean)) {
    target = isRecord(target)
      ? target[decodeURIComponent(segment).replace(/~1/g, '/').replace(/~0/g, '~')]
      : undefined;
  }
  return target;
}

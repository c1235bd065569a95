import { jsonSchemaOutputFormat } from '@anthropic-ai/sdk/helpers/json-schema';
import type { JsonSchema } from './schema.js';
import { commonSchemaProblem, isSchema, type SchemaProblem, walkSchema } from './schema-problem.js';

/** Reported limits of one request's structured-output schemas (third-party reports; see docs/structured-output.md). */
export const ANTHROPIC_SCHEMA_LIMITS = { optionalProperties: 24, unionProperties: 16 } as const;

/**
 * The schema Anthropic's `output_config.format` accepts, made by the official SDK's own transform
 * (`jsonSchemaOutputFormat(schema, { transform: true })`): numeric bounds, string lengths, `minItems` above 1,
 * `maxItems` and unsupported formats move into `description`, `oneOf` becomes `anyOf`, every object is closed. The
 * full zod schema still validates the answer. zod 4's ±(2^53 - 1) bounds on `z.int()` say nothing a JSON number
 * does not, so they are dropped first rather than written into every integer's description.
 */
export function toAnthropicSchema(jsonSchema: JsonSchema): JsonSchema {
  const format = jsonSchemaOutputFormat(withoutSafeIntegerBounds(jsonSchema) as { type: 'object' }, {
    transform: true,
  });
  return format.schema as JsonSchema;
}

/**
 * Why Anthropic cannot take a schema as `output_config.format`, or null: what no provider can express, recursive
 * `$ref`s, and more optional or union-typed properties than the reported limits. `sent` is the transformed schema.
 */
export function anthropicSchemaProblem(
  jsonSchema: JsonSchema,
  sent: JsonSchema | null,
): SchemaProblem | null {
  const common = commonSchemaProblem(jsonSchema, 'Anthropic');
  if (common) return common;
  const recursive = recursivePath(jsonSchema);
  if (recursive !== null) {
    return {
      code: 'schema_recursive_unsupported',
      path: recursive || '(root)',
      message: `field \`${recursive || '(root)'}\` refers back to an enclosing schema (a recursive z.lazy / getter): Anthropic structured output does not take recursive schemas. Bound the depth with explicit nested objects, or use an OpenAI model (strict mode takes recursion).`,
    };
  }
  if (!sent) return null;
  let optional = 0;
  let unions = 0;
  walkSchema(sent, (node) => {
    if (!isSchema(node.properties)) return null;
    const required = new Set(Array.isArray(node.required) ? node.required : []);
    for (const [name, property] of Object.entries(node.properties)) {
      if (!required.has(name)) optional++;
      if (isSchema(property) && (Array.isArray(property.anyOf) || Array.isArray(property.type))) unions++;
    }
    return null;
  });
  const { optionalProperties, unionProperties } = ANTHROPIC_SCHEMA_LIMITS;
  if (optional > optionalProperties) {
    return {
      code: 'schema_too_complex',
      path: '(root)',
      message: `the schema has ${optional} optional fields; Anthropic structured output takes at most ${optionalProperties} per request. Make some required (.nullable() instead of .optional() still counts as a union), or split the extraction into two jobs.`,
    };
  }
  if (unions > unionProperties) {
    return {
      code: 'schema_too_complex',
      path: '(root)',
      message: `the schema has ${unions} union-typed fields (z.union, .nullable(), discriminated unions); Anthropic structured output takes at most ${unionProperties} per request. Use fewer unions or split the extraction into two jobs.`,
    };
  }
  return null;
}

/** The path of the first `$ref` that leads back into a schema it is inside of, or null. */
function recursivePath(root: JsonSchema): string | null {
  const resolve = (ref: string): unknown => {
    let target: unknown = root;
    for (const segment of ref.replace(/^#\/?/, '').split('/').filter(Boolean)) {
      target = isSchema(target)
        ? target[decodeURIComponent(segment.replace(/~1/g, '/').replace(/~0/g, '~'))]
        : undefined;
    }
    return target;
  };
  const visit = (node: unknown, path: string, open: Set<unknown>): string | null => {
    if (!isSchema(node)) return null;
    if (open.has(node)) return path;
    const inside = new Set(open).add(node);
    if (typeof node.$ref === 'string') return visit(resolve(node.$ref), path, inside);
    const children: [unknown, string][] = [];
    if (isSchema(node.properties)) {
      for (const [name, child] of Object.entries(node.properties))
        children.push([child, path ? `${path}.${name}` : name]);
    }
    if (isSchema(node.items)) children.push([node.items, `${path}[]`]);
    for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
      if (Array.isArray(node[key])) for (const child of node[key]) children.push([child, path]);
    }
    for (const [child, childPath] of children) {
      const found = visit(child, childPath, inside);
      if (found !== null) return found;
    }
    return null;
  };
  return visit(root, '', new Set());
}

function withoutSafeIntegerBounds(schema: JsonSchema): JsonSchema {
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(visit);
    if (!isSchema(node)) return node;
    const result: JsonSchema = {};
    for (const [key, value] of Object.entries(node)) {
      const safeBound =
        node.type === 'integer' &&
        ((key === 'minimum' && value === Number.MIN_SAFE_INTEGER) ||
          (key === 'maximum' && value === Number.MAX_SAFE_INTEGER));
      if (safeBound) continue;
      result[key] = key === 'enum' || key === 'const' || key === 'default' ? value : visit(value);
    }
    return result;
  };
  return visit(schema) as JsonSchema;
}

import type { JsonSchema } from './schema.js';

/** Why a provider cannot take a response schema: a stable `code`, the field's path and a sentence with the fix. */
export interface SchemaProblem {
  code: string;
  /** `address.city`, `lineItems[].amount`, `(root)`. */
  path: string;
  message: string;
}

/** Calls `visit` on every subschema with its field path; `$defs` entries are visited under `$defs.<name>`. */
export function walkSchema(
  schema: JsonSchema,
  visit: (node: JsonSchema, path: string) => SchemaProblem | null,
): SchemaProblem | null {
  const walk = (node: unknown, path: string): SchemaProblem | null => {
    if (!isSchema(node)) return null;
    const own = visit(node, path);
    if (own) return own;
    const children: [unknown, string][] = [];
    if (isSchema(node.properties)) {
      for (const [name, child] of Object.entries(node.properties)) children.push([child, join(path, name)]);
    }
    if (isSchema(node.items)) children.push([node.items, `${path}[]`]);
    if (isSchema(node.additionalProperties)) children.push([node.additionalProperties, `${path}{}`]);
    for (const key of ['anyOf', 'oneOf', 'allOf', 'prefixItems'] as const) {
      const list = node[key];
      if (Array.isArray(list)) for (const child of list) children.push([child, path]);
    }
    for (const key of ['$defs', 'definitions'] as const) {
      const defs = node[key];
      if (isSchema(defs))
        for (const [name, child] of Object.entries(defs)) children.push([child, `${key}.${name}`]);
    }
    for (const [child, childPath] of children) {
      const found = walk(child, childPath);
      if (found) return found;
    }
    return null;
  };
  return walk(schema, '');
}

/**
 * What neither provider's structured output can express: free-form keys (`z.record`, open objects), tuples,
 * untyped fields (`z.any()`, `z.unknown()`) and intersections that did not merge into one object.
 */
export function commonSchemaProblem(schema: JsonSchema, provider: string): SchemaProblem | null {
  return walkSchema(schema, (node, path) => {
    const at = path || '(root)';
    const open =
      isSchema(node.propertyNames) ||
      isSchema(node.patternProperties) ||
      node.additionalProperties === true ||
      isSchema(node.additionalProperties);
    if (open) {
      const record = !isSchema(node.properties) || Object.keys(node.properties).length === 0;
      return {
        code: 'schema_record_unsupported',
        path: at,
        message: record
          ? `field \`${at}\` is a record (z.record): ${provider} structured output cannot express free-form keys, so the only answer it allows is {}. Use z.array(z.object({ key: z.string(), value: ... })), or a z.object listing the keys.`
          : `field \`${at}\` is an open object (z.looseObject / .passthrough()): ${provider} structured output takes only closed objects. Use z.object (extra keys are then dropped).`,
      };
    }
    if (Array.isArray(node.prefixItems) || Array.isArray(node.items)) {
      return {
        code: 'schema_tuple_unsupported',
        path: at,
        message: `field \`${at}\` is a tuple (z.tuple): ${provider} structured output cannot express tuples (prefixItems). Use a z.object with named fields, or a z.array of one item type.`,
      };
    }
    if (Array.isArray(node.allOf)) {
      return {
        code: 'schema_intersection_unsupported',
        path: at,
        message: `field \`${at}\` is an intersection (allOf) that is not a plain merge of objects: ${provider} structured output cannot express it. Use one z.object (.extend()) instead.`,
      };
    }
    const typed = ['type', 'anyOf', 'oneOf', 'enum', 'const', '$ref', 'properties'].some(
      (key) => key in node,
    );
    if (!typed) {
      return {
        code: 'schema_untyped_field',
        path: at,
        message: `field \`${at}\` has no type (z.any() / z.unknown()): ${provider} structured output needs a type for every field. Give it one, e.g. z.string() or a z.union of the types it may take.`,
      };
    }
    return null;
  });
}

/** Appends constraints the provider does not take to the field's description, as `{key: value, …}`. */
export function noteInDescription(node: JsonSchema, moved: JsonSchema): void {
  if (Object.keys(moved).length === 0) return;
  const note = `{${Object.entries(moved)
    .map(([key, value]) => `${key}: ${JSON.stringify(value)}`)
    .join(', ')}}`;
  node.description = typeof node.description === 'string' ? `${node.description}\n\n${note}` : note;
}

export function isSchema(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function join(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

import type { JsonSchema } from './schema.js';
import { isSchema, type SchemaProblem } from './schema-problem.js';

/**
 * The size limits of OpenAI's Structured Outputs (developers.openai.com/api/docs/guides/structured-outputs,
 * "Supported schemas": up to 5,000 object properties in all, up to 10 levels of nesting, up to 1,000 enum values in
 * all). A schema past one is refused with a 400 for every request that carries it, a day later in a batch.
 */
export const OPENAI_SCHEMA_LIMITS = { depth: 10, properties: 5_000, enumValues: 1_000 } as const;

/** The first limit of {@link OPENAI_SCHEMA_LIMITS} the schema passes, or null. */
export function openaiSchemaLimitProblem(schema: JsonSchema): SchemaProblem | null {
  let properties = 0;
  let enumValues = 0;
  let deepest: { depth: number; path: string } = { depth: 0, path: '' };
  // Nesting counts objects within objects (through arrays and unions); `$defs` entries count from their own root,
  // as a recursive type's depth has no bound in the schema itself.
  const walk = (node: unknown, path: string, depth: number): void => {
    if (!isSchema(node)) return;
    const isObject = isSchema(node.properties);
    const level = isObject ? depth + 1 : depth;
    if (level > deepest.depth) deepest = { depth: level, path };
    if (Array.isArray(node.enum)) enumValues += node.enum.length;
    if (isObject) {
      for (const [name, child] of Object.entries(node.properties as JsonSchema)) {
        properties++;
        walk(child, path ? `${path}.${name}` : name, level);
      }
    }
    if (isSchema(node.items)) walk(node.items, `${path}[]`, level);
    for (const key of ['anyOf', 'oneOf'] as const) {
      const list = node[key];
      if (Array.isArray(list)) for (const child of list) walk(child, path, level);
    }
    for (const key of ['$defs', 'definitions'] as const) {
      const defs = node[key];
      if (isSchema(defs)) for (const [name, child] of Object.entries(defs)) walk(child, `${key}.${name}`, 0);
    }
  };
  walk(schema, '', 0);
  const { depth, properties: maxProperties, enumValues: maxEnumValues } = OPENAI_SCHEMA_LIMITS;
  if (deepest.depth > depth) {
    const at = deepest.path || '(root)';
    return {
      code: 'schema_too_large',
      path: at,
      message: `field \`${at}\` is ${deepest.depth} objects deep: OpenAI structured output takes at most ${depth} levels of nesting. Flatten the schema (fewer objects within objects).`,
    };
  }
  if (properties > maxProperties) {
    return {
      code: 'schema_too_large',
      path: '(root)',
      message: `the schema has ${properties} object properties: OpenAI structured output takes at most ${maxProperties.toLocaleString('en-US')} in all. Split the fields over several jobs with smaller schemas.`,
    };
  }
  if (enumValues > maxEnumValues) {
    return {
      code: 'schema_too_large',
      path: '(root)',
      message: `the schema has ${enumValues} enum values: OpenAI structured output takes at most ${maxEnumValues.toLocaleString('en-US')} in all. Use a z.string() for a field with that many choices, and check it in a refinement.`,
    };
  }
  return null;
}

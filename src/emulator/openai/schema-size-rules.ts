import { isRecord } from '../http.js';

/**
 * OpenAI's size limits on a strict schema (Structured Outputs guide, "Supported schemas": 5,000 object properties
 * in all, 10 levels of nesting, 1,000 enum values in all). The nesting message is the one users quote
 * ("6 levels of nesting exceeds limit of 5", github.com/tidyverse/ellmer/issues/671, when the limit was 5); the
 * others are written in its shape.
 */
const MAX_DEPTH = 10;
const MAX_PROPERTIES = 5_000;
const MAX_ENUM_VALUES = 1_000;

/** The first size limit the schema passes, as the 400's sentence, or null. */
export function schemaSizeError(schema: Record<string, unknown>): string | null {
  let properties = 0;
  let enumValues = 0;
  let depth = 0;
  const seen = new Set<unknown>();
  // A level is an object schema; arrays and unions pass their level on. Definitions count from their own root.
  const visit = (node: unknown, level: number): void => {
    if (!isRecord(node) || seen.has(node)) return;
    seen.add(node);
    const inner = isRecord(node.properties) ? level + 1 : level;
    depth = Math.max(depth, inner);
    if (Array.isArray(node.enum)) enumValues += node.enum.length;
    if (isRecord(node.properties)) {
      for (const child of Object.values(node.properties)) {
        properties++;
        visit(child, inner);
      }
    }
    visit(node.items, inner);
    if (Array.isArray(node.anyOf)) for (const child of node.anyOf) visit(child, inner);
    for (const key of ['$defs', 'definitions']) {
      const defs = node[key];
      if (isRecord(defs)) for (const child of Object.values(defs)) visit(child, 0);
    }
  };
  visit(schema, 0);
  if (depth > MAX_DEPTH) return `${depth} levels of nesting exceeds limit of ${MAX_DEPTH}.`;
  if (properties > MAX_PROPERTIES)
    return `${properties} object properties exceeds limit of ${MAX_PROPERTIES}.`;
  if (enumValues > MAX_ENUM_VALUES) return `${enumValues} enum values exceeds limit of ${MAX_ENUM_VALUES}.`;
  return null;
}

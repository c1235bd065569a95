import { anthropicSchemaProblem, toAnthropicSchema } from '../structured/anthropic-schema.js';
import type { JsonSchema } from '../structured/schema.js';
import {
  digestSchema,
  isResponseSchema,
  type ResponseSchema,
  responseSchemaProblem,
  toJsonSchema,
} from '../structured/schema.js';
import { strictSchemaProblem, toStrictSchema } from '../structured/strict-schema.js';
import { findLoneSurrogate, loneSurrogateMessage } from './lone-surrogates.js';
import type { OutputSpec } from './normalized-job.js';

/** Converted once per schema object: a thousand jobs sharing one schema convert it once. */
const cache = new WeakMap<object, OutputSpec>();

/** The output spec of a `responseModel`, or a sentence saying why it cannot be one. */
export function outputSpecFor(responseModel: unknown): OutputSpec | string {
  if (!isResponseSchema(responseModel))
    return '`responseModel` must be a zod schema (zod 3.25+ or zod 4), e.g. z.object({...})';
  const cached = cache.get(responseModel);
  if (cached) return cached;
  let jsonSchema: ReturnType<typeof toJsonSchema>;
  try {
    jsonSchema = toJsonSchema(responseModel);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // A TypeError is the converter itself failing on something that is not the zod it walks, not a rule it states.
    return error instanceof TypeError
      ? `\`responseModel\` cannot be converted to JSON Schema (${message}): it is not made of one zod. A zod 3 type inside a zod 4 object (or the other way), or an object that only looks like a schema, cannot be converted. Build it with one import throughout, e.g. import { z } from 'zod'`
      : `\`responseModel\` cannot be converted to JSON Schema: ${message}`;
  }
  const problem = responseSchemaProblem(jsonSchema);
  if (problem) return `\`responseModel\` cannot be used: ${problem}`;
  const { schema: strict, nullableOptional } = toStrictSchema(jsonSchema);
  const openaiProblem = strictSchemaProblem(jsonSchema);
  let anthropic: JsonSchema | null = null;
  let anthropicProblem = null;
  try {
    anthropic = toAnthropicSchema(jsonSchema);
  } catch (error) {
    anthropicProblem = {
      code: 'schema_unsupported',
      path: '(root)',
      message: `Anthropic's schema transform refused it: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  const bad = findLoneSurrogate(jsonSchema, 'responseModel (as JSON Schema)');
  const spec: OutputSpec = {
    schema: responseModel as ResponseSchema,
    name: 'response',
    jsonSchema,
    digestSchema: digestSchema(responseModel as ResponseSchema, jsonSchema),
    strict,
    nullableOptional,
    anthropic,
    loneSurrogate: bad && loneSurrogateMessage(bad.path, bad.text, bad.index),
    problems: {
      openai: openaiProblem,
      anthropic: anthropicSchemaProblem(jsonSchema, anthropic) ?? anthropicProblem,
    },
  };
  cache.set(responseModel, spec);
  return spec;
}

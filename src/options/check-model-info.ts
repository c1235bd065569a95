import { ConfigurationError } from '../errors.js';
import { hasStrayCharacter } from '../models/model-name.js';
import type { ModelRegistration } from '../models/registry.js';
import { describeValue } from './describe-value.js';
import { MODEL_INFO_KEYS } from './option-keys.js';
import { refuseUnknownKeys } from './unknown-keys.js';

const PROVIDERS = ['anthropic', 'openai'];
const CAPABILITIES = ['pdf', 'images', 'citations', 'structured'] as const;

/**
 * Checks a model given to `registerModel` at once: a wrong provider (`'gemini'`) or a missing field would otherwise
 * surface as a `TypeError` deep in a later `addJob` or run.
 */
export function checkModelInfo(input: unknown): ModelRegistration {
  const bad = (code: string, field: string, needs: string, value: unknown): never => {
    throw new ConfigurationError(
      code,
      `registerModel(): \`${field}\` must be ${needs}, got ${describeValue(value)}.`,
    );
  };
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    bad('invalid_model', 'model', 'an object', input);
  const model = input as Record<string, unknown>;
  refuseUnknownKeys('registerModel()', model, MODEL_INFO_KEYS);
  if (typeof model.name !== 'string' || model.name.trim() === '')
    bad('invalid_model', 'name', 'a non-empty string', model.name);
  for (const name of [model.name, ...(Array.isArray(model.aliases) ? model.aliases : [])]) {
    if (typeof name === 'string' && hasStrayCharacter(name))
      throw new ConfigurationError(
        'invalid_model',
        `registerModel(): ${JSON.stringify(name)} holds a space or control character, which no model name has.`,
      );
  }
  if (!PROVIDERS.includes(model.provider as string)) {
    bad(
      'invalid_provider',
      'provider',
      `one of ${PROVIDERS.map((p) => `'${p}'`).join(', ')} (the providers batchwise can send to)`,
      model.provider,
    );
  }
  if (
    model.aliases !== undefined &&
    (!Array.isArray(model.aliases) || model.aliases.some((a) => typeof a !== 'string' || a === ''))
  ) {
    bad('invalid_model', 'aliases', 'an array of non-empty strings', model.aliases);
  }
  const max = model.maxOutputTokens;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1)
    bad('invalid_model', 'maxOutputTokens', 'a positive integer', max);
  const context = model.contextWindow;
  if (context !== undefined && (typeof context !== 'number' || !Number.isInteger(context) || context < 1)) {
    bad('invalid_model', 'contextWindow', 'a positive integer', context);
  }
  const temperature = model.temperature;
  if (temperature !== null) {
    const range = temperature as Record<string, unknown> | undefined;
    const ok =
      typeof range === 'object' &&
      range !== null &&
      Number.isFinite(range.min) &&
      Number.isFinite(range.max) &&
      (range.min as number) <= (range.max as number);
    if (!ok)
      bad(
        'invalid_model',
        'temperature',
        '{ min, max } (finite numbers, min ≤ max) or null for no temperature',
        temperature,
      );
  }
  if (model.reasoning !== undefined && typeof model.reasoning !== 'boolean')
    bad('invalid_model', 'reasoning', 'true or false', model.reasoning);
  const capabilities = model.capabilities as Record<string, unknown> | undefined;
  if (typeof capabilities !== 'object' || capabilities === null) {
    bad('invalid_model', 'capabilities', '{ pdf, images, citations, structured } (booleans)', capabilities);
  }
  for (const key of CAPABILITIES) {
    if (typeof capabilities![key] !== 'boolean')
      bad('invalid_model', `capabilities.${key}`, 'true or false', capabilities![key]);
  }
  return model as unknown as ModelRegistration;
}

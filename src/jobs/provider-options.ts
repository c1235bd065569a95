import type { ProviderName } from '../models/registry.js';
import type { ProviderOptions } from '../types.js';
import { cacheMarkerProblem, cacheMarkers } from './cache-markers.js';

/** JSON as it goes on the wire: what a provider option may hold. */
export type JsonObject = { [key: string]: JsonValue };
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

type Fail = (code: string, message: string) => never;

/**
 * Body fields batchwise writes itself (or that cannot go into a batch request), with the way to get what the key
 * would have done. Everything else passes through as given.
 */
const OWNED: Record<ProviderName, Record<string, string>> = {
  anthropic: {
    model: "set the job's `model`",
    messages: 'give `messages`, or `file` + `prompt`',
    system: 'put the system prompt in `messages` as a `system` turn',
    max_tokens: 'use `maxTokens`',
    stream: 'batch requests do not stream; remove it',
    custom_id: "batchwise sets it from the job's `id`",
  },
  openai: {
    model: "set the job's `model`",
    messages: 'give `messages`, or `file` + `prompt`',
    max_tokens: 'use `maxTokens`',
    max_completion_tokens: 'use `maxTokens` (sent as max_completion_tokens on reasoning models)',
    response_format: 'use `responseModel`',
    temperature: 'use `temperature`',
    reasoning_effort: 'use `reasoningEffort`',
    stream: 'batch requests do not stream; remove it',
    stream_options: 'batch requests do not stream; remove it',
    n: 'batchwise reads one answer per job (and reserves the cost of one); add a job per answer instead',
    custom_id: "batchwise sets it from the job's `id`",
  },
};

/**
 * Fields the API that batchwise's SDK speaks refuses whatever their value: Anthropic's API version 2026-10-21, which
 * @anthropic-ai/sdk 1.x sends, removed the sampling parameters (platform.claude.com/docs/en/api/versioning); the
 * SDK's `user_profile_id` and `workspace_id` are headers, not body fields.
 */
const REFUSED: Partial<Record<ProviderName, Record<string, string>>> = {
  anthropic: {
    temperature: 'Anthropic removed it in API version 2026-10-21 (sent by @anthropic-ai/sdk 1.x); remove it',
    top_p: 'Anthropic removed it in API version 2026-10-21 (sent by @anthropic-ai/sdk 1.x); remove it',
    top_k: 'Anthropic removed it in API version 2026-10-21 (sent by @anthropic-ai/sdk 1.x); remove it',
    user_profile_id: 'it is a request header, not a body field, and a batch request cannot carry it',
    workspace_id: 'it is a request header, not a body field; use an API key of that workspace',
  },
};

/**
 * Keys no request body has, that change an object's prototype when copied with `Object.assign` or `obj[key] =`
 * (`JSON.parse` makes them own keys): refused by name, never looked up in the tables above, whose prototype would
 * answer for them.
 */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Names of credentials, which no request body field of either API is: a key put here would be sent in the body,
 * and kept in the raw request files and the state's wire bodies, where batchwise keeps no key.
 */
const CREDENTIAL_KEY =
  /^(api[-_]?key|x[-_]api[-_]key|authorization|(access|auth|bearer)[-_]?token|secret[-_]?key)$/i;

export const THINKING_MIN_BUDGET = 1024;

/** Where options hold JSON Schemas (tools' parameters), whose property names are data, not request fields. */
const SCHEMA_KEYS = new Set(['input_schema', 'parameters', 'schema', 'properties', '$defs', 'definitions']);

/**
 * The path of a credential's name nested in an option's value (`extra_headers.Authorization`: request options of the
 * SDKs, which a body would carry as fields), or undefined.
 */
function credentialIn(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value !== 'object' || value === null || depth > 8) return undefined;
  for (const [key, child] of Object.entries(value)) {
    const at = Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`;
    if (!Array.isArray(value) && CREDENTIAL_KEY.test(key)) return at;
    // A tool's JSON Schema names the tool's own fields, which may well be called api_key.
    if (!Array.isArray(value) && SCHEMA_KEYS.has(key)) continue;
    const found = credentialIn(child, at, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/**
 * The options of a job for its provider: `defaults()` merged with the job's own, **shallowly** — a key the job sets
 * replaces the default's value whole (a job's `thinking` replaces the default `thinking`, not merged into it), and a
 * key the job sets to `undefined` drops the default's. Checked here, at `addJob`: plain JSON only, no key batchwise
 * owns, and the rules that change what batchwise must do (Anthropic `thinking` within `maxTokens`).
 * Returns undefined when there are none.
 */
export function checkProviderOptions(
  own: ProviderOptions | undefined,
  defaults: ProviderOptions | undefined,
  provider: ProviderName,
  maxTokens: number,
  fail: Fail,
  model: { model: string; rejects: readonly string[] } = { model: '', rejects: [] },
): JsonObject | undefined {
  checkShape(defaults, 'defaults().providerOptions', fail);
  checkShape(own, 'providerOptions', fail);
  const merged: Record<string, unknown> = { ...defaults?.[provider], ...own?.[provider] };
  for (const [key, value] of Object.entries(merged)) if (value === undefined) delete merged[key];
  if (Object.keys(merged).length === 0) return undefined;

  const where = (key: string) => `providerOptions.${provider}.${key}`;
  for (const [key, value] of Object.entries(merged)) {
    if (PROTOTYPE_KEYS.has(key)) {
      fail(
        'invalid_provider_option',
        `${where(key)} is not a request body field of either API, and a key named ${key} can replace an object's prototype when the options are copied. Remove it (JSON.parse of text you do not control makes such keys).`,
      );
    }
    const credential = CREDENTIAL_KEY.test(key) ? key : credentialIn(value, key);
    if (credential) {
      fail(
        'invalid_provider_option',
        `${where(credential)} is a credential, not a request body field: it would be sent in the body to the provider. Give the key as new Batch({ ${provider}: { apiKey } }) (its value is not shown here).`,
      );
    }
    const owned = Object.hasOwn(OWNED[provider], key) ? OWNED[provider][key] : undefined;
    if (owned) fail('owned_provider_option', `${where(key)} is set by batchwise: ${owned}.`);
    const refusedKeys = REFUSED[provider];
    const refused = refusedKeys && Object.hasOwn(refusedKeys, key) ? refusedKeys[key] : undefined;
    if (refused) fail('unsupported_provider_option', `${where(key)} cannot be sent: ${refused}.`);
    if (model.rejects.includes(key)) {
      fail(
        'unsupported_provider_option',
        `${where(key)} cannot be sent: ${model.model} refuses it (docs/models.md); remove it.`,
      );
    }
    const problem = jsonProblem(value, where(key));
    if (problem) fail('invalid_provider_option', `${problem}; provider options must be plain JSON.`);
  }
  if (provider === 'anthropic') checkAnthropic(merged as JsonObject, maxTokens, where, fail);
  // A copy: later changes to the caller's objects do not reach the job, and nested `undefined`s are gone.
  return JSON.parse(JSON.stringify(merged)) as JsonObject;
}

/**
 * Two `providerOptions` merged per provider, shallowly (the later's keys win): how a second `defaults()` call adds to
 * the first. Anything that is not an object is kept as given, for `addJob` to refuse.
 */
export function mergeProviderOptions(
  base: ProviderOptions | undefined,
  next: ProviderOptions | undefined,
): ProviderOptions | undefined {
  if (!isPlainObject(base) || !isPlainObject(next)) return next === undefined ? base : next;
  // A Map, not `merged[provider] = …`: a `__proto__` key would set the prototype instead of a key addJob refuses.
  const merged = new Map(Object.entries(base));
  for (const [provider, options] of Object.entries(next)) {
    const before = merged.get(provider);
    merged.set(
      provider,
      isPlainObject(before) && isPlainObject(options) ? { ...before, ...options } : options,
    );
  }
  return Object.fromEntries(merged) as ProviderOptions;
}

function checkShape(options: unknown, name: string, fail: Fail): void {
  if (options === undefined) return;
  if (!isPlainObject(options))
    fail('invalid_provider_option', `${name} must be an object: { anthropic?, openai? }.`);
  for (const [key, value] of Object.entries(options as object)) {
    if (key !== 'anthropic' && key !== 'openai') {
      fail('invalid_provider_option', `${name}.${key}: unknown provider; use \`anthropic\` or \`openai\`.`);
    }
    if (value !== undefined && !isPlainObject(value)) {
      fail('invalid_provider_option', `${name}.${key} must be an object of request body fields.`);
    }
  }
}

function checkAnthropic(options: JsonObject, maxTokens: number, where: (key: string) => string, fail: Fail) {
  for (const found of cacheMarkers(options)) {
    const problem = cacheMarkerProblem(found);
    if (problem) fail('invalid_provider_option', `${where(found.path)}: ${problem}.`);
  }
  const output = options.output_config;
  if (output !== undefined) {
    if (!isPlainObject(output))
      fail('invalid_provider_option', `${where('output_config')} must be an object.`);
    if ('format' in (output as object)) {
      fail(
        'owned_provider_option',
        `${where('output_config.format')} is set by batchwise: use \`responseModel\` (a zod schema).`,
      );
    }
  }
  if (options.speed === 'fast') {
    // platform.claude.com/docs/en/build-with-claude/fast-mode: up to 2.5 times the output tokens per second, at 6
    // times the model's price on Claude Opus 4.6 and its own premium on each later model.
    fail(
      'unsupported_provider_option',
      `${where('speed')} "fast" cannot be sent: fast mode buys output tokens per second, which a batch (answered within 24 hours) does not give back, at a premium over the model's price that batchwise cannot price; remove it.`,
    );
  }
  const thinking = options.thinking;
  if (thinking === undefined) return;
  if (!isPlainObject(thinking) || typeof (thinking as JsonObject).type !== 'string') {
    fail(
      'invalid_thinking',
      `${where('thinking')} must be an object with a \`type\` ("enabled", "adaptive", …).`,
    );
  }
  const { type, budget_tokens: budget } = thinking as JsonObject;
  if (type === 'enabled') {
    if (typeof budget !== 'number' || !Number.isInteger(budget) || budget < THINKING_MIN_BUDGET) {
      fail(
        'invalid_thinking',
        `${where('thinking.budget_tokens')} must be an integer of at least ${THINKING_MIN_BUDGET}, got ${JSON.stringify(budget)}.`,
      );
    }
    if ((budget as number) >= maxTokens) {
      fail(
        'invalid_thinking',
        `${where('thinking.budget_tokens')} (${budget}) must be below maxTokens (${maxTokens}), which thinking counts toward: raise maxTokens or lower the budget.`,
      );
    }
  }
  const choice = options.tool_choice;
  if (
    (type === 'enabled' || type === 'adaptive') &&
    isPlainObject(choice) &&
    ((choice as JsonObject).type === 'any' || (choice as JsonObject).type === 'tool')
  ) {
    fail(
      'invalid_thinking',
      `${where('tool_choice')} forces tool use, which thinking does not allow; use "auto".`,
    );
  }
}

/** The tokens a job's Anthropic thinking may spend (counted as output): its budget, or null when it sets none. */
export function thinkingBudget(options: JsonObject | undefined): { budget: number | null } | null {
  const thinking = options?.thinking;
  if (!isPlainObject(thinking)) return null;
  const { type, budget_tokens: budget } = thinking as JsonObject;
  if (type === 'enabled') return { budget: typeof budget === 'number' ? budget : null };
  if (type === 'adaptive') return { budget: null };
  return null;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Why a value is not plain JSON (a function, a Date, NaN, a cycle…), or null when it is. */
function jsonProblem(value: unknown, path: string, seen: Set<unknown> = new Set()): string | null {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return null;
  if (typeof value === 'number') return Number.isFinite(value) ? null : `${path} is ${value}`;
  if (Array.isArray(value) || isPlainObject(value)) {
    if (seen.has(value)) return `${path} refers to itself`;
    seen.add(value);
    const entries = Array.isArray(value)
      ? value.map((v, i) => [`[${i}]`, v] as const)
      : Object.entries(value);
    for (const [key, item] of entries) {
      if (item === undefined && !Array.isArray(value)) continue;
      const problem = jsonProblem(item, Array.isArray(value) ? `${path}${key}` : `${path}.${key}`, seen);
      if (problem) return problem;
    }
    seen.delete(value);
    return null;
  }
  const kind = typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
  return `${path} is a ${kind}`;
}

import { findProvider } from '@pydantic/genai-prices';
import { JobValidationError } from '../errors.js';
import { checkModelInfo } from '../options/check-model-info.js';
import type { ReasoningEffort } from '../types.js';
import {
  FAMILY_RULES,
  type FamilyRule,
  PROVIDER_DEFAULTS,
  type ProviderName,
  patternRegExp,
} from './family-rules.js';
import { notChatModel } from './not-chat.js';

export type { ProviderName } from './family-rules.js';

/** A capability or limit the family table left unknown, which batchwise assumes the model has. */
export type AssumedFact =
  | 'structured'
  | 'pdf'
  | 'images'
  | 'citations'
  | 'maxOutputTokens'
  | 'temperature'
  | 'reasoning'
  | 'reasoningEfforts';

/** What batchwise knows about a model to validate and map a job for it. */
export interface ModelInfo {
  /** The name as given (sent to the provider as is). */
  name: string;
  provider: ProviderName;
  /** The pattern of the family rule that matched (`claude-opus-4-7*`); null when only `provider` was known. */
  family: string | null;
  /** A fine-tune's base model (`gpt-4.1-mini` for `ft:gpt-4.1-mini:org::id`). */
  baseModel?: string;
  /** Tokens of input and output together, when known (the family table, else the price table). */
  contextWindow: number | null;
  /** The largest `maxTokens`; null when unknown (then not checked). */
  maxOutputTokens: number | null;
  /** Inclusive temperature range, or null when the model takes no temperature. */
  temperature: { min: number; max: number } | null;
  /** Sends `max_completion_tokens`, which includes hidden reasoning (OpenAI o-series, gpt-5 and later). */
  reasoning: boolean;
  /** The `reasoningEffort` values it takes; null when unknown (any is sent, with a warning). */
  reasoningEfforts: readonly ReasoningEffort[] | null;
  capabilities: { pdf: boolean; images: boolean; citations: boolean; structured: boolean };
  /** PDF pages per request. */
  pdfPages: number;
  /** Request body fields the model refuses. */
  rejects: readonly string[];
  /** When the provider stops serving it (a future date: deprecated) and what it recommends instead. */
  shutdown: { date: string; replacement: string } | null;
  /** What the family table does not say, so that batchwise assumed it (and warns when a job relies on it). */
  assumed: readonly AssumedFact[];
}

/** A model registered by hand with {@link registerModel}: every fact given, nothing assumed. */
export interface ModelRegistration {
  name: string;
  provider: ProviderName;
  /** Other names for the same model, e.g. dated snapshots. */
  aliases?: string[];
  maxOutputTokens: number;
  /** Inclusive range, or null when the model takes no temperature. */
  temperature: { min: number; max: number } | null;
  /** OpenAI reasoning model: `max_completion_tokens`, no temperature. */
  reasoning?: boolean;
  contextWindow?: number;
  capabilities: { pdf: boolean; images: boolean; citations: boolean; structured: boolean };
}

const registered = new Map<string, ModelRegistration>();

/**
 * Tells batchwise every fact of a model its family table does not cover or gets wrong (a private deployment, a
 * model released after this version). Most models need no registration: any name whose provider is known by its
 * pattern, or given as `provider`, is accepted. Later registrations of the same name replace earlier ones.
 *
 * @example
 * registerModel({ name: 'claude-haiku-5', provider: 'anthropic', maxOutputTokens: 64_000,
 *   temperature: null, capabilities: { pdf: true, images: true, citations: true, structured: true } });
 */
export function registerModel(model: ModelRegistration): void {
  checkModelInfo(model);
  for (const name of [model.name, ...(model.aliases ?? [])]) registered.set(name, model);
  resolvedModels.clear();
}

const COMPILED = FAMILY_RULES.map((rule) => ({ rule, regexp: patternRegExp(rule.pattern) }));

/** The model a fine-tune was trained from: `ft:<base>:<org>:<suffix>:<id>`. */
export function fineTuneBase(name: string): string | undefined {
  const match = /^ft:([^:]+):/.exec(name);
  return match?.[1];
}

/** The family rule for a name (a fine-tune by its base), or undefined. */
export function familyRule(name: string): FamilyRule | undefined {
  const base = fineTuneBase(name) ?? name;
  return COMPILED.find(({ regexp }) => regexp.test(base))?.rule;
}

/**
 * The day (`YYYY-MM-DD`, UTC) shutdown dates are judged on: today, or `BATCHWISE_TODAY` when it holds such a date —
 * for a test suite or a CI job that must give the same answer next month (docs/models.md).
 */
export function today(): string {
  const pinned = process.env.BATCHWISE_TODAY;
  if (pinned !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(pinned)) return pinned;
  return new Date().toISOString().slice(0, 10);
}

/**
 * Everything known about a model, or undefined when its provider is unknown (no pattern matches and no `provider`
 * was given). Retired models resolve too: see {@link ModelInfo.shutdown}.
 */
export function findModel(name: string, provider?: ProviderName): ModelInfo | undefined {
  const own = registered.get(name);
  if (own && (provider === undefined || provider === own.provider)) return fromRegistration(name, own);
  const rule = familyRule(name);
  if (rule && (provider === undefined || provider === rule.provider)) return fromRule(name, rule);
  return provider ? fromRule(name, { pattern: '', provider, source: 'provider' }, null) : undefined;
}

/** The provider a name's pattern points to, if any. */
export function patternProvider(name: string): ProviderName | undefined {
  return registered.get(name)?.provider ?? familyRule(name)?.provider;
}

/** The names registered with {@link registerModel} (the table's patterns are in docs/models.md). */
export function knownModelNames(): string[] {
  return [...registered.keys()].sort();
}

function fromRegistration(name: string, model: ModelRegistration): ModelInfo {
  const reasoning = model.reasoning ?? false;
  return {
    name,
    provider: model.provider,
    family: null,
    contextWindow: model.contextWindow ?? priceTableContext(name, model.provider),
    maxOutputTokens: model.maxOutputTokens,
    temperature: model.temperature,
    reasoning,
    reasoningEfforts: null,
    capabilities: model.capabilities,
    pdfPages: defaultPdfPages(model.provider, model.contextWindow ?? null),
    rejects: [],
    shutdown: null,
    assumed: reasoning ? ['reasoningEfforts'] : [],
  };
}

function fromRule(name: string, rule: FamilyRule, family: string | null = rule.pattern): ModelInfo {
  const merged: Omit<FamilyRule, 'pattern' | 'source'> = { ...PROVIDER_DEFAULTS[rule.provider], ...rule };
  const assumed: AssumedFact[] = [];
  const known = <K extends keyof typeof merged>(
    key: K,
    fact: AssumedFact,
    fallback: NonNullable<(typeof merged)[K]>,
  ) => {
    const value = merged[key];
    if (value === undefined) {
      assumed.push(fact);
      return fallback;
    }
    return value as NonNullable<(typeof merged)[K]>;
  };
  // An OpenAI model of unknown kind gets `max_completion_tokens`, which every current chat model takes (reasoning
  // models refuse `max_tokens`), and the temperature range of the non-reasoning ones.
  const reasoning = known('reasoning', 'reasoning', true);
  if (merged.temperature === undefined) assumed.push('temperature');
  const temperature = merged.temperature === undefined ? { min: 0, max: 2 } : merged.temperature;
  const contextWindow = merged.contextWindow ?? priceTableContext(fineTuneBase(name) ?? name, rule.provider);
  if (merged.maxOutputTokens === undefined) assumed.push('maxOutputTokens');
  if (reasoning && merged.reasoningEfforts === undefined) assumed.push('reasoningEfforts');
  const base = fineTuneBase(name);
  return {
    name,
    provider: rule.provider,
    family,
    ...(base !== undefined && { baseModel: base }),
    contextWindow,
    maxOutputTokens: merged.maxOutputTokens ?? null,
    temperature,
    reasoning,
    reasoningEfforts: merged.reasoningEfforts ?? null,
    capabilities: {
      structured: known('structured', 'structured', true),
      pdf: known('pdf', 'pdf', true),
      images: known('images', 'images', true),
      citations: known('citations', 'citations', true),
    },
    pdfPages: merged.pdfPages ?? defaultPdfPages(rule.provider, contextWindow),
    rejects: merged.rejects ?? [],
    shutdown: merged.shutdown
      ? { ...merged.shutdown, replacement: liveReplacement(merged.shutdown.replacement) }
      : null,
    assumed,
  };
}

/** Anthropic: 600 PDF pages on 1M-context models, 100 on the rest; OpenAI: 100. */
function defaultPdfPages(provider: ProviderName, contextWindow: number | null): number {
  return provider === 'anthropic' && (contextWindow ?? 0) >= 1_000_000 ? 600 : 100;
}

/** The context window the maintained price table (@pydantic/genai-prices) gives for a model, if any. */
function priceTableContext(name: string, provider: ProviderName): number | null {
  const models = findProvider({ providerId: provider })?.models ?? [];
  const exact = models.find((model) => model.id === name);
  return exact?.context_window ?? null;
}

/** A replacement that has itself shut down points on to its own replacement. */
function liveReplacement(name: string, date = today()): string {
  let current = name;
  for (let hop = 0; hop < 5; hop++) {
    const next = familyRule(current)?.shutdown;
    if (!next || next.date > date) return current;
    current = next.replacement;
  }
  return current;
}

const PROVIDERS: readonly ProviderName[] = ['anthropic', 'openai'];

/**
 * The model of a job, checked: the provider is known (by pattern, or the job's `provider`, which must agree), and
 * the model has not been retired. Returns it with the warnings a job using it gets (a shutdown date ahead).
 */
export function requireModel(
  name: string,
  jobId: string,
  explicit: unknown,
  on: string = today(),
): { model: ModelInfo; warnings: string[] } {
  // One ModelInfo per model, shared by its jobs: 100,000 jobs of one model would otherwise hold (and first churn
  // through) 100,000 copies. Failures are not kept: their messages name the job.
  const cacheable = explicit === undefined || typeof explicit === 'string';
  const key = `${name}\u0000${String(explicit)}\u0000${on}`;
  const hit = cacheable ? resolvedModels.get(key) : undefined;
  if (hit) return { model: hit.model, warnings: [...hit.warnings] };
  const resolved = resolveModel(name, jobId, explicit, on);
  if (cacheable) resolvedModels.set(key, resolved);
  return { model: resolved.model, warnings: [...resolved.warnings] };
}

/** Models already resolved, by name, explicit provider and day; emptied by {@link registerModel}. */
const resolvedModels = new Map<string, { model: ModelInfo; warnings: readonly string[] }>();

function resolveModel(
  name: string,
  jobId: string,
  explicit: unknown,
  on: string,
): { model: ModelInfo; warnings: string[] } {
  const fail = (code: string, message: string): never => {
    throw new JobValidationError(code, `Job "${jobId}": ${message}`, { jobId });
  };
  if (explicit !== undefined && !PROVIDERS.includes(explicit as ProviderName)) {
    fail('invalid_provider', `provider must be 'openai' or 'anthropic', got ${JSON.stringify(explicit)}.`);
  }
  const provider = explicit as ProviderName | undefined;
  const byPattern = patternProvider(name);
  if (provider && byPattern && provider !== byPattern) {
    fail(
      'provider_mismatch',
      `"${name}" is a ${byPattern} model name, but the job says provider: '${provider}'. Fix the model or drop \`provider\`.`,
    );
  }
  const model = findModel(name, provider);
  if (!model) {
    return fail(
      'unknown_model',
      `cannot tell which provider serves the model "${name}". Pass provider: 'openai' or provider: 'anthropic' with it (on the job or in defaults()).`,
    );
  }
  // A model registered by the user is taken at its word.
  const notChat = model.provider === 'openai' && !registered.has(name) ? notChatModel(name) : null;
  if (notChat) {
    fail(
      'not_a_chat_model',
      `${name} is ${notChat}, which takes no chat completions (what batchwise sends). Use a chat model: gpt-4o, gpt-4.1 or gpt-5 and their kin.`,
    );
  }
  const warnings: string[] = [];
  if (model.shutdown) {
    const { date, replacement } = model.shutdown;
    const who = model.provider === 'anthropic' ? 'Anthropic' : 'OpenAI';
    if (date <= on) {
      fail(
        'retired_model',
        `${who} retired ${name} on ${date}: requests to it fail. Use ${replacement}, ${who}'s recommended replacement.`,
      );
    }
    warnings.push(
      `${name} is deprecated: ${who} shuts it down on ${date}. Move to ${replacement}, ${who}'s recommended replacement.`,
    );
  }
  return { model, warnings };
}

import { JobValidationError } from '../errors.js';

export type ProviderName = 'anthropic' | 'openai';

/** What batchwise needs to know about a model to validate and map a job for it. */
export interface ModelInfo {
  /** The canonical name sent to the provider unless the job used a dated alias. */
  name: string;
  provider: ProviderName;
  /** Other names for the same model, e.g. dated snapshots. */
  aliases?: string[];
  maxOutputTokens: number;
  /** Inclusive temperature range, or null when the model takes no temperature (reasoning models). */
  temperature: { min: number; max: number } | null;
  /** OpenAI o-series and gpt-5: `max_completion_tokens`, no temperature. */
  reasoning?: boolean;
  capabilities: { pdf: boolean; images: boolean; citations: boolean; structured: boolean };
}

const CLAUDE = { pdf: true, images: true, citations: true, structured: true };
const GPT = { pdf: true, images: true, citations: false, structured: true };
const CLAUDE_TEMPERATURE = { min: 0, max: 1 };
const GPT_TEMPERATURE = { min: 0, max: 2 };

const claude = (name: string, dated: string[], maxOutputTokens: number): ModelInfo => ({
  name,
  provider: 'anthropic',
  aliases: dated,
  maxOutputTokens,
  temperature: CLAUDE_TEMPERATURE,
  capabilities: CLAUDE,
});

const gpt = (name: string, maxOutputTokens: number, reasoning = false): ModelInfo => ({
  name,
  provider: 'openai',
  maxOutputTokens,
  temperature: reasoning ? null : GPT_TEMPERATURE,
  reasoning,
  capabilities: GPT,
});

const BUILT_IN: ModelInfo[] = [
  claude('claude-opus-4-6', [], 128_000),
  claude('claude-sonnet-4-6', [], 64_000),
  claude('claude-opus-4-5', ['claude-opus-4-5-20251101'], 64_000),
  claude('claude-haiku-4-5', ['claude-haiku-4-5-20251001'], 64_000),
  claude('claude-sonnet-4-5', ['claude-sonnet-4-5-20250929'], 64_000),
  claude('claude-opus-4-1', ['claude-opus-4-1-20250805'], 32_000),
  claude('claude-opus-4-0', ['claude-opus-4-20250514'], 32_000),
  claude('claude-sonnet-4-0', ['claude-sonnet-4-20250514'], 64_000),
  {
    ...claude('claude-3-5-haiku-latest', ['claude-3-5-haiku-20241022'], 8_192),
    capabilities: { ...CLAUDE, pdf: false },
  },
  gpt('gpt-4o', 16_384),
  gpt('gpt-4o-mini', 16_384),
  gpt('gpt-4.1', 32_768),
  gpt('gpt-4.1-mini', 32_768),
  gpt('gpt-4.1-nano', 32_768),
  gpt('gpt-5', 128_000, true),
  gpt('gpt-5-mini', 128_000, true),
  gpt('gpt-5-nano', 128_000, true),
  gpt('o3', 100_000, true),
  gpt('o4-mini', 100_000, true),
];

const byName = new Map<string, ModelInfo>();

/**
 * Teaches batchwise a model it does not know yet (a new release, a fine-tune). Later registrations of the same name
 * replace earlier ones.
 *
 * @example
 * registerModel({ name: 'claude-haiku-5', provider: 'anthropic', maxOutputTokens: 64_000,
 *   temperature: { min: 0, max: 1 }, capabilities: { pdf: true, images: true, citations: true, structured: true } });
 */
export function registerModel(model: ModelInfo): void {
  for (const name of [model.name, ...(model.aliases ?? [])]) byName.set(name, model);
}

for (const model of BUILT_IN) registerModel(model);

/** The model for a name or alias; a dated snapshot of a known model (`gpt-4o-2024-08-06`) resolves to that model. */
export function findModel(name: string): ModelInfo | undefined {
  const exact = byName.get(name);
  if (exact) return exact;
  const undated = name.replace(/-\d{8}$/, '').replace(/-\d{4}-\d{2}-\d{2}$/, '');
  return undated !== name ? byName.get(undated) : undefined;
}

export function knownModelNames(): string[] {
  return [...new Set([...byName.values()].map((model) => model.name))].sort();
}

export function requireModel(name: string, jobId: string): ModelInfo {
  const model = findModel(name);
  if (!model) {
    throw new JobValidationError(
      'unknown_model',
      `Job "${jobId}": unknown model "${name}". Known models: ${knownModelNames().join(', ')}. ` +
        'To use another model, call registerModel({ name, provider, maxOutputTokens, temperature, capabilities }) first.',
      { jobId },
    );
  }
  return model;
}

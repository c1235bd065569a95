import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { anthropicSdkModels, openaiSdkModels } from '../../scripts/sdk-models.js';
import { Batch, JobValidationError, registerModel } from '../../src/index.js';
import { FAMILY_RULES, patternRegExp } from '../../src/models/family-rules.js';
import { findModel, requireModel, today } from '../../src/models/registry.js';
import { warningsLogger } from '../helpers/batch.js';

const ANTHROPIC_MODELS = anthropicSdkModels();
const OPENAI_MODELS = openaiSdkModels();

/** The error `act` throws; the test fails when it throws none. */
function refused(act: () => unknown): JobValidationError {
  try {
    act();
  } catch (error) {
    return error as JobValidationError;
  }
  throw new Error('not refused');
}

describe('family rules', () => {
  it("know the provider of every model in the SDKs' model lists", () => {
    expect(ANTHROPIC_MODELS.length).toBeGreaterThan(10);
    expect(OPENAI_MODELS.length).toBeGreaterThan(50);
    for (const name of ANTHROPIC_MODELS) expect(findModel(name)?.provider, name).toBe('anthropic');
    for (const name of OPENAI_MODELS) expect(findModel(name)?.provider, name).toBe('openai');
  });

  it('match names by pattern, dated snapshots and fine-tunes included', () => {
    expect(findModel('claude-haiku-4-5-20251001')?.family).toBe('claude-haiku-4-5*');
    expect(findModel('gpt-4o-mini-2024-07-18')?.family).toBe('gpt-4o-mini*');
    const fineTune = findModel('ft:gpt-4.1-mini:acme:invoices:B1xq9Zk2');
    expect(fineTune).toMatchObject({ provider: 'openai', family: 'gpt-4.1*', baseModel: 'gpt-4.1-mini' });
    expect(fineTune?.capabilities.structured).toBe(true);
    expect(fineTune?.assumed).toEqual([]);
    expect(patternRegExp('gpt-4.1*').test('gpt-401')).toBe(false);
  });

  it('put every pattern where an earlier, wider one does not hide it', () => {
    for (const [index, rule] of FAMILY_RULES.entries()) {
      const example = rule.pattern.replace('*', 'x');
      const first = FAMILY_RULES.findIndex((r) => patternRegExp(r.pattern).test(example));
      expect(first, rule.pattern).toBe(index);
    }
  });

  it('know the capabilities the providers document', () => {
    const opus47 = findModel('claude-opus-4-7')!;
    expect(opus47).toMatchObject({
      contextWindow: 1_000_000,
      maxOutputTokens: 128_000,
      temperature: null,
      reasoning: false,
      pdfPages: 600,
      assumed: [],
    });
    expect(opus47.capabilities).toEqual({ structured: true, pdf: true, images: true, citations: true });
    expect(findModel('claude-haiku-4-5')).toMatchObject({ contextWindow: 200_000, pdfPages: 100 });
    expect(findModel('gpt-5.1')).toMatchObject({
      reasoning: true,
      temperature: null,
      reasoningEfforts: ['none', 'low', 'medium', 'high'],
    });
    expect(findModel('gpt-4.1-mini')).toMatchObject({ reasoning: false, temperature: { min: 0, max: 2 } });
    expect(findModel('o3')?.rejects).toContain('top_p');
    // Structured outputs came with Claude's 4.5 generation and gpt-4o-2024-08-06.
    expect(findModel('claude-sonnet-4-0')?.capabilities.structured).toBe(false);
    expect(findModel('claude-opus-4-0')?.capabilities.structured).toBe(false);
    expect(findModel('gpt-4-turbo')?.capabilities.structured).toBe(false);
    // OpenAI's chat completions cite no documents.
    expect(findModel('gpt-5.1')?.capabilities.citations).toBe(false);
  });

  it('take a context window the table leaves open from the price table', () => {
    expect(findModel('gpt-5.1')?.contextWindow).toBe(400_000);
  });

  it('assume what they do not know about a new model, and list it', () => {
    const mythos = findModel('claude-mythos-5-2')!;
    expect(mythos).toMatchObject({ provider: 'anthropic', family: 'claude-*', maxOutputTokens: null });
    expect(mythos.capabilities.structured).toBe(true);
    expect(mythos.assumed).toEqual(expect.arrayContaining(['structured', 'maxOutputTokens']));
    const custom = findModel('acme-llm', 'openai')!;
    expect(custom).toMatchObject({ provider: 'openai', family: null, reasoning: true });
    expect(custom.assumed).toEqual(
      expect.arrayContaining(['structured', 'pdf', 'images', 'temperature', 'reasoning', 'reasoningEfforts']),
    );
    expect(findModel('acme-llm')).toBeUndefined();
  });
});

describe('requireModel', () => {
  it('warns about a deprecated model before its shutdown day and refuses it from that day, naming the replacement', () => {
    const before = requireModel('claude-sonnet-4-5', 'j', undefined, '2026-11-23');
    expect(before.warnings).toEqual([expect.stringContaining('shuts it down on 2026-11-30')]);
    expect(before.warnings[0]).toContain('claude-sonnet-4-6');
    const after = refused(() => requireModel('claude-sonnet-4-5-20250929', 'j', undefined, '2026-11-30'));
    expect(after).toBeInstanceOf(JobValidationError);
    expect(after.code).toBe('retired_model');
    expect(after.message).toContain('retired claude-sonnet-4-5-20250929 on 2026-11-30');
    expect(after.message).toContain('Use claude-sonnet-4-6');
    expect(requireModel('claude-sonnet-4-6', 'j', undefined, '2026-11-30').warnings).toEqual([]);
  });

  it('judges shutdowns as of BATCHWISE_TODAY when it holds a date (the suite pins it), else today', () => {
    expect(process.env.BATCHWISE_TODAY).toBe('2026-11-23');
    expect(today()).toBe('2026-11-23');
    expect(requireModel('claude-sonnet-4-5', 'j', undefined).warnings).toHaveLength(1);
    const pinned = process.env.BATCHWISE_TODAY;
    try {
      process.env.BATCHWISE_TODAY = '2026-12-01';
      expect(refused(() => requireModel('claude-sonnet-4-5', 'j', undefined)).code).toBe('retired_model');
      process.env.BATCHWISE_TODAY = 'next tuesday';
      expect(today()).toBe(new Date().toISOString().slice(0, 10));
    } finally {
      process.env.BATCHWISE_TODAY = pinned;
    }
  });

  it('refuses retired models and fine-tunes of them, pointing past replacements that retired too', () => {
    const haiku = refused(() => requireModel('claude-3-5-haiku-20241022', 'j', undefined, '2026-11-23'));
    expect(haiku.code).toBe('retired_model');
    expect(haiku.message).toContain('on 2026-02-19');
    expect(haiku.message).toContain('Use claude-haiku-4-5');
    // o1-mini's replacement, o4-mini, shut down on 2026-10-23 too: the message points to o4-mini's replacement.
    expect(refused(() => requireModel('o1-mini', 'j', undefined, '2026-11-23')).message).toContain(
      'Use gpt-5.6-terra',
    );
    expect(
      refused(() => requireModel('ft:gpt-4.1-nano-2025-04-14:acme::x1', 'j', undefined, '2026-11-23')).code,
    ).toBe('retired_model');
  });

  it('takes an explicit provider for unknown names, refusing a bad or contradicting one', () => {
    expect(requireModel('acme-llm', 'j', 'anthropic').model.provider).toBe('anthropic');
    expect(requireModel('claude-opus-4-7', 'j', 'anthropic').model.family).toBe('claude-opus-4-7*');
    expect(refused(() => requireModel('acme-llm', 'j', 'mistral')).code).toBe('invalid_provider');
    expect(refused(() => requireModel('gpt-5.1', 'j', 'anthropic')).code).toBe('provider_mismatch');
    const unknown = refused(() => requireModel('acme-llm', 'j', undefined));
    expect(unknown.code).toBe('unknown_model');
    expect(unknown.message).toContain("provider: 'openai'");
  });
});

describe('addJob with models the table leaves open', () => {
  const logged = () => {
    const { warnings, logger } = warningsLogger();
    const batch = new Batch({ anthropic: { apiKey: 'k' }, openai: { apiKey: 'k' } }).setVerbosity(logger);
    return { batch, warnings };
  };

  it('assumes an unknown capability, warning once per model, and dryRun() reports it', async () => {
    const { batch, warnings } = logged();
    const schema = z.object({ answer: z.string() });
    for (let i = 0; i < 3; i++) {
      batch.addJob({
        model: 'claude-mythos-5-2',
        messages: [{ role: 'user', content: `Question ${i}` }],
        responseModel: schema,
      });
    }
    const structured = warnings.filter((w) => w.includes('has structured output'));
    expect(structured).toHaveLength(1);
    expect(structured[0]).toContain('claude-mythos-5-2');
    const report = await batch.dryRun();
    expect(report.warnings).toEqual(expect.arrayContaining([structured[0]]));
  });

  it('accepts a model of an explicit provider on defaults, and a job of the other provider by its pattern', () => {
    const { batch } = logged();
    batch.defaults({ model: 'acme-llm', provider: 'openai' });
    expect(() => batch.addJob({ messages: [{ role: 'user', content: 'x' }] })).not.toThrow();
    expect(() =>
      batch.addJob({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'x' }] }),
    ).not.toThrow();
  });

  it('refuses structured output by name on a model without it', () => {
    // Every model the table has without structured output is retired by now; a registered one shows the rule.
    registerModel({
      name: 'acme-plain-1',
      provider: 'openai',
      maxOutputTokens: 4096,
      temperature: { min: 0, max: 2 },
      capabilities: { pdf: false, images: false, citations: false, structured: false },
    });
    const { batch } = logged();
    let error: JobValidationError | undefined;
    try {
      batch.addJob({
        model: 'acme-plain-1',
        messages: [{ role: 'user', content: 'x' }],
        responseModel: z.object({ a: z.string() }),
      });
    } catch (e) {
      error = e as JobValidationError;
    }
    expect(error?.code).toBe('structured_unsupported');
    expect(error?.message).toContain('acme-plain-1 has no structured output');
  });
});

describe('models that take no chat completions', () => {
  it('are refused at addJob, saying what they are; every chat model of the SDK passes', () => {
    for (const [name, kind] of [
      ['gpt-image-1', 'an image generation model'],
      ['dall-e-3', 'an image generation model'],
      ['gpt-4o-mini-tts', 'a text-to-speech model'],
      ['gpt-4o-transcribe', 'a speech-to-text model'],
      ['whisper-1', 'a speech-to-text model'],
      ['gpt-4o-realtime-preview', 'a Realtime API model'],
      ['text-embedding-3-small', 'an embedding model'],
      ['omni-moderation-latest', 'a moderation model'],
    ]) {
      const error = refused(() => requireModel(name!, 'j', 'openai'));
      expect(error.code, name).toBe('not_a_chat_model');
      expect(error.message).toContain(`${name} is ${kind}`);
    }
    // A fine-tune's suffix is its owner's name for it, whatever words it holds.
    expect(() =>
      requireModel('ft:gpt-4o-mini-2024-07-18:acme:embedding-ranker:9xYz12', 'j', undefined),
    ).not.toThrow();
    expect(refused(() => requireModel('ft:whisper-1:acme:notes:1a2b', 'j', 'openai')).code).toBe(
      'not_a_chat_model',
    );
    // Retired ones are refused as retired, never as no chat model.
    for (const name of OPENAI_MODELS) {
      let code: string | undefined;
      try {
        requireModel(name, 'j', undefined);
      } catch (error) {
        code = (error as JobValidationError).code;
      }
      expect(code, name).not.toBe('not_a_chat_model');
    }
  });
});

import type { ModelInfo, ProviderName } from '../models/registry.js';
import type { ReasoningEffort } from '../types.js';
import type { JobChanges, JobContent, JobFields, NormalizedJob, OutputSpec } from './normalized-job.js';
import type { JsonObject } from './provider-options.js';

/** The fields of a job that follow from its settings, not from what it asks: most jobs of a batch share them all. */
export type SharedJobFields = Pick<
  JobFields,
  | 'provider'
  | 'model'
  | 'modelInfo'
  | 'temperature'
  | 'maxTokens'
  | 'reasoningEffort'
  | 'providerOptions'
  | 'expectedOutputTokens'
  | 'enableCitations'
  | 'output'
  | 'retryInvalid'
>;

/**
 * One object per distinct set of {@link SharedJobFields}: 100,000 jobs added with the same defaults hold one copy of
 * their fourteen settings, not 100,000. Jobs live from `addJob` to the end of the run, so what each holds is what
 * sizes the heap of a large run (issue 14).
 */
export class SharedFieldsPool {
  private readonly byKey = new Map<string, SharedJobFields>();
  /** Model infos and output specs are compared by identity: each is one object per model or schema already. */
  private readonly identities = new WeakMap<object, number>();
  private identitiesGiven = 0;

  intern(fields: SharedJobFields): SharedJobFields {
    const key = JSON.stringify([
      fields.provider,
      fields.model,
      this.identity(fields.modelInfo),
      fields.temperature ?? null,
      fields.maxTokens,
      fields.reasoningEffort ?? null,
      // Checked plain JSON at addJob: equal text is an equal body.
      fields.providerOptions ?? null,
      fields.expectedOutputTokens ?? null,
      fields.enableCitations,
      fields.output ? this.identity(fields.output) : null,
      fields.retryInvalid,
    ]);
    const known = this.byKey.get(key);
    if (known) return known;
    const shared: SharedJobFields = Object.freeze({
      provider: fields.provider,
      model: fields.model,
      modelInfo: fields.modelInfo,
      temperature: fields.temperature,
      maxTokens: fields.maxTokens,
      ...(fields.reasoningEffort !== undefined && { reasoningEffort: fields.reasoningEffort }),
      ...(fields.providerOptions !== undefined && { providerOptions: fields.providerOptions }),
      expectedOutputTokens: fields.expectedOutputTokens,
      enableCitations: fields.enableCitations,
      output: fields.output,
      retryInvalid: fields.retryInvalid,
    });
    this.byKey.set(key, shared);
    return shared;
  }

  private identity(value: object): number {
    let id = this.identities.get(value);
    if (id === undefined) {
      id = ++this.identitiesGiven;
      this.identities.set(value, id);
    }
    return id;
  }
}

/**
 * A job as the run holds it: its id, its shared settings and what it asks. A job of one user message keeps only the
 * message's text; its content is built when read (to map a request, to estimate), a few times per send.
 *
 * Read it as a {@link NormalizedJob}; change it only through {@link CompactJob.with} — a spread (`{ ...job }`)
 * copies the own fields, not the settings behind the getters.
 */
export class CompactJob implements NormalizedJob {
  readonly #shared: SharedJobFields;
  readonly #ask: string | JobContent;

  private constructor(
    readonly id: string,
    shared: SharedJobFields,
    ask: string | JobContent,
    readonly attempt: number,
    readonly resubmits: number,
    readonly warnings: string[] | undefined,
  ) {
    this.#shared = shared;
    this.#ask = ask;
  }

  /** `job` held compactly, its settings shared through `pool` with the other jobs that have the same. */
  static of(job: JobFields, pool: SharedFieldsPool): CompactJob {
    return new CompactJob(
      job.id,
      pool.intern(job),
      compactContent(job.content),
      job.attempt,
      job.resubmits,
      job.warnings,
    );
  }

  /** The same job with `changes` (its settings still shared). */
  with(changes: JobChanges): CompactJob {
    return new CompactJob(
      this.id,
      this.#shared,
      changes.content ? compactContent(changes.content) : this.#ask,
      changes.attempt ?? this.attempt,
      changes.resubmits ?? this.resubmits,
      this.warnings,
    );
  }

  get content(): JobContent {
    const ask = this.#ask;
    return typeof ask === 'string' ? { kind: 'messages', messages: [{ role: 'user', content: ask }] } : ask;
  }

  get provider(): ProviderName {
    return this.#shared.provider;
  }
  get model(): string {
    return this.#shared.model;
  }
  get modelInfo(): ModelInfo {
    return this.#shared.modelInfo;
  }
  get temperature(): number | undefined {
    return this.#shared.temperature;
  }
  get maxTokens(): number {
    return this.#shared.maxTokens;
  }
  get reasoningEffort(): ReasoningEffort | undefined {
    return this.#shared.reasoningEffort;
  }
  get providerOptions(): JsonObject | undefined {
    return this.#shared.providerOptions;
  }
  get expectedOutputTokens(): number | undefined {
    return this.#shared.expectedOutputTokens;
  }
  get enableCitations(): boolean {
    return this.#shared.enableCitations;
  }
  get output(): OutputSpec | null {
    return this.#shared.output;
  }
  get retryInvalid(): number {
    return this.#shared.retryInvalid;
  }
}

/** A lone user message is kept as its text: the content object, its array and the message are 100 bytes more. */
function compactContent(content: JobContent): string | JobContent {
  if (content.kind !== 'messages' || content.messages.length !== 1) return content;
  const [message] = content.messages;
  return message!.role === 'user' ? message!.content : content;
}

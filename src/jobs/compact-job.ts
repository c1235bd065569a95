import type { ModelInfo, ProviderName } from '../models/registry.js';
import type { ReasoningEffort } from '../types.js';
import type { JobChanges, JobContent, JobFields, NormalizedJob, OutputSpec } from './normalized-job.js';
import type { JsonObject } from './provider-options.js';
import { TextArena } from './text-arena.js';

/** The fields of a job that follow from its settings, not from what it asks: most jobs of a batch share them all. */
export type SharedJobFields = Omit<JobFields, 'id' | 'content'>;

/** One shared object, and the storage it came from (where a changed copy of a job interns its fields). */
interface Shared extends SharedJobFields {
  readonly storage: JobStorage;
}

/**
 * What the jobs of one Batch share: one object per distinct set of {@link SharedJobFields} (100,000 jobs added with
 * the same defaults hold one copy of their settings, not 100,000), and the arena their prompts' text lives in. Jobs
 * live from `addJob` to the end of the run, so what each holds is what sizes the heap of a large run (issue 14).
 */
export class JobStorage {
  readonly text = new TextArena();
  private readonly byKey = new Map<string, Shared>();
  /** Model infos and output specs are compared by identity: each is one object per model or schema already. */
  private readonly identities = new WeakMap<object, number>();
  private identitiesGiven = 0;

  intern(fields: SharedJobFields): Shared {
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
      fields.attempt,
      fields.resubmits,
      fields.warnings ?? null,
    ]);
    const known = this.byKey.get(key);
    if (known) return known;
    const shared: Shared = Object.freeze({
      storage: this,
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
      attempt: fields.attempt,
      resubmits: fields.resubmits,
      ...(fields.warnings !== undefined && { warnings: fields.warnings }),
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
 * A job as the run holds it: its id, its shared fields and what it asks. A job of one user message keeps that
 * message's text as UTF-8 in the storage's arena; its content is built when read (to map a request, to estimate), a
 * few times per send.
 *
 * Read it as a {@link NormalizedJob}; change it only through {@link CompactJob.with} — a spread (`{ ...job }`)
 * copies its id, not what sits behind the getters.
 */
export class CompactJob implements NormalizedJob {
  readonly #shared: Shared;
  /** The content; or, for a lone user message kept in the arena, its position there. */
  readonly #ask: JobContent | string | number;
  /** The byte length of the text at `#ask` in the arena. */
  readonly #bytes: number;

  private constructor(
    readonly id: string,
    shared: Shared,
    ask: JobContent | string | number,
    bytes: number,
  ) {
    this.#shared = shared;
    this.#ask = ask;
    this.#bytes = bytes;
  }

  /** `job` held compactly, what it shares with other jobs of `storage` shared. */
  static of(job: JobFields, storage: JobStorage): CompactJob {
    const shared = storage.intern(job);
    return new CompactJob(job.id, shared, ...compactContent(job.content, storage));
  }

  /** The same job with `changes`; its text is not stored again when its content stays. */
  with(changes: JobChanges): CompactJob {
    const shared = this.#shared;
    const { storage } = shared;
    const changed = storage.intern({
      ...readShared(shared),
      attempt: changes.attempt ?? shared.attempt,
      resubmits: changes.resubmits ?? shared.resubmits,
    });
    return changes.content
      ? new CompactJob(this.id, changed, ...compactContent(changes.content, storage))
      : new CompactJob(this.id, changed, this.#ask, this.#bytes);
  }

  get content(): JobContent {
    const ask = this.#ask;
    if (typeof ask === 'object') return ask;
    const text = typeof ask === 'string' ? ask : this.#shared.storage.text.get(ask, this.#bytes);
    return { kind: 'messages', messages: [{ role: 'user', content: text }] };
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
  get attempt(): number {
    return this.#shared.attempt;
  }
  get resubmits(): number {
    return this.#shared.resubmits;
  }
  get warnings(): string[] | undefined {
    return this.#shared.warnings;
  }
}

/**
 * What a job keeps of its content, and the byte length of text kept in the arena: a job that asks with one user
 * message keeps only its text (not the content object, its array and the message), in the arena where it fits.
 */
function compactContent(content: JobContent, storage: JobStorage): [JobContent | string | number, number] {
  const [message] = content.kind === 'messages' && content.messages.length === 1 ? content.messages : [];
  if (message?.role !== 'user') return [content, 0];
  const bytes = Buffer.byteLength(message.content);
  return [storage.text.put(message.content, bytes) ?? message.content, bytes];
}

function readShared({ storage: _, ...fields }: Shared): SharedJobFields {
  return fields;
}

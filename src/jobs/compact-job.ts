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
 * What the jobs of one Batch share: one object for jobs whose {@link SharedJobFields} are equal (100,000 jobs added
 * with the same defaults hold one copy of their settings, not 100,000), and the arena their prompts' text lives in.
 * Jobs live from `addJob` to the end of the run, so what each holds is what sizes the heap of a large run (issue 14).
 *
 * A job is compared with the few settings seen last, not looked up by a key of all of them: jobs that share settings
 * come in runs (a loop over inputs, a few models taking turns), and a job whose settings are its own (a `user_id`
 * per job in `providerOptions`) then costs its own settings object, as before, and no key kept beside it.
 */
export class JobStorage {
  /** How many distinct settings are remembered, the last seen first. */
  private static readonly RECENT = 16;
  readonly text = new TextArena();
  private readonly recent: Shared[] = [];

  /**
   * What `JSON.stringify` shows of it (a spread of a Batch reaches it): not the arena's buffers, and not the shared
   * settings, which point back here.
   */
  toJSON(): { settingsRemembered: number } {
    return { settingsRemembered: this.recent.length };
  }

  intern(fields: SharedJobFields): Shared {
    const index = this.recent.findIndex((shared) => sameFields(shared, fields));
    if (index >= 0) {
      const shared = this.recent[index]!;
      if (index > 0) {
        this.recent.splice(index, 1);
        this.recent.unshift(shared);
      }
      return shared;
    }
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
    this.recent.unshift(shared);
    if (this.recent.length > JobStorage.RECENT) this.recent.pop();
    return shared;
  }
}

/**
 * Whether two jobs' settings are the same: model infos and output specs by identity (each is one object per model or
 * schema already), `providerOptions` (plain JSON, checked at `addJob`) and warnings by value.
 */
function sameFields(a: SharedJobFields, b: SharedJobFields): boolean {
  return (
    a.modelInfo === b.modelInfo &&
    a.model === b.model &&
    a.provider === b.provider &&
    a.output === b.output &&
    a.maxTokens === b.maxTokens &&
    a.temperature === b.temperature &&
    a.reasoningEffort === b.reasoningEffort &&
    a.expectedOutputTokens === b.expectedOutputTokens &&
    a.enableCitations === b.enableCitations &&
    a.retryInvalid === b.retryInvalid &&
    a.attempt === b.attempt &&
    a.resubmits === b.resubmits &&
    sameJson(a.warnings, b.warnings) &&
    sameJson(a.providerOptions, b.providerOptions)
  );
}

/** Equality of plain JSON values (what `providerOptions` and warnings are), keys in any order. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every(
    (key) =>
      Object.hasOwn(b, key) &&
      sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
  );
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

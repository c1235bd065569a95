import type { ErrorInfo } from '../errors.js';
import { loneSurrogateAt } from '../jobs/lone-surrogates.js';
import { TextArena } from '../jobs/text-arena.js';
import type { ProviderName } from '../models/registry.js';
import { isFinalResult } from '../store/final-result.js';
import type { Citation, JobResult, JobStatus, MappedCitation } from '../types.js';

/** The fields most results of a provider batch have in common: kept once for all of them. */
interface ResultShape {
  status: JobStatus;
  isSuccess: boolean;
  provider: ProviderName;
  model: string;
  providerBatchId: string | null;
  stopReason: string | null;
  attempts: number;
}

/** What few results have: citations, their mappings, an error. */
interface ResultExtras {
  citations: Citation[];
  citationMappings: Record<string, MappedCitation[]>;
  error: ErrorInfo | null;
}

/** Numbers per result in {@link ResultStore.numbers}: input, output and total tokens, cost (NaN: null). */
const NUMBERS = 4;
/** Fields whose column cannot hold every value a result file may carry, and what it takes. */
const COLUMN_TAKES: readonly (readonly [keyof JobResult, (value: unknown) => boolean])[] = [
  ['inputTokens', (value) => typeof value === 'number'],
  ['outputTokens', (value) => typeof value === 'number'],
  ['totalTokens', (value) => typeof value === 'number'],
  ['costUsd', (value) => typeof value === 'number' || value === null],
  ['parsedResponse', (value) => value !== undefined],
];
/** In {@link ResultStore.answerAt}, an answer that is not in the arena: a string of its own, or null. */
const NOT_IN_ARENA = -1;

/**
 * Every job's one result, as a run keeps it to the end (issue 14: a 100,000-job run holds them all until `wait()`
 * returns), in columns by slot: one map entry per result on the heap; its tokens, cost and where its answer is in
 * typed arrays; its answer as UTF-8 in a text arena. Both are buffers off the JavaScript heap, which V8 grows to a
 * multiple of what is live on it. What the results of a provider batch have in common is kept once, and citations,
 * mappings and errors only for the results that have them. {@link get} gives the whole {@link JobResult} back.
 */
export class ResultStore {
  private readonly slots = new Map<string, number>();
  private numbers = new Float64Array(NUMBERS * 64);
  /** Per slot: the answer's position in the arena and its bytes; position {@link NOT_IN_ARENA} otherwise. */
  private answerAt = new Int32Array(2 * 64);
  /** Answers the arena does not take (null, long, with half a character, or not a string at all), by slot. */
  private readonly answerStrings = new Map<number, unknown>();
  /**
   * Fields the columns cannot give back as they were, by slot: a token count or cost that is not a number (or null
   * cost), a `parsedResponse` of undefined. batchwise never writes such results; a result file edited by hand or
   * written by another version may hold them, and it reads back as it is.
   */
  private readonly exact = new Map<number, Partial<JobResult>>();
  private readonly answers = new TextArena();
  private shapeOf = new Uint32Array(64);
  private readonly shapes: ResultShape[] = [];
  private readonly shapeIndex = new Map<string, number>();
  /** Parsed answers by slot (holes where there is none). */
  private readonly parsed: unknown[] = [];
  private readonly extras = new Map<number, ResultExtras>();

  get size(): number {
    return this.slots.size;
  }

  has(jobId: string): boolean {
    return this.slots.has(jobId);
  }

  /** Keeps `result` as its job's result, replacing any before it. */
  set(result: JobResult): void {
    let slot = this.slots.get(result.jobId);
    if (slot === undefined) {
      slot = this.slots.size;
      this.grow(slot + 1);
      this.slots.set(result.jobId, slot);
    }
    const numbers = slot * NUMBERS;
    this.numbers[numbers] = result.inputTokens;
    this.numbers[numbers + 1] = result.outputTokens;
    this.numbers[numbers + 2] = result.totalTokens;
    this.numbers[numbers + 3] = result.costUsd ?? Number.NaN;
    this.keepAnswer(slot, result.rawResponse);
    this.keepExact(slot, result);
    this.shapeOf[slot] = this.intern(result);
    this.parsed[slot] = result.parsedResponse ?? undefined;
    // A result file of an older version read on resume may lack a field: it comes back empty.
    const hasExtras =
      (result.citations?.length ?? 0) > 0 ||
      Object.keys(result.citationMappings ?? {}).length > 0 ||
      (result.error ?? null) !== null;
    if (hasExtras) {
      this.extras.set(slot, {
        citations: result.citations,
        citationMappings: result.citationMappings,
        error: result.error,
      });
    } else {
      this.extras.delete(slot);
    }
  }

  /** The job's result (a new object on every call; its parsed answer, citations and error the same objects). */
  get(jobId: string): JobResult | undefined {
    const slot = this.slots.get(jobId);
    if (slot === undefined) return undefined;
    const shape = this.shapes[this.shapeOf[slot]!]!;
    const extras = this.extras.get(slot);
    const numbers = slot * NUMBERS;
    const costUsd = this.numbers[numbers + 3]!;
    const result: JobResult = {
      jobId,
      status: shape.status,
      isSuccess: shape.isSuccess,
      rawResponse: this.answerOf(slot),
      parsedResponse: this.parsed[slot] ?? null,
      citations: extras?.citations ?? [],
      citationMappings: extras?.citationMappings ?? {},
      inputTokens: this.numbers[numbers]!,
      outputTokens: this.numbers[numbers + 1]!,
      totalTokens: this.numbers[numbers + 2]!,
      costUsd: Number.isNaN(costUsd) ? null : costUsd,
      error: extras?.error ?? null,
      provider: shape.provider,
      model: shape.model,
      providerBatchId: shape.providerBatchId,
      stopReason: shape.stopReason,
      attempts: shape.attempts,
    };
    const exact = this.exact.get(slot);
    return exact ? Object.assign(result, exact) : result;
  }

  isSuccess(jobId: string): boolean | undefined {
    const slot = this.slots.get(jobId);
    return slot === undefined ? undefined : this.shapes[this.shapeOf[slot]!]!.isSuccess;
  }

  /** Whether the job's result is final (a resume would not send or collect the job again); undefined without one. */
  isFinal(jobId: string): boolean | undefined {
    const slot = this.slots.get(jobId);
    return slot === undefined ? undefined : isFinalResult({ error: this.extras.get(slot)?.error ?? null });
  }

  /** How many distinct sets of shared fields the results have (a few per provider batch). */
  get shapeCount(): number {
    return this.shapes.length;
  }

  private keepExact(slot: number, result: JobResult): void {
    const exact = inexactFields(result);
    if (exact) this.exact.set(slot, exact);
    else this.exact.delete(slot);
  }

  private keepAnswer(slot: number, answer: unknown): void {
    const at = 2 * slot;
    // Half a character would come back from UTF-8 as U+FFFD: such an answer stays exactly as the provider sent it.
    const text = typeof answer === 'string' && loneSurrogateAt(answer) === -1 ? answer : undefined;
    const bytes = text === undefined ? 0 : Buffer.byteLength(text);
    const position = text === undefined ? undefined : this.answers.put(text, bytes);
    if (position === undefined) {
      this.answerAt[at] = NOT_IN_ARENA;
      this.answerStrings.set(slot, answer);
    } else {
      this.answerAt[at] = position;
      this.answerAt[at + 1] = bytes;
      this.answerStrings.delete(slot);
    }
  }

  private answerOf(slot: number): string | null {
    const position = this.answerAt[2 * slot]!;
    if (position === NOT_IN_ARENA) return this.answerStrings.get(slot) as string | null;
    return this.answers.get(position, this.answerAt[2 * slot + 1]!);
  }

  private intern(result: JobResult): number {
    const { status, isSuccess, provider, model, providerBatchId, stopReason, attempts } = result;
    const key = JSON.stringify([status, isSuccess, provider, model, providerBatchId, stopReason, attempts]);
    let index = this.shapeIndex.get(key);
    if (index === undefined) {
      index = this.shapes.length;
      this.shapes.push(
        Object.freeze({ status, isSuccess, provider, model, providerBatchId, stopReason, attempts }),
      );
      this.shapeIndex.set(key, index);
    }
    return index;
  }

  /** Room for `slots` results: the columns double when full. */
  private grow(slots: number): void {
    if (slots <= this.shapeOf.length) return;
    const capacity = Math.max(slots, this.shapeOf.length * 2);
    this.numbers = enlarged(this.numbers, NUMBERS * capacity);
    this.answerAt = enlarged(this.answerAt, 2 * capacity);
    this.shapeOf = enlarged(this.shapeOf, capacity);
  }
}

function enlarged<A extends Float64Array | Int32Array | Uint32Array>(array: A, length: number): A {
  const larger = new (array.constructor as new (length: number) => A)(length);
  larger.set(array);
  return larger;
}

/**
 * The fields of `result` its columns would not give back as they are, or undefined for a result batchwise wrote
 * (no object is made for it: this runs once per result).
 */
function inexactFields(result: JobResult): Partial<JobResult> | undefined {
  let exact: Record<string, unknown> | undefined;
  for (const [field, takes] of COLUMN_TAKES) {
    const value = result[field];
    if (takes(value)) continue;
    exact ??= {};
    exact[field] = value;
  }
  return exact as Partial<JobResult> | undefined;
}

import type { FileKind } from '../content/file-type.js';
import type { ModelInfo, ProviderName } from '../models/registry.js';
import type { JsonSchema, ResponseSchema } from '../structured/schema.js';
import type { SchemaProblem } from '../structured/schema-problem.js';
import type { NullableOptionals } from '../structured/strict-schema.js';
import type { Message, ReasoningEffort } from '../types.js';
import type { JsonObject } from './provider-options.js';

export interface NormalizedFile {
  name: string;
  kind: FileKind;
  mediaType: string;
  /** Read when the provider batch is built, so that bytes are not held for every job at once. */
  path: string | null;
  data: Uint8Array | null;
  size: number;
  /** Images: the pixel size read from the header at `addJob`; an animated GIF's frame count (more than 1). */
  image?: { width: number; height: number; frames?: number };
  /** PDFs: the page count read at `addJob`; absent when only pdf.js, at `run()`/`dryRun()`, could count. */
  pages?: number;
  /** PDFs: why `addJob` could not count the pages for sure (logged at debug level). */
  pagesUnsure?: string;
  /** The file's name claimed another type than its bytes (which win); logged as a warning by `addJob`. */
  warning?: string;
}

export type JobContent =
  | { kind: 'messages'; messages: Message[] }
  | {
      kind: 'file';
      /** The first file (the only one of a `file` job). */
      file: NormalizedFile;
      /** Every file, in the order given: Anthropic's `document_index` counts the PDF and text files among them. */
      files: NormalizedFile[];
      prompt: string;
    };

/** A job after `addJob`: defaults merged, every rule checked, ready to map to a provider request. */
export interface NormalizedJob extends JobFields {
  /** The same job with `changes`: a job is never spread, its settings may live behind getters (compact-job.ts). */
  with(changes: JobChanges): NormalizedJob;
}

/** What a job changes when it goes out again: another attempt, a resubmission, a prompt with a retry note. */
export type JobChanges = Partial<Pick<JobFields, 'attempt' | 'resubmits' | 'content'>>;

/** What a job is made of, as `normalizeJob` finds it. */
export interface JobFields {
  id: string;
  provider: ProviderName;
  /** The name the user gave (a dated alias stays dated). */
  model: string;
  modelInfo: ModelInfo;
  temperature: number | undefined;
  maxTokens: number;
  /** Only on reasoning models; absent means the provider's default. */
  reasoningEffort?: ReasoningEffort;
  /** The job's provider's `providerOptions`, defaults merged, checked; merged into the request body. */
  providerOptions?: JsonObject;
  expectedOutputTokens: number | undefined;
  enableCitations: boolean;
  content: JobContent;
  output: OutputSpec | null;
  retryInvalid: number;
  /** 1 for the first send; a job resent after an invalid answer counts up. */
  attempt: number;
  /** Times the job was resubmitted after its provider batch expired or was cancelled. */
  resubmits: number;
  /** What `addJob` warns about: a model's shutdown ahead, a capability assumed for a model the table leaves open. */
  warnings?: string[];
}

/** A job's `responseModel`, with its JSON Schema in the shapes each provider takes. */
export interface OutputSpec {
  schema: ResponseSchema;
  /** `[a-zA-Z0-9_-]{1,64}`, as OpenAI requires. */
  name: string;
  jsonSchema: JsonSchema;
  /** The schema as batchwise 0.1 converted it: what job digests hash, so older state files still match. */
  digestSchema: JsonSchema;
  /** OpenAI strict mode: every object closed, every field required, optional ones nullable. */
  strict: JsonSchema;
  nullableOptional: NullableOptionals;
  /** Anthropic `output_config.format.schema`: the SDK's transform of `jsonSchema`. */
  anthropic: JsonSchema | null;
  /**
   * Half a character (a lone surrogate) in the schema's descriptions, enum values or keys, which go into the request
   * too: the refusal's message, or null. Found once per schema, not once per job.
   */
  loneSurrogate: string | null;
  /** What each provider cannot express in this schema; checked at `addJob` against the job's provider. */
  problems: { openai: SchemaProblem | null; anthropic: SchemaProblem | null };
}

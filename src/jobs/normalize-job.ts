import { accessSync, constants, statSync } from 'node:fs';
import { basename } from 'node:path';
import { inspectFile, isFileProblem } from '../content/inspect-file.js';
import { JobValidationError } from '../errors.js';
import { hasStrayCharacter } from '../models/model-name.js';
import { type AssumedFact, type ModelInfo, patternProvider, requireModel } from '../models/registry.js';
import { MAX_RETRY_ATTEMPTS } from '../options/check-batch-options.js';
import { describeValue } from '../options/describe-value.js';
import { JOB_INPUT_KEYS } from '../options/option-keys.js';
import { refuseUnknownKeys } from '../options/unknown-keys.js';
import type { FileInput, JobInput, JobSettings, Message, ReasoningEffort } from '../types.js';
import { checkFileLimits, checkFilesTogether, checkRequestSize } from './check-file-limits.js';
import { CompactJob, JobStorage } from './compact-job.js';
import { checkJobId, freeGeneratedJobId } from './job-id.js';
import { findLoneSurrogate, loneSurrogateAt, loneSurrogateMessage } from './lone-surrogates.js';
import type { JobFields, NormalizedFile, NormalizedJob } from './normalized-job.js';
import { outputSpecFor } from './output-spec.js';
import { checkProviderOptions } from './provider-options.js';

export const DEFAULT_MAX_TOKENS = 1024;
/**
 * The `maxTokens` of a reasoning model's job when none is given (capped at the model's maximum). Its
 * `max_completion_tokens` includes the reasoning tokens, which alone can pass 1,024; OpenAI's reasoning guide advises
 * reserving at least 25,000 tokens for reasoning and output when starting with these models (docs/openai.md).
 */
export const DEFAULT_REASONING_MAX_TOKENS = 25_000;
export const REASONING_EFFORTS: readonly ReasoningEffort[] = [
  'none',
  'minimal',
  'low',
  'medium',
  'high',
  'xhigh',
  'max',
];
const ROLES = new Set(['system', 'user', 'assistant']);

/**
 * Merges a job with the defaults and checks every rule, throwing a {@link JobValidationError} that names the job and
 * the fix. Runs at `addJob`, before anything is sent.
 */
export function normalizeJob(
  input: JobInput,
  defaults: JobSettings,
  index: number,
  taken: ReadonlySet<string>,
  /** What the jobs of a Batch share (settings, the arena of their text); alone, a job shares with none. */
  storage: JobStorage = new JobStorage(),
): NormalizedJob {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    // JavaScript callers get no type check: `addJob('text')` is refused here, not met by a TypeError further on.
    throw new JobValidationError(
      'invalid_job',
      `addJob() needs a job object ({ messages } or { file, prompt }), got ${describeValue(input)}.`,
    );
  }
  const id = checkJobId(input.id ?? freeGeneratedJobId(index, taken), taken);
  const fail = (code: string, message: string): never => {
    throw new JobValidationError(code, `Job "${id}": ${message}`, { jobId: id });
  };
  refuseUnknownKeys('addJob()', input, JOB_INPUT_KEYS, { id });

  const modelName = input.model ?? defaults.model;
  if (modelName === undefined || modelName === null || modelName === '')
    fail('missing_model', 'no model. Pass `model` to addJob() or to defaults().');
  if (typeof modelName !== 'string') {
    fail(
      'invalid_model',
      `model must be a model's name, a string such as 'claude-haiku-4-5', got ${describeValue(modelName)}.`,
    );
  }
  if (hasStrayCharacter(modelName!)) {
    fail(
      'invalid_model',
      `model ${JSON.stringify(modelName)} holds a space or control character, which no model name has. Trim it where it is read.`,
    );
  }
  // A default `provider` is for the default model, or for names no pattern recognises: a job naming a model of the
  // other provider is not a mismatch with it.
  const explicitProvider =
    input.provider ??
    (input.model === undefined || patternProvider(input.model) === undefined ? defaults.provider : undefined);
  const { model, warnings } = requireModel(modelName!, id, explicitProvider);
  checkText(modelName!, 'model', fail);
  /** A fact the family table leaves open, which this job relies on: assumed, and said so once per model. */
  const assume = (fact: AssumedFact, what: string) => {
    if (model.assumed.includes(fact)) {
      warnings.push(
        `batchwise does not know whether ${model.name} ${what}; assuming it does (the provider refuses the request if not). docs/models.md lists what is known.`,
      );
    }
  };

  const hasMessages = input.messages !== undefined;
  const hasFile = input.file !== undefined || input.files !== undefined;
  const hasPrompt = input.prompt !== undefined;
  if (hasMessages && (hasFile || hasPrompt)) {
    fail('conflicting_input', 'give either `messages` or `file` + `prompt`, not both.');
  }
  if (input.file !== undefined && input.files !== undefined) {
    fail('conflicting_input', 'give either `file` or `files`, not both (put every file in `files`).');
  }
  if (input.files !== undefined && (!Array.isArray(input.files) || input.files.length === 0)) {
    fail('missing_input', '`files` must be a non-empty array of files (paths, or `{ data, name }`).');
  }
  if (hasFile && !hasPrompt) fail('missing_prompt', '`file` needs a `prompt` saying what to do with it.');
  if (!hasMessages && !hasFile) {
    fail(
      'missing_input',
      hasPrompt
        ? '`prompt` needs a `file`; for text alone use `messages`.'
        : 'give `messages`, or `file` + `prompt`.',
    );
  }

  const temperature = checkTemperature(input, defaults, model, fail);
  if (temperature !== undefined) assume('temperature', 'takes a temperature from 0 to 2');
  const maxTokens =
    input.maxTokens ??
    defaults.maxTokens ??
    (model.reasoning
      ? Math.min(DEFAULT_REASONING_MAX_TOKENS, model.maxOutputTokens ?? DEFAULT_REASONING_MAX_TOKENS)
      : DEFAULT_MAX_TOKENS);
  if (!Number.isInteger(maxTokens) || maxTokens < 1) {
    fail('invalid_max_tokens', `maxTokens must be a positive integer, got ${describeValue(maxTokens)}.`);
  }
  if (model.maxOutputTokens !== null && maxTokens > model.maxOutputTokens) {
    fail(
      'invalid_max_tokens',
      `maxTokens ${maxTokens} is above ${model.name}'s maximum of ${model.maxOutputTokens}.`,
    );
  }
  if (input.maxTokens !== undefined || defaults.maxTokens !== undefined)
    assume('maxOutputTokens', `writes ${maxTokens} output tokens (its maximum is unknown)`);

  const reasoningEffort = checkReasoningEffort(input, defaults, model, fail);
  if (reasoningEffort !== undefined) assume('reasoningEfforts', `takes reasoningEffort "${reasoningEffort}"`);
  const providerOptions = checkProviderOptions(
    input.providerOptions,
    defaults.providerOptions,
    model.provider,
    maxTokens,
    fail,
    { model: model.name, rejects: model.rejects },
  );
  // Every string of the options goes into the request body, keys included (a `system` prompt, tool descriptions).
  const badOption = findLoneSurrogate(providerOptions, `providerOptions.${model.provider}`);
  if (badOption)
    fail('invalid_unicode', loneSurrogateMessage(badOption.path, badOption.text, badOption.index));

  const expectedOutputTokens = input.expectedOutputTokens ?? defaults.expectedOutputTokens;
  if (
    expectedOutputTokens !== undefined &&
    (!Number.isInteger(expectedOutputTokens) || expectedOutputTokens < 1 || expectedOutputTokens > maxTokens)
  ) {
    fail(
      'invalid_max_tokens',
      `expectedOutputTokens must be a positive integer at most maxTokens (${maxTokens}), got ${describeValue(expectedOutputTokens)}.`,
    );
  }
  // A truthy stand-in (`'false'`, `1`) would turn citations on, changing the request and what it costs.
  if (input.enableCitations !== undefined && typeof input.enableCitations !== 'boolean') {
    fail(
      'invalid_option',
      `enableCitations must be true or false, got ${describeValue(input.enableCitations)}. Pass a boolean.`,
    );
  }
  const enableCitations = input.enableCitations ?? defaults.enableCitations ?? false;
  const content = hasMessages
    ? { kind: 'messages' as const, messages: checkMessages(input.messages, fail) }
    : fileContent(input.files ?? [input.file!], checkPrompt(input.prompt, fail), fail);

  if (model.provider === 'anthropic' && content.kind === 'messages') {
    const last = content.messages.at(-1)!;
    if (last.role === 'assistant' && /\s$/.test(last.content)) {
      fail(
        'invalid_messages',
        `the last message, an assistant prefill, ends with whitespace, which Claude refuses ("final assistant content cannot end with trailing whitespace"). Remove the trailing whitespace.`,
      );
    }
  }
  for (const file of content.kind === 'file' ? content.files : []) {
    if (file.kind === 'text') continue;
    const capability = file.kind === 'image' ? 'images' : 'pdf';
    if (!model.capabilities[capability])
      fail('unsupported_file_type', `${model.name} does not accept ${file.kind} files (${file.name}).`);
    assume(capability, `reads ${file.kind} files`);
    const frames = file.image?.frames;
    if (frames !== undefined) {
      if (model.provider === 'openai') fail('unsupported_file_type', animatedGifRefusal(file.name, frames));
      file.warning = [file.warning, animatedGifWarning(file.name, frames)].filter(Boolean).join(' ');
    }
  }
  if (enableCitations) {
    assume('citations', 'cites documents');
    if (!model.capabilities.citations) {
      fail(
        'citations_unsupported',
        `${model.name} (${model.provider}) cannot cite documents; use a Claude model or drop enableCitations.`,
      );
    }
    if (content.kind !== 'file' || content.files.every((file) => file.kind === 'image')) {
      fail('citations_need_document', 'enableCitations needs a PDF or text `file` to cite.');
    }
  }

  if (content.kind === 'file') {
    for (const file of content.files) checkFileLimits(file, model, fail);
    if (content.files.length > 1) checkFilesTogether(content.files, model, fail);
  }
  checkRequestSize(content, model, fail);

  // `null` on a job opts out of a schema set in defaults().
  const responseModel = input.responseModel !== undefined ? input.responseModel : defaults.responseModel;
  let output: NormalizedJob['output'] = null;
  if (responseModel !== undefined && responseModel !== null) {
    const spec = outputSpecFor(responseModel);
    if (typeof spec === 'string') fail('invalid_response_model', `${spec}.`);
    if (!model.capabilities.structured) {
      fail(
        'structured_unsupported',
        `${model.name} has no structured output (docs/models.md); use a model that has, or drop responseModel.`,
      );
    }
    assume('structured', 'has structured output');
    output = spec as Exclude<typeof spec, string>;
    if (output.loneSurrogate) fail('invalid_unicode', output.loneSurrogate);
    // With citations the Anthropic schema goes into the prompt, not output_config, so its rules do not apply.
    const problem =
      model.provider === 'openai'
        ? output.problems.openai
        : enableCitations
          ? null
          : output.problems.anthropic;
    if (problem) fail(problem.code, `responseModel cannot be sent to ${model.name}: ${problem.message}`);
  }
  // A job opting out of the defaults' schema opts out of their retryInvalid too: it goes with the schema, and
  // without one there is nothing to validate (a retryInvalid the job sets itself is still refused below).
  const optedOut = input.responseModel === null;
  const retryInvalid = input.retryInvalid ?? (optedOut ? undefined : defaults.retryInvalid) ?? 0;
  if (!Number.isInteger(retryInvalid) || retryInvalid < 0 || retryInvalid > MAX_RETRY_ATTEMPTS) {
    // Each retry is a paid request: past the cap of every other retry count, a model that keeps answering wrong
    // would be paid without end.
    fail(
      'invalid_retry',
      `retryInvalid must be a whole number from 0 to ${MAX_RETRY_ATTEMPTS} (each retry is a paid request), got ${describeValue(retryInvalid)}.`,
    );
  }
  if (retryInvalid > 0 && !output) {
    fail(
      'invalid_retry',
      optedOut
        ? 'retryInvalid needs a responseModel to validate against, and this job sets responseModel: null. Remove retryInvalid from the job, or set a responseModel.'
        : `retryInvalid needs a responseModel to validate against. Set a responseModel, or remove retryInvalid${input.retryInvalid === undefined ? ' from defaults()' : ''}.`,
    );
  }

  const fields: JobFields = {
    id,
    provider: model.provider,
    model: modelName!,
    modelInfo: model,
    temperature,
    maxTokens,
    ...(reasoningEffort !== undefined && { reasoningEffort }),
    ...(providerOptions !== undefined && { providerOptions }),
    expectedOutputTokens,
    enableCitations,
    content,
    output,
    retryInvalid,
    attempt: 1,
    resubmits: 0,
    ...(warnings.length > 0 && { warnings }),
  };
  return CompactJob.of(fields, storage);
}

function checkTemperature(
  input: JobInput,
  defaults: JobSettings,
  model: ModelInfo,
  fail: (code: string, message: string) => never,
): number | undefined {
  const own = input.temperature;
  const temperature = own ?? defaults.temperature;
  if (temperature === undefined) return undefined;
  if (model.provider === 'anthropic') {
    // Anthropic's API version 2026-10-21, which @anthropic-ai/sdk 1.x sends, removed temperature (a 400 at any
    // value): a default meant for other models is dropped; one the job asks for itself is an error.
    if (own === undefined) return undefined;
    fail(
      'temperature_unsupported',
      `${model.name} takes no temperature: Anthropic removed it in API version 2026-10-21, which @anthropic-ai/sdk 1.x sends. Remove it.`,
    );
  }
  if (model.temperature === null) {
    // A default meant for other models is dropped; a temperature the job asks for itself is an error.
    if (own === undefined) return undefined;
    fail(
      'temperature_out_of_range',
      `${model.name} takes no temperature (it is a reasoning model); remove it.`,
    );
  }
  const { min, max } = model.temperature!;
  if (
    typeof temperature !== 'number' ||
    Number.isNaN(temperature) ||
    temperature < min ||
    temperature > max
  ) {
    fail(
      'temperature_out_of_range',
      `temperature must be between ${min} and ${max} for ${model.name}, got ${describeValue(temperature)}.`,
    );
  }
  return temperature;
}

function checkReasoningEffort(
  input: JobInput,
  defaults: JobSettings,
  model: ModelInfo,
  fail: (code: string, message: string) => never,
): ReasoningEffort | undefined {
  const own = input.reasoningEffort;
  const effort = own ?? defaults.reasoningEffort;
  if (effort === undefined) return undefined;
  const allowed = model.reasoningEfforts ?? REASONING_EFFORTS;
  if (!REASONING_EFFORTS.includes(effort) || (model.reasoning && !allowed.includes(effort))) {
    fail(
      'invalid_reasoning_effort',
      `reasoningEffort must be one of ${allowed.map((e) => `"${e}"`).join(', ')}${model.reasoningEfforts ? ` for ${model.name}` : ''}, got ${JSON.stringify(effort)}.`,
    );
  }
  if (!model.reasoning) {
    // As with temperature: a default meant for reasoning models is dropped; one the job asks for itself is an error.
    if (own === undefined) return undefined;
    fail(
      'reasoning_effort_unsupported',
      `${model.name} is not a reasoning model and takes no reasoningEffort; remove it or use a reasoning model (gpt-5 family, o-series).`,
    );
  }
  return effort;
}

function checkMessages(messages: unknown, fail: (code: string, message: string) => never): Message[] {
  if (!Array.isArray(messages) || messages.length === 0)
    fail('invalid_messages', '`messages` must be a non-empty array.');
  const list = messages as unknown[];
  list.forEach((message, index) => {
    const { role, content } = (message ?? {}) as Partial<Message>;
    if (typeof role !== 'string' || !ROLES.has(role)) {
      fail(
        'invalid_messages',
        `messages[${index}].role must be "system", "user" or "assistant", got ${JSON.stringify(role)}.`,
      );
    }
    if (typeof content !== 'string' || content.trim() === '') {
      fail('invalid_messages', `messages[${index}].content must be a non-empty string.`);
    }
    checkText(content as string, `messages[${index}].content`, fail);
    // Anything else would be dropped from the request without a word (a `cache_control`, a `name`).
    const extra = Object.entries(message as object).find(
      ([key, value]) => key !== 'role' && key !== 'content' && value !== undefined,
    )?.[0];
    if (extra !== undefined) {
      fail(
        'unknown_option',
        `messages[${index}] has \`${extra}\`, which batchwise does not send: a message is { role, content }. Remove it (request-wide provider fields go in providerOptions).`,
      );
    }
  });
  const turns = (list as Message[]).filter((m) => m.role !== 'system');
  if (turns.length === 0) fail('invalid_messages', '`messages` needs at least one user message.');
  if (turns[0]!.role !== 'user')
    fail('invalid_messages', 'the first non-system message must come from the user.');
  return (list as Message[]).map(({ role, content }) => ({ role, content }));
}

function checkPrompt(prompt: unknown, fail: (code: string, message: string) => never): string {
  if (typeof prompt !== 'string' || prompt.trim() === '')
    fail('missing_prompt', '`prompt` must be a non-empty string.');
  checkText(prompt as string, 'prompt', fail);
  return prompt as string;
}

/** OpenAI takes "Non-animated GIF (.gif)" ("Images and vision", image input requirements). */
function animatedGifRefusal(name: string, frames: number): string {
  return `${name} is an animated GIF (${frames} frames); OpenAI takes only non-animated GIFs ("Images and vision"). Send the frame that matters as a PNG or a one-frame GIF (e.g. ffmpeg -i ${name} -frames:v 1 frame.png), several frames as several images, or use a Claude model, which reads the first frame.`;
}

/** Anthropic takes animated GIFs but reads only their first frame ("Images and vision", image format). */
function animatedGifWarning(name: string, frames: number): string {
  return `${name} is an animated GIF (${frames} frames): Claude reads only its first frame ("Animations are unsupported, and only the first frame will be used", Anthropic's "Images and vision"). Send the frames that matter as separate images to have them read.`;
}

/** Refuses text with half a character in it (lone-surrogates.ts says why). */
function checkText(text: string, where: string, fail: (code: string, message: string) => never): void {
  const index = loneSurrogateAt(text);
  if (index >= 0) fail('invalid_unicode', loneSurrogateMessage(where, text, index));
}

/** A file job's content: each file checked as `file` is, in the order given. */
function fileContent(
  inputs: FileInput[],
  prompt: string,
  fail: (code: string, message: string) => never,
): Extract<NormalizedJob['content'], { kind: 'file' }> {
  const files = inputs.map((input, index) => {
    const file = checkFile(input, fail);
    // The name goes on the wire: Anthropic's document `title`, OpenAI's `filename` or the text part's name.
    checkText(file.name, inputs.length === 1 ? 'the file name' : `the name of files[${index}]`, fail);
    return file;
  });
  return { kind: 'file', file: files[0]!, files, prompt };
}

function checkFile(file: FileInput, fail: (code: string, message: string) => never): NormalizedFile {
  if (typeof file === 'object' && file !== null && 'data' in file) {
    if (!(file.data instanceof Uint8Array))
      fail('invalid_file', '`file.data` must be a Buffer or Uint8Array.');
    if (typeof file.name !== 'string' || !file.name)
      fail('invalid_file', '`file.name` is needed with `file.data`.');
    const inspected = checkedType(inspectFile({ data: file.data }, file.name, file.mediaType), fail);
    return {
      name: file.name,
      kind: inspected.type.kind,
      mediaType: inspected.type.mediaType,
      path: null,
      data: file.data,
      size: file.data.length,
      ...(inspected.image && { image: inspected.image }),
      ...(inspected.pages !== undefined && { pages: inspected.pages }),
      ...(inspected.pagesUnsure && { pagesUnsure: inspected.pagesUnsure }),
      ...(inspected.warning && { warning: inspected.warning }),
    };
  }
  const path = typeof file === 'string' ? file : file?.path;
  if (typeof path !== 'string' || !path)
    fail('invalid_file', '`file` must be a path or { path } or { data, name }.');
  const name = (typeof file === 'object' && file.name) || basename(path!);
  try {
    accessSync(path!, constants.R_OK);
    if (!statSync(path!).isFile()) fail('file_not_found', `${path} is not a file.`);
  } catch (cause) {
    if (cause instanceof JobValidationError) throw cause;
    fail(
      'file_not_found',
      `cannot read ${path}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}. Check the path.`,
    );
  }
  let inspected: ReturnType<typeof inspectFile>;
  try {
    inspected = inspectFile({ path: path! }, name, typeof file === 'object' ? file.mediaType : undefined);
  } catch (cause) {
    return fail(
      'file_not_found',
      `cannot read ${path}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}. Check the path.`,
    );
  }
  const checked = checkedType(inspected, fail);
  return {
    name,
    kind: checked.type.kind,
    mediaType: checked.type.mediaType,
    path: path!,
    data: null,
    size: checked.size,
    ...(checked.image && { image: checked.image }),
    ...(checked.pages !== undefined && { pages: checked.pages }),
    ...(checked.pagesUnsure && { pagesUnsure: checked.pagesUnsure }),
    ...(checked.warning && { warning: checked.warning }),
  };
}

function checkedType(
  inspected: ReturnType<typeof inspectFile>,
  fail: (code: string, message: string) => never,
): Exclude<ReturnType<typeof inspectFile>, { code: string }> {
  if (isFileProblem(inspected)) return fail(inspected.code, inspected.message);
  return inspected;
}

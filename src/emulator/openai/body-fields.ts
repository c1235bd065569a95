/**
 * The arguments Chat Completions accepts, from `ChatCompletionCreateParamsBase` of openai-node 6.49
 * (`resources/chat/completions/completions.ts`) and OpenAI's API reference ("Create chat completion"). Anything else
 * is refused with a 400: "Unrecognized request argument supplied: <name>".
 */
const CHAT_COMPLETION_ARGUMENTS = new Set([
  'messages',
  'model',
  'audio',
  'frequency_penalty',
  'function_call',
  'functions',
  'logit_bias',
  'logprobs',
  'max_completion_tokens',
  'max_tokens',
  'metadata',
  'modalities',
  'moderation',
  'n',
  'parallel_tool_calls',
  'prediction',
  'presence_penalty',
  'prompt_cache_key',
  'prompt_cache_options',
  'prompt_cache_retention',
  'reasoning_effort',
  'response_format',
  'safety_identifier',
  'seed',
  'service_tier',
  'stop',
  'store',
  'stream',
  'stream_options',
  'temperature',
  'tool_choice',
  'tools',
  'top_logprobs',
  'top_p',
  'user',
  'verbosity',
  'web_search_options',
]);

export function unrecognizedArgument(
  body: Record<string, unknown>,
): { message: string; param: string } | null {
  for (const name of Object.keys(body)) {
    if (!CHAT_COMPLETION_ARGUMENTS.has(name)) {
      return { message: `Unrecognized request argument supplied: ${name}`, param: name };
    }
  }
  return null;
}

/**
 * Sampling settings reasoning models keep at their defaults (OpenAI's reasoning guide: `top_p` and `n` fixed at 1,
 * `presence_penalty` and `frequency_penalty` at 0; `logprobs`, `top_logprobs` and `logit_bias` not supported): a
 * value other than the default is refused the way `temperature` is.
 */
const REASONING_DEFAULTS: Record<string, unknown> = {
  top_p: 1,
  presence_penalty: 0,
  frequency_penalty: 0,
  logprobs: false,
};
const REASONING_UNSUPPORTED = ['top_logprobs', 'logit_bias'];

export function reasoningSamplingError(
  body: Record<string, unknown>,
): { message: string; param: string } | null {
  for (const [name, value] of Object.entries(REASONING_DEFAULTS)) {
    if (body[name] !== undefined && body[name] !== null && body[name] !== value) {
      return {
        message: `Unsupported value: '${name}' does not support ${JSON.stringify(body[name])} with this model. Only the default (${String(value)}) value is supported.`,
        param: name,
      };
    }
  }
  for (const name of REASONING_UNSUPPORTED) {
    if (body[name] !== undefined && body[name] !== null) {
      return { message: `Unsupported parameter: '${name}' is not supported with this model.`, param: name };
    }
  }
  return null;
}

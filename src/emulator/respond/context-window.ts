import { countInputTokens } from './compose.js';
import type { RequestView } from './request-view.js';

/**
 * Context windows of the models served, from the providers' model pages, by family. A model not listed here is not
 * checked (the emulator would rather be kind than refuse what the provider takes).
 */
const WINDOWS: readonly [RegExp, number][] = [
  // Anthropic: the 1M-token window of the Claude Opus 4.6 generation and later; 200k before it.
  [/^claude-(opus-4-[6-9]|sonnet-4-6|opus-5|sonnet-5)/, 1_000_000],
  [/^claude-(haiku-4-5|opus-4-5|sonnet-4-5|opus-4-1|opus-4-0|sonnet-4-0|opus-4-2|sonnet-4-2|3-)/, 200_000],
  // OpenAI.
  [/^gpt-4\.1/, 1_047_576],
  [/^gpt-5/, 400_000],
  [/^(gpt-4o|gpt-4-turbo|chatgpt-4o)/, 128_000],
  [/^o\d/, 200_000],
  [/^gpt-3\.5-turbo/, 16_385],
  [/^gpt-4(-\d{4})?$/, 8_192],
];

/**
 * The provider's refusal of a request whose text is longer than its model's context window, or null. Anthropic:
 * `prompt is too long: 210000 tokens > 200000 maximum` (invalid_request_error); OpenAI: `context_length_exceeded`.
 * Only text is counted: images and PDF pages are billed by formulas that are not what they take of the window
 * (gpt-4o-mini bills an image 33 times what gpt-4o does), so counting them could refuse what the provider takes.
 */
export async function contextWindowError(
  view: RequestView,
): Promise<{ message: string; param: string; code: string } | null> {
  const name = view.model.replace(/^ft:/, '');
  const window = WINDOWS.find(([pattern]) => pattern.test(name))?.[1];
  if (window === undefined) return null;
  const tokens = await countInputTokens({ ...view, images: [], documents: [] });
  if (tokens <= window) return null;
  return view.provider === 'anthropic'
    ? {
        message: `prompt is too long: ${tokens} tokens > ${window} maximum`,
        param: 'messages',
        code: 'invalid_request_error',
      }
    : {
        message: `This model's maximum context length is ${window} tokens. However, your messages resulted in ${tokens} tokens. Please reduce the length of the messages.`,
        param: 'messages',
        code: 'context_length_exceeded',
      };
}

/**
 * OpenAI models a chat completion cannot be sent to (each is served by an endpoint of its own: images, audio,
 * realtime, embeddings, moderations), known by their names' documented patterns. batchwise sends chat completions;
 * the provider would answer each such request with a 404, after its batch had waited.
 */
const NOT_CHAT: readonly [RegExp, string][] = [
  [/^(gpt-image|chatgpt-image|dall-e)/, 'an image generation model'],
  [/(^|-)tts(-|$)/, 'a text-to-speech model'],
  [/transcribe|^whisper/, 'a speech-to-text model'],
  [/realtime/, 'a Realtime API model'],
  [/embedding/, 'an embedding model'],
  [/moderation/, 'a moderation model'],
];

/**
 * What kind of model an OpenAI name is when it is not a chat model, or null. A fine-tune is known by its base model
 * (`ft:<base>:<org>:<suffix>:<id>`): the suffix is the user's own name for it.
 */
export function notChatModel(name: string): string | null {
  const base = /^ft:([^:]+):/.exec(name)?.[1] ?? name;
  return NOT_CHAT.find(([pattern]) => pattern.test(base))?.[1] ?? null;
}

/**
 * The API's refusals of empty message content, in its wordings as users quote them: an empty text block
 * ("messages: text content blocks must be non-empty", github.com/anthropics/claude-code/issues/59812), a text block of
 * only whitespace ("… must contain non-whitespace text", github.com/anthropics/claude-code/issues/23369), and a
 * message with no blocks at all — allowed for the final assistant turn only.
 */
export function emptyContentError(messages: readonly unknown[]): string | null {
  for (const [index, message] of messages.entries()) {
    const { role, content } = message as { role?: unknown; content?: unknown };
    if (Array.isArray(content) && content.length === 0) {
      if (role === 'assistant' && index === messages.length - 1) continue;
      return `messages.${index}: all messages must have non-empty content except for the optional final assistant message`;
    }
    const texts =
      typeof content === 'string'
        ? [content]
        : Array.isArray(content)
          ? content.flatMap((block) => {
              const { type, text } = (block ?? {}) as { type?: unknown; text?: unknown };
              return type === 'text' && typeof text === 'string' ? [text] : [];
            })
          : [];
    for (const text of texts) {
      if (text === '') return 'messages: text content blocks must be non-empty';
      if (text.trim() === '') return 'messages: text content blocks must contain non-whitespace text';
    }
  }
  return null;
}

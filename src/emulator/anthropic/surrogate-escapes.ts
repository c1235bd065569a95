/**
 * Anthropic refuses a request body whose strings hold half a character, a `\uXXXX` escape of a UTF-16 surrogate
 * without its pair (JavaScript's `JSON.stringify` writes a lone surrogate so), with 400 `invalid_request_error`:
 * "The request body is not valid JSON: no low surrogate in string: line 1 column 241834 (char 241833)" for a high
 * half not followed by a low one (anthropics/claude-code#1939, #60394), "invalid high surrogate in string" for a low
 * half alone (#1762, #4599). The third case, a high half followed by an escape that is not a low half, is worded
 * as the JSON parser whose messages these are (yyjson) words it, "invalid low surrogate in string": no report of
 * it from Anthropic was found. Node's `JSON.parse` takes all three, so the raw text is scanned. The position is
 * counted as the reports count it: in characters from the start of the body, the column 1-based, `char` 0-based.
 */
export function surrogateEscapeError(text: string): string | null {
  // Most bodies have no surrogate escape at all: one pass of a regular expression settles them.
  if (!/\\u[dD][89a-fA-F]/.test(text)) return null;
  let inString = false;
  let i = 0;
  while (i < text.length) {
    const char = text[i];
    if (!inString) {
      if (char === '"') inString = true;
      i++;
      continue;
    }
    if (char === '"') {
      inString = false;
      i++;
      continue;
    }
    if (char !== '\\') {
      i++;
      continue;
    }
    if (text[i + 1] !== 'u') {
      // `\\`, `\"`, `\n`…: the escaped character is never the start of another escape.
      i += 2;
      continue;
    }
    const unit = Number.parseInt(text.slice(i + 2, i + 6), 16);
    const after = i + 6;
    if (unit >= 0xdc00 && unit <= 0xdfff) return refusal('invalid high surrogate in string', text, i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      if (text[after] !== '\\' || text[after + 1] !== 'u')
        return refusal('no low surrogate in string', text, after);
      const low = Number.parseInt(text.slice(after + 2, after + 6), 16);
      if (!(low >= 0xdc00 && low <= 0xdfff)) return refusal('invalid low surrogate in string', text, after);
      i = after + 6;
      continue;
    }
    i = after;
  }
  return null;
}

function refusal(reason: string, text: string, at: number): string {
  // Characters, not UTF-16 code units: a pair before the position counts once.
  const before = Array.from(text.slice(0, at));
  const lastNewline = before.lastIndexOf('\n');
  const line = before.filter((char) => char === '\n').length + 1;
  const column = before.length - lastNewline;
  return `The request body is not valid JSON: ${reason}: line ${line} column ${column} (char ${before.length})`;
}

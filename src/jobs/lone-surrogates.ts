/**
 * Strings that are not well-formed UTF-16: a surrogate code unit without its pair, half of a character, as
 * `slice()` or `substring()` leave when they cut an emoji in two. `JSON.stringify` writes it as a `\ud83d` escape
 * that Node reads back, but no provider reads half a character: Anthropic refuses the whole request body it is in
 * (400 "The request body is not valid JSON: no low surrogate in string"), which for a batch is every job in it.
 * RFC 8259 §8.2 leaves the behaviour of such strings unpredictable.
 */

/** The index of the first code unit in `text` that is a surrogate without its pair; -1 when the string is whole. */
export function loneSurrogateAt(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0xd800 || unit > 0xdfff) continue;
    if (unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
    }
    return i;
  }
  return -1;
}

/**
 * `text` with each lone surrogate replaced by U+FFFD, as `String.prototype.toWellFormed` does (ES2024): for text
 * batchwise writes into a request itself — a retry note quoting the model's rejected answer, whose half of an emoji
 * would make Anthropic refuse the whole batch.
 */
export function wellFormed(text: string): string {
  return loneSurrogateAt(text) < 0 ? text : text.replace(LONE_SURROGATE, '\uFFFD');
}

/** A high surrogate not followed by a low one, or a low one not preceded by a high one (code units: no `u` flag). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * The first string or object key holding a lone surrogate in a JSON value (as it goes on the wire), with its path
 * from `path` (`providerOptions.anthropic.system[0].text`) and the index in it; null when there is none.
 */
export function findLoneSurrogate(
  value: unknown,
  path: string,
): { path: string; text: string; index: number } | null {
  if (typeof value === 'string') {
    const index = loneSurrogateAt(value);
    return index < 0 ? null : { path, text: value, index };
  }
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = findLoneSurrogate(item, `${path}[${i}]`);
      if (found) return found;
    }
    return null;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const keyIndex = loneSurrogateAt(key);
      if (keyIndex >= 0) return { path: `a key of ${path}`, text: key, index: keyIndex };
      const found = findLoneSurrogate(item, `${path}.${key}`);
      if (found) return found;
    }
  }
  return null;
}

/**
 * The refusal of a lone surrogate: where it is (`messages[2].content`), which code unit at which index with the
 * text before it, why it matters and the fix.
 */
export function loneSurrogateMessage(where: string, text: string, index: number): string {
  const unit = `\\u${text.charCodeAt(index).toString(16).padStart(4, '0')}`;
  // The text before is whole up to here; only its start may cut a pair, and a lone half must not be echoed.
  let before = text.slice(Math.max(0, index - 24), index);
  if (loneSurrogateAt(before) === 0) before = before.slice(1);
  const context = before ? ` after ${JSON.stringify(before)}` : '';
  return (
    `${where} holds a lone UTF-16 surrogate (${unit} at index ${index}${context}): half of a character, as slice() or ` +
    'substring() leave when they cut an emoji in two. Anthropic refuses the whole batch request that carries it ' +
    '("The request body is not valid JSON: no low surrogate in string"), failing every job sent with this one. ' +
    'Repair the text with text.toWellFormed() (Node 20+; it puts U+FFFD in its place), or cut strings by code point ' +
    "([...text].slice(0, n).join(''))."
  );
}

/**
 * A value as a message should show it: its type and the value itself, so that `'4'` (a string) is never mistaken
 * for `4` (a number), nor `NaN` for a missing value. JavaScript callers get no type check, so the type is the clue.
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return value === '' ? 'an empty string' : `the string ${quote(value)}`;
    case 'number':
      return `the number ${Object.is(value, -0) ? '-0' : String(value)}`;
    case 'bigint':
      return `the bigint ${String(value)}n`;
    case 'boolean':
      return `the boolean ${String(value)}`;
    case 'function':
      return 'a function';
    case 'symbol':
      return `the symbol ${String(value)}`;
    default:
      if (Array.isArray(value)) return `an array of ${value.length}`;
      return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
  }
}

function quote(text: string): string {
  const shown = text.length > 60 ? `${text.slice(0, 57)}…` : text;
  return `'${shown.replace(/'/g, "\\'")}'`;
}

/**
 * A value that may be an API key, described without showing it: a string given where provider options go is most
 * likely the key itself (`openai: process.env.OPENAI_API_KEY`), so its type is the only clue an error gives.
 */
export function describeSecret(value: unknown): string {
  if (typeof value !== 'string') return describeValue(value);
  if (value === '') return 'an empty string';
  if (value.trim() === '') return 'a string of only spaces';
  return 'a string (not shown: it may be an API key)';
}

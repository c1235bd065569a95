import { valueDates } from './dates.js';
import { compact, normalize } from './normalize-text.js';
import { convertedValues, fieldUnit, numberKey, numberTokens } from './numbers.js';
import { BOOLEAN_WORDS, COUNTRIES, CURRENCIES, synonyms } from './value-words.js';

export { normalize } from './normalize-text.js';

/** A number a value may be written as in a passage; `unit` set when it is the value converted to that unit. */
export interface NumberTarget {
  key: string;
  unit: string | null;
}

/** What to look for in cited passages to find one value. */
export interface ValueProbe {
  /** The value as the answer writes it, normalised. */
  text: string;
  /** One or two characters (`5`, `DE`, `4B`): found anywhere, it proves nothing without its field's name near. */
  short: boolean;
  /** Spellings that, found in a passage, support the value by themselves. */
  strings: string[];
  /** The value's letters and digits when it is a code (`DE8937…`, grouped differently in the document). */
  compact: string | null;
  numbers: NumberTarget[];
  /** ISO dates the value means. */
  dates: string[];
  /** Words that mean the value only in context (`Germany` for `DE`, `£` for `GBP`, `none` for false, `urgent` for `high`). */
  weak: { phrase: string; why: string }[];
}

/**
 * The ways `value` may be written in a document. Numbers: every spelling numberTokens reads (separators, decimal
 * commas, scale words, percent as a fraction) and, where the field's name says a unit (`weight_kg`), the same amount in
 * other units of that dimension. Dates: any written or numeric form of the same day. Strings: case, Unicode and
 * spacing aside, as written; snake_case enum values with spaces; codes ignoring grouping; country and currency codes
 * by their names and symbols, enum values by words of the same meaning (weak). Booleans: yes/no words (weak). Null
 * and absent values have none: nothing can support them.
 */
export function valueProbe(value: unknown, fieldWords: string[]): ValueProbe | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean') {
    return {
      text: String(value),
      short: false,
      strings: [],
      compact: null,
      numbers: [],
      dates: [],
      weak: BOOLEAN_WORDS[value ? 'true' : 'false'].map((phrase) => ({
        phrase,
        why: `"${phrase}" for ${value}`,
      })),
    };
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return null;
    return {
      text: String(value),
      short: String(Math.abs(value)).length <= 2,
      strings: [],
      compact: null,
      numbers: numberTargets(value, fieldWords),
      dates: [],
      weak: [],
    };
  }
  if (typeof value !== 'string') return null;
  const text = normalize(value);
  if (!text) return null;
  const strings = new Set([text]);
  if (/^[\p{L}\p{N}]+(_[\p{L}\p{N}]+)+$/u.test(text)) strings.add(text.replace(/_/g, ' '));
  const weak: ValueProbe['weak'] = [];
  for (const name of COUNTRIES[text] ?? [])
    weak.push({ phrase: name, why: `"${name}" for the country code` });
  for (const sign of CURRENCIES[text] ?? [])
    weak.push({ phrase: sign, why: `"${sign}" for the currency code` });
  for (const word of synonyms(text)) weak.push({ phrase: word, why: `"${word}" means "${text}"` });
  // A numeric string ("7731", "1.250,00") is also the number it reads as.
  const asNumber = numberTokens(text).find((t) => t.at === 0 && t.end === text.length);
  const codeLike = compact(text);
  return {
    text,
    short: text.length <= 2,
    strings: [...strings],
    compact:
      !/\s/.test(text) && codeLike.length >= 6 && /\d/.test(codeLike) && /\p{L}/u.test(codeLike)
        ? codeLike
        : null,
    numbers: asNumber ? asNumber.values.flatMap((v) => numberTargets(v, fieldWords)) : [],
    dates: valueDates(text),
    weak,
  };
}

function numberTargets(value: number, fieldWords: string[]): NumberTarget[] {
  const targets: NumberTarget[] = [{ key: numberKey(value), unit: null }];
  const unit = fieldUnit(fieldWords);
  if (unit) {
    for (const converted of convertedValues(value, unit)) {
      targets.push({ key: numberKey(converted.value), unit: converted.unit });
    }
  }
  return targets;
}

/** Where `text` (normalised) holds `variant` not as part of a longer word or number; -1 when it does not. */
export function findVariant(text: string, variant: string, from = 0): number {
  for (let at = text.indexOf(variant, from); at !== -1; at = text.indexOf(variant, at + 1)) {
    const before = text[at - 1] ?? ' ';
    const after = text[at + variant.length] ?? ' ';
    const inWord = (c: string) => /[\p{L}\p{N}]/u.test(c);
    const first = variant[0] ?? '';
    const last = variant[variant.length - 1] ?? '';
    // "250" must not match inside "1,250"; "1,250.00" not inside "11,250.00"; a symbol may touch a number ("£42").
    const okBefore =
      !(inWord(first) && inWord(before)) &&
      !(/\d/.test(first) && /[,.]/.test(before) && /\d/.test(text[at - 2] ?? ''));
    const okAfter =
      !(inWord(last) && inWord(after)) &&
      !(/\d/.test(last) && /[,.]/.test(after) && /\d/.test(text[at + variant.length + 1] ?? ''));
    if (okBefore && okAfter) return at;
  }
  return -1;
}

/** Whether `text` (normalised) contains `variant` not as part of a longer number or word. */
export function containsVariant(text: string, variant: string): boolean {
  return findVariant(text, variant) !== -1;
}

/** The words of a field name: `dueDate` -> [due, date], `line_items` -> [line, items], `floor_area_m2` -> [floor, area, m2]. */
export function fieldWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .map((word) => word.toLowerCase())
    .filter(Boolean);
}

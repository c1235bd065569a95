import { wordTable } from './word-table.js';

/** A number written in a passage, with every value it may stand for. */
export interface NumberToken {
  /** Where it starts and ends in the normalised text. */
  at: number;
  end: number;
  /** The values it may mean: as written (each reading of ambiguous separators), scaled, percent as a fraction. */
  values: number[];
  /** A unit written right after it (`kg`, `days`, `years`), normalised; null when none. */
  unit: string | null;
}

const SCALES = wordTable<number>({
  k: 1e3,
  thousand: 1e3,
  m: 1e6,
  mn: 1e6,
  mio: 1e6,
  million: 1e6,
  millions: 1e6,
  b: 1e9,
  bn: 1e9,
  billion: 1e9,
  billions: 1e9,
  t: 1e12,
  tn: 1e12,
  trillion: 1e12,
});

const NUMBER_WORDS = wordTable<number>({
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  eighteen: 18,
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  ninety: 90,
  hundred: 100,
});

/** Units by dimension, each as a factor of the dimension's base; conversions only within a dimension. */
const UNITS: Record<string, { dimension: string; factor: number } | undefined> = wordTable({});
const unit = (dimension: string, factor: number, ...names: string[]) => {
  for (const name of names) UNITS[name] = { dimension, factor };
};
unit('mass', 1, 'g', 'gram', 'grams', 'gramme', 'grammes');
unit('mass', 1000, 'kg', 'kgs', 'kilo', 'kilos', 'kilogram', 'kilograms');
unit('mass', 0.001, 'mg', 'milligram', 'milligrams');
unit('mass', 1e6, 'tonne', 'tonnes');
unit('length', 1, 'mm', 'millimetre', 'millimetres', 'millimeter', 'millimeters');
unit('length', 10, 'cm', 'centimetre', 'centimetres', 'centimeter', 'centimeters');
unit('length', 1000, 'metre', 'metres', 'meter', 'meters');
unit('length', 1e6, 'km', 'kilometre', 'kilometres', 'kilometer', 'kilometers');
unit('volume', 1, 'ml', 'millilitre', 'millilitres', 'milliliter', 'milliliters');
unit('volume', 1000, 'l', 'litre', 'litres', 'liter', 'liters');
unit('time', 1, 'second', 'seconds', 'sec', 'secs');
unit('time', 60, 'minute', 'minutes', 'min', 'mins');
unit('time', 3600, 'hour', 'hours', 'hr', 'hrs', 'h');
unit('time', 86400, 'day', 'days');
unit('time', 604800, 'week', 'weeks');
unit('calendar', 1, 'month', 'months');
unit('calendar', 3, 'quarter', 'quarters');
unit('calendar', 12, 'year', 'years', 'yr', 'yrs');

/** The unit a field's name says its value is in (`net_weight_kg` -> kg, `termMonths` -> months), if any. */
export function fieldUnit(words: string[]): string | null {
  for (const word of [...words].reverse()) if (UNITS[word]) return word;
  return null;
}

/**
 * The value `value` (in `from`) would be written as in each other unit of its dimension: `2.5` kg is `2500` g.
 * Only metric and time units; empty when `from` is not a known unit.
 */
export function convertedValues(value: number, from: string): { unit: string; value: number }[] {
  const source = UNITS[from];
  if (!source) return [];
  const converted: { unit: string; value: number }[] = [];
  for (const [name, u] of Object.entries(UNITS)) {
    if (u && u.dimension === source.dimension && name !== from)
      converted.push({ unit: name, value: (value * source.factor) / u.factor });
  }
  return converted;
}

/** Whether two units are the same unit under different names (`kg`, `kilograms`). */
export function sameUnit(a: string, b: string): boolean {
  const ua = UNITS[a];
  const ub = UNITS[b];
  return a === b || (!!ua && !!ub && ua.dimension === ub.dimension && ua.factor === ub.factor);
}

/** A stable key for comparing numbers that were computed (0.1 * 3) or written (0.3). */
export function numberKey(value: number): string {
  return String(Number(Math.abs(value).toPrecision(10)));
}

/**
 * Every number written in a normalised text: digits with `,` `.` `'` or space groups read every way they may be meant
 * (`1.250,00` = 1250, `1,250` = 1250 or 1.25, `3 450,00` = 3450), a scale word or suffix after it (`4.2 million`,
 * `$575B`), `%` as a fraction as well, small numbers written as words, and the unit right after it.
 */
export function numberTokens(text: string): NumberToken[] {
  const tokens: NumberToken[] = [];
  for (const match of text.matchAll(/\d(?:[\d,.' ]*\d)?/g)) {
    const run = match[0];
    const start = match.index;
    // Each space-separated part is a number of its own; the whole run is one too when it is space-grouped.
    let offset = 0;
    for (const part of run.split(' ')) {
      if (part) pushToken(tokens, text, start + offset, part, readDigits(part));
      offset += part.length + 1;
    }
    if (/^\d{1,3}( \d{3})+([.,]\d+)?$/.test(run)) {
      pushToken(tokens, text, start, run, readDigits(run.replace(/ /g, '')));
    }
  }
  for (const match of text.matchAll(/\p{L}+/gu)) {
    const value = NUMBER_WORDS[match[0]];
    if (value !== undefined) pushToken(tokens, text, match.index, match[0], [value]);
  }
  return tokens;
}

function pushToken(tokens: NumberToken[], text: string, at: number, written: string, read: number[]): void {
  if (read.length === 0) return;
  const end = at + written.length;
  // What follows: a scale or percent sign, then a unit, possibly after `x`/`by` and more numbers (`40 x 30 cm`).
  const after = text.slice(end, end + 60);
  const suffix = /^ ?(%|percent\b|per cent\b|[a-z]+\b)/.exec(after)?.[1];
  const values = new Set(read);
  if (suffix === '%' || suffix === 'percent' || suffix === 'per cent')
    for (const v of read) values.add(v / 100);
  else if (suffix && SCALES[suffix]) for (const v of read) values.add(v * SCALES[suffix]!);
  const unitName = unitAfter(after);
  tokens.push({ at, end, values: [...values], unit: unitName });
}

const CONNECTORS = new Set(['x', '×', 'by', 'to', 'and', '-', '(', ')']);

/** The unit written after a number: the first word that is not a connector, another number or a scale. */
function unitAfter(after: string): string | null {
  const parts = after.match(/\p{L}+|\d[\d.,]*|[×()-]/gu) ?? [];
  for (const part of parts.slice(0, 8)) {
    if (CONNECTORS.has(part) || /^\d/.test(part) || SCALES[part]) continue;
    return UNITS[part] ? part : null;
  }
  return null;
}

/** The readings of a run of digits and separators (no spaces). */
function readDigits(written: string): number[] {
  const clean = written.replace(/'/g, '');
  if (/^\d+$/.test(clean)) return [Number(clean)];
  const commas = (clean.match(/,/g) ?? []).length;
  const dots = (clean.match(/\./g) ?? []).length;
  if (commas > 0 && dots > 0) {
    const decimal = clean.lastIndexOf(',') > clean.lastIndexOf('.') ? ',' : '.';
    const thousands = decimal === ',' ? '.' : ',';
    const [whole, fraction] = [
      clean.slice(0, clean.lastIndexOf(decimal)),
      clean.slice(clean.lastIndexOf(decimal) + 1),
    ];
    if (whole.includes(decimal) || fraction.includes(thousands)) return [];
    if (!new RegExp(`^\\d{1,3}(\\${thousands}\\d{3})*$`).test(whole)) return [];
    return [Number(`${whole.split(thousands).join('')}.${fraction}`)];
  }
  const separator = commas > 0 ? ',' : '.';
  const parts = clean.split(separator);
  if (parts.length === 2) {
    const readings = [Number(`${parts[0]}.${parts[1]}`)];
    if (parts[1]!.length === 3 && parts[0]!.length <= 3) readings.push(Number(parts.join('')));
    return readings;
  }
  if (parts.every((p, i) => (i === 0 ? /^\d{1,3}$/.test(p) : /^\d{3}$/.test(p))))
    return [Number(parts.join(''))];
  return [];
}

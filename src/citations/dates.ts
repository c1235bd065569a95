const MONTH =
  'jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?';
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const ORDINAL = '(?:st|nd|rd|th)?';

/** A date written in a text: where, and the ISO dates it may mean (`03/01/2025` is March 1 or 3 January). */
export interface DateToken {
  at: number;
  end: number;
  iso: string[];
}

const PATTERNS: { pattern: RegExp; read: (m: RegExpExecArray) => [number, number, number][] }[] = [
  { pattern: /\b(\d{4})-(\d{1,2})-(\d{1,2})\b/g, read: (m) => [[n(m[1]), n(m[2]), n(m[3])]] },
  {
    pattern: /\b(\d{1,2})\/(\d{1,2})\/(\d{4})\b/g,
    read: (m) => [
      [n(m[3]), n(m[1]), n(m[2])],
      [n(m[3]), n(m[2]), n(m[1])],
    ],
  },
  { pattern: /\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b/g, read: (m) => [[n(m[3]), n(m[2]), n(m[1])]] },
  {
    pattern: new RegExp(`\\b(\\d{1,2})${ORDINAL}(?: of)? (${MONTH})\\.?,? (\\d{4})\\b`, 'g'),
    read: (m) => [[n(m[3]), month(m[2]!), n(m[1])]],
  },
  {
    pattern: new RegExp(`\\b(${MONTH})\\.? (\\d{1,2})${ORDINAL},? (\\d{4})\\b`, 'g'),
    read: (m) => [[n(m[3]), month(m[1]!), n(m[2])]],
  },
];

/** Every date written in a normalised (lowercase) text, in ISO, numeric, and written forms in the common orders. */
export function dateTokens(text: string): DateToken[] {
  const tokens: DateToken[] = [];
  for (const { pattern, read } of PATTERNS) {
    for (const match of text.matchAll(pattern)) {
      const iso = read(match as RegExpExecArray)
        .filter(([y, mo, d]) => mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && y > 0)
        .map(([y, mo, d]) => `${y}-${pad(mo)}-${pad(d)}`);
      if (iso.length > 0) tokens.push({ at: match.index, end: match.index + match[0].length, iso });
    }
  }
  return tokens;
}

/** The ISO dates a value means when the whole (normalised) value is one date; empty otherwise. */
export function valueDates(normalized: string): string[] {
  const token = dateTokens(normalized).find(
    (t) => t.at === 0 && t.end >= normalized.replace(/\s+$/, '').length,
  );
  if (!token) return [];
  // A value in ISO means that one date; only numeric forms are ambiguous.
  return /^\d{4}-/.test(normalized) ? token.iso.slice(0, 1) : token.iso;
}

function n(text: string | undefined): number {
  return Number(text);
}

function month(name: string): number {
  return MONTHS.indexOf(name.slice(0, 3)) + 1;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

/** Lowercase, whitespace collapsed: how values and cited text are compared. */
export function normalize(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').trim();
}

/**
 * The ways a value may be written in a document: numbers with and without thousands separators, decimals and
 * currency signs (`1250`, `1,250`, `1,250.00`, `$1,250`); dates in ISO and common written forms; strings as they are
 * (compared case- and whitespace-insensitively).
 */
export function valueVariants(value: unknown): string[] {
  if (typeof value === 'number' && Number.isFinite(value)) return numberVariants(value);
  if (typeof value === 'boolean' || value === null || value === undefined) return [];
  const text = String(value);
  const variants = new Set([normalize(text)]);
  const date = parseDate(text);
  if (date) for (const variant of dateVariants(date)) variants.add(variant);
  const asNumber = /^[$€£]?\s*-?[\d,]+(\.\d+)?$/.test(text.trim())
    ? Number(text.replace(/[^\d.-]/g, ''))
    : Number.NaN;
  if (Number.isFinite(asNumber)) for (const variant of numberVariants(asNumber)) variants.add(variant);
  return [...variants].filter(Boolean);
}

function numberVariants(value: number): string[] {
  const variants = new Set<string>();
  const plain = String(value);
  variants.add(plain);
  const grouped = value.toLocaleString('en-US', { maximumFractionDigits: 20 });
  variants.add(grouped);
  if (Number.isInteger(value) || Math.round(value * 100) === value * 100) {
    variants.add(value.toFixed(2));
    variants.add(value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
  }
  return [...variants];
}

interface DateParts {
  year: number;
  month: number;
  day: number;
}

/** ISO (`2025-03-01`), `March 1, 2025`, `1 March 2025`, `Mar 1 2025`; undefined when the text is not a date. */
export function parseDate(text: string): DateParts | undefined {
  const trimmed = text.trim();
  const iso = /^(\d{4})-(\d{2})-(\d{2})/.exec(trimmed);
  if (iso) return valid({ year: Number(iso[1]), month: Number(iso[2]), day: Number(iso[3]) });
  const monthName = (name: string) =>
    MONTHS.findIndex((m) => m.startsWith(name.toLowerCase().slice(0, 3))) + 1;
  const written = /^([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$/.exec(trimmed);
  if (written)
    return valid({ year: Number(written[3]), month: monthName(written[1]!), day: Number(written[2]) });
  const dayFirst = /^(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})$/.exec(trimmed);
  if (dayFirst)
    return valid({ year: Number(dayFirst[3]), month: monthName(dayFirst[2]!), day: Number(dayFirst[1]) });
  return undefined;
}

function valid(date: DateParts): DateParts | undefined {
  return date.month >= 1 && date.month <= 12 && date.day >= 1 && date.day <= 31 ? date : undefined;
}

function dateVariants({ year, month, day }: DateParts): string[] {
  const name = MONTHS[month - 1]!;
  const short = name.slice(0, 3);
  const mm = String(month).padStart(2, '0');
  const dd = String(day).padStart(2, '0');
  return [
    `${year}-${mm}-${dd}`,
    `${name} ${day}, ${year}`,
    `${name} ${day} ${year}`,
    `${short} ${day}, ${year}`,
    `${short}. ${day}, ${year}`,
    `${day} ${name} ${year}`,
    `${day} ${short} ${year}`,
    `${mm}/${dd}/${year}`,
    `${month}/${day}/${year}`,
    `${dd}/${mm}/${year}`,
    `${dd}.${mm}.${year}`,
  ];
}

/** Whether `text` (normalised) contains `variant` not as part of a longer number or word. */
export function containsVariant(text: string, variant: string): boolean {
  let from = 0;
  for (;;) {
    const at = text.indexOf(variant, from);
    if (at === -1) return false;
    const before = text[at - 1] ?? ' ';
    const after = text[at + variant.length] ?? ' ';
    const boundary = (c: string) => !/[a-z0-9]/.test(c);
    // "1,250.00" must not match inside "11,250.00"; "250" must not match inside "1,250".
    const numericEdge = (c: string) => /[\d,.]/.test(c) && /\d/.test(variant[0] ?? '');
    const okBefore = boundary(before) && !(numericEdge(before) && /\d/.test(text[at - 2] ?? ''));
    const okAfter =
      boundary(after) && !(/[\d]/.test(text[at + variant.length + 1] ?? '') && /[,.]/.test(after));
    if (okBefore && okAfter) return true;
    from = at + 1;
  }
}

/** The words of a field name: `dueDate` -> [due, date], `line_items` -> [line, items]. */
export function fieldWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[\s_-]+/)
    .map((word) => word.toLowerCase())
    .filter(Boolean);
}

import { wordTable } from './word-table.js';

/**
 * Words a value may be written as in a document when the answer uses a code or a category instead: ISO country codes,
 * currency codes, booleans and common enum values. Matches through these are weak: they count only where the field's
 * name or a sibling field's value stands near (map-citations.ts).
 */

/** ISO 3166-1 alpha-2 code -> names and short forms as documents write them (the common ones, not all 249). */
export const COUNTRIES = wordTable<string[]>({
  us: ['united states', 'united states of america', 'usa', 'u.s.', 'u.s.a.'],
  gb: ['united kingdom', 'uk', 'u.k.', 'great britain', 'britain', 'england', 'scotland', 'wales'],
  de: ['germany', 'deutschland'],
  fr: ['france'],
  it: ['italy', 'italia'],
  es: ['spain', 'españa'],
  nl: ['netherlands', 'the netherlands', 'holland'],
  be: ['belgium'],
  ch: ['switzerland'],
  at: ['austria'],
  se: ['sweden'],
  no: ['norway'],
  dk: ['denmark'],
  fi: ['finland'],
  ie: ['ireland'],
  pt: ['portugal'],
  pl: ['poland'],
  cz: ['czech republic', 'czechia'],
  gr: ['greece'],
  hu: ['hungary'],
  ro: ['romania'],
  ca: ['canada'],
  mx: ['mexico'],
  br: ['brazil', 'brasil'],
  ar: ['argentina'],
  cl: ['chile'],
  co: ['colombia'],
  jp: ['japan'],
  cn: ['china', "people's republic of china"],
  in: ['india'],
  kr: ['south korea', 'korea', 'republic of korea'],
  au: ['australia'],
  nz: ['new zealand'],
  za: ['south africa'],
  ng: ['nigeria'],
  ke: ['kenya'],
  eg: ['egypt'],
  ma: ['morocco'],
  sg: ['singapore'],
  hk: ['hong kong'],
  tw: ['taiwan'],
  th: ['thailand'],
  vn: ['vietnam', 'viet nam'],
  id: ['indonesia'],
  my: ['malaysia'],
  ph: ['philippines'],
  ae: ['united arab emirates', 'uae'],
  sa: ['saudi arabia'],
  il: ['israel'],
  tr: ['turkey', 'türkiye'],
  ru: ['russia', 'russian federation'],
  ua: ['ukraine'],
});

/** ISO 4217 code -> symbols and words documents write for it. */
export const CURRENCIES = wordTable<string[]>({
  usd: ['$', 'us$', 'dollar', 'dollars', 'us dollars'],
  eur: ['€', 'euro', 'euros'],
  gbp: ['£', 'pound sterling', 'pounds sterling', 'sterling', 'pounds'],
  jpy: ['¥', 'yen'],
  cny: ['¥', 'yuan', 'rmb', 'renminbi'],
  inr: ['₹', 'rupee', 'rupees'],
  chf: ['swiss franc', 'swiss francs', 'franken'],
  cad: ['c$', 'ca$', 'canadian dollar', 'canadian dollars'],
  aud: ['a$', 'au$', 'australian dollar', 'australian dollars'],
  sek: ['kr', 'kronor', 'swedish krona'],
});

/** Words that say yes or no, for boolean fields. */
export const BOOLEAN_WORDS: Record<'true' | 'false', string[]> = {
  true: [
    'yes',
    'y',
    'true',
    'required',
    'mandatory',
    'included',
    'includes',
    'available',
    'allowed',
    'permitted',
    'enabled',
    'confirmed',
    'must',
  ],
  false: [
    'no',
    'none',
    'not',
    'n/a',
    'false',
    'excluded',
    'prohibited',
    'forbidden',
    'without',
    'never',
    'nil',
    'neither',
  ],
};

/** Enum values and the words with the same meaning that documents write instead. */
const SYNONYM_GROUPS: string[][] = [
  ['high', 'urgent', 'critical', 'asap', 'immediate', 'top'],
  ['low', 'minor', 'trivial'],
  ['medium', 'normal', 'moderate', 'standard'],
  ['paid', 'settled', 'paid in full'],
  ['unpaid', 'outstanding', 'overdue', 'past due', 'open'],
  ['overdue', 'past due', 'late', 'delinquent'],
  ['pending', 'awaiting', 'in progress', 'processing', 'on hold'],
  ['cancelled', 'canceled', 'void', 'voided', 'withdrawn'],
  ['approved', 'accepted', 'granted'],
  ['rejected', 'declined', 'denied', 'refused'],
  ['active', 'current', 'in force'],
  ['expired', 'lapsed', 'terminated'],
  ['male', 'm'],
  ['female', 'f'],
];

/** The other words of `value`'s meaning, when it is a common enum value. */
export function synonyms(value: string): string[] {
  const result = new Set<string>();
  for (const group of SYNONYM_GROUPS) if (group.includes(value)) for (const word of group) result.add(word);
  result.delete(value);
  return [...result];
}

/** Words of a field name that say nothing about which passage it comes from. */
export const GENERIC_FIELD_WORDS = new Set([
  'a',
  'an',
  'the',
  'of',
  'and',
  'or',
  'to',
  'in',
  'on',
  'at',
  'by',
  'for',
  'is',
  'has',
  'per',
  'with',
  'value',
  'name',
  'type',
  'status',
  'text',
  'info',
  'data',
  'code',
  'id',
  'no',
  'num',
  'number',
  'required',
  'allowed',
  'enabled',
  'included',
  'available',
  'flag',
  'yes',
]);

/** Short forms documents use for words of field names. */
export const FIELD_ALIASES = wordTable<string[]>({
  quantity: ['qty'],
  qty: ['quantity'],
  number: ['no', '#', 'nr'],
  amount: ['amt'],
  birth: ['dob'],
  telephone: ['tel', 'phone'],
  phone: ['tel', 'telephone'],
  identifier: ['id'],
  reference: ['ref'],
  percent: ['%'],
  rate: ['%'],
});

/**
 * Text as values and cited passages are compared: Unicode-normalised (NFKC), quotes and dashes made plain, PDF
 * hyphenation marks (`\u0002`, soft hyphens) joined with the line break after them, no-break and other spaces and
 * `\r\n` collapsed to one space, lowercase. Cited PDF text keeps all of these (see docs/citations.md).
 */
export function normalize(text: string): string {
  return (
    text
      .normalize('NFKC')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: \u0002 is how PDF text marks a hyphenated line break.
      .replace(/[\u0002\u00ad]\s*/g, '')
      .replace(/[\u2018\u2019\u201a\u201b\u2032\u00b4`]/g, "'")
      .replace(/[\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb]/g, '"')
      .replace(/[\u2010-\u2015\u2212]/g, '-')
      .replace(/[\s\u00a0\u2007\u202f\u200b]+/g, ' ')
      .toLowerCase()
      .trim()
  );
}

/** The letters and digits of a normalised text, for codes written in groups (`DE89 3704 …` = `DE893704…`). */
export function compact(text: string): string {
  return text.replace(/[^\p{L}\p{N}]+/gu, '');
}

/** The words of a normalised text with where each starts. */
export function words(text: string): { word: string; at: number }[] {
  const result: { word: string; at: number }[] = [];
  for (const match of text.matchAll(/[\p{L}\p{N}]+|[$€£¥₹%]/gu)) {
    result.push({ word: match[0], at: match.index });
  }
  return result;
}

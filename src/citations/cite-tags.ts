/**
 * Removes `<cite index="…">` and `</cite>` tags from an answer's text. Claude sometimes writes them into its text
 * (inside a JSON string, too) with no citations attached (anthropic-sdk-python #1060): they are markup, never part of
 * a value, so they are stripped before the JSON is parsed and before citations are mapped. The cited text inside
 * stays.
 */
export function stripCiteTags(text: string): string {
  if (!text.includes('cite')) return text;
  return text.replace(/<cite\b[^>]*>|<\/cite\s*>/gi, '');
}

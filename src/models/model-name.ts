/**
 * What no provider's model name holds: a space or a control character. A name read from a file or an environment
 * variable with its newline would still match a known model's pattern, then fail every request at the provider.
 */
export function hasStrayCharacter(name: string): boolean {
  return /[\s\p{Cc}]/u.test(name);
}

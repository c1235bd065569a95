/**
 * A lookup table keyed by words from documents, answers and field names: without a prototype, so that a word like
 * `constructor` or `__proto__` finds nothing instead of `Object`'s own members.
 */
export function wordTable<T>(entries: Record<string, T>): Readonly<Record<string, T | undefined>> {
  return Object.assign(Object.create(null) as Record<string, T | undefined>, entries);
}

/** Sets `record[key]` as an own property, also when the key is `__proto__` (an assignment would set the prototype). */
export function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

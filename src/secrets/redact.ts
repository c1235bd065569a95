/** What a secret is replaced with wherever it would be shown or stored. */
export const REDACTED = '[redacted]';

/** Shorter strings are not taken for keys: replacing them would mangle ordinary text. */
const MIN_SECRET_LENGTH = 8;

/**
 * The API keys of a batch, and the one place that knows them: strings, values and errors pass through it before
 * they are stored (result and state files), logged, emitted, thrown or shown. A provider's error body may echo the
 * request's headers (a proxy, a debugging gateway), so every provider answer is scrubbed, not only our own text.
 *
 * The keys are kept in an ES private field: `util.inspect` and `JSON.stringify` never show it.
 */
export class Secrets {
  readonly #keys: string[];

  constructor(keys: Iterable<string | undefined | null>) {
    const found = new Set<string>();
    for (const key of keys) if (typeof key === 'string' && key.length >= MIN_SECRET_LENGTH) found.add(key);
    // Longest first, so that a key containing another is replaced whole.
    this.#keys = [...found].sort((a, b) => b.length - a.length);
  }

  get isEmpty(): boolean {
    return this.#keys.length === 0;
  }

  /** The text with every key replaced by {@link REDACTED}. */
  text(value: string): string {
    let text = value;
    for (const key of this.#keys) if (text.includes(key)) text = text.split(key).join(REDACTED);
    return text;
  }

  /** A copy of a JSON-like value with every key replaced in its strings (and object keys); the input is untouched. */
  value<T>(value: T): T {
    if (this.isEmpty) return value;
    return this.copy(value, new WeakMap()) as T;
  }

  /** The value itself when no string in it holds a key (the common case allocates nothing), else a scrubbed copy. */
  private copy(value: unknown, seen: WeakMap<object, unknown>): unknown {
    if (typeof value === 'string') return this.text(value);
    if (typeof value !== 'object' || value === null) return value;
    if (value instanceof Error) return this.error(value);
    if (seen.has(value)) return seen.get(value);
    if (Array.isArray(value)) {
      seen.set(value, value);
      let out: unknown[] | undefined;
      value.forEach((item, index) => {
        const scrubbed = this.copy(item, seen);
        if (scrubbed !== item && !out) out = value.slice(0, index);
        out?.push(scrubbed);
      });
      if (out) seen.set(value, out);
      return out ?? value;
    }
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) return value;
    seen.set(value, value);
    const entries = Object.entries(value);
    let changed = false;
    const scrubbed = entries.map(([key, item]): [string, unknown] => {
      const pair: [string, unknown] = [this.text(key), this.copy(item, seen)];
      if (pair[0] !== key || pair[1] !== item) changed = true;
      return pair;
    });
    if (!changed) return value;
    const out = Object.fromEntries(scrubbed);
    seen.set(value, out);
    return out;
  }

  /**
   * Scrubs an error in place, down its `cause` chain: message, stack and every own string or JSON-like field (an SDK
   * error keeps the provider's body in `error`). In place, so that its class, `code` and identity stay what they
   * were; returns it for convenience.
   */
  error<E>(error: E): E {
    if (this.isEmpty) return error;
    const seen = new Set<object>();
    let current: unknown = error;
    for (let depth = 0; depth < 8 && current instanceof Error && !seen.has(current); depth++) {
      seen.add(current);
      this.scrubOwnFields(current);
      if (typeof current.stack === 'string') {
        try {
          current.stack = this.text(current.stack);
        } catch {
          // A frozen or accessor-only stack stays as it is; its message line was scrubbed with the message.
        }
      }
      current = (current as { cause?: unknown }).cause;
    }
    return error;
  }

  private scrubOwnFields(error: Error): void {
    const record = error as unknown as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(error)) {
      if (name === 'cause') continue;
      const descriptor = Object.getOwnPropertyDescriptor(error, name);
      if (!descriptor || !('value' in descriptor) || !descriptor.writable) continue;
      const value = descriptor.value as unknown;
      if (typeof value === 'string') record[name] = this.text(value);
      else if (typeof value === 'object' && value !== null && !(value instanceof Error)) {
        record[name] = this.scrubObject(value);
      }
    }
  }

  /** Headers-like objects (with entries()) become plain records, since they cannot be edited in place. */
  private scrubObject(value: object): unknown {
    if (typeof (value as { entries?: unknown }).entries === 'function' && !Array.isArray(value)) {
      try {
        const entries = [...(value as { entries(): Iterable<[unknown, unknown]> }).entries()];
        if (entries.every(([key]) => typeof key === 'string')) {
          return this.value(Object.fromEntries(entries));
        }
      } catch {
        return value;
      }
    }
    return this.value(value);
  }
}

/** A secrets holder with no keys: everything passes unchanged. */
export const NO_SECRETS = new Secrets([]);

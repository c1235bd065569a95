/**
 * The object syntax of PDF (ISO 32000-1, 7.2–7.3), enough to read cross-reference sections, trailers and the
 * dictionaries of a page tree: numbers, names, strings, arrays, dictionaries, indirect references, comments. Text is
 * the file's bytes as latin1 (one char per byte), so offsets in the text are offsets in the file.
 */

export class PdfName {
  constructor(readonly name: string) {}
}

export class PdfRef {
  constructor(
    readonly num: number,
    readonly gen: number,
  ) {}
}

/** A string's bytes as latin1; nothing here reads strings, they are only skipped correctly. */
export class PdfString {
  constructor(readonly value: string) {}
}

export type PdfDict = Map<string, PdfValue>;
export type PdfValue = number | boolean | null | PdfName | PdfRef | PdfString | PdfDict | PdfValue[];

/**
 * The PDF is not what its structure says: a reader that repairs files (pdf.js rebuilds the cross-reference table by
 * scanning) may still read it, so this is "not sure", not "corrupt".
 */
export class PdfSyntaxError extends Error {}

/** A byte's class (7.2.2, 7.2.3): 1 whitespace, 2 delimiter, 0 regular; a lookup, since the lexer asks per byte. */
const CLASS = new Uint8Array(256);
for (const code of [0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]) CLASS[code] = 1;
for (const char of '()<>[]{}/%') CLASS[char.charCodeAt(0)] = 2;
/** A run of regular characters, from `lastIndex`. */
const REGULAR_RUN = /[^\0\t\n\f\r ()<>[\]{}/%]*/y;

export function isWhitespace(code: number): boolean {
  return CLASS[code] === 1;
}

/** Nesting deeper than this is not a page tree's dictionary: stops a crafted file from overflowing the stack. */
const MAX_DEPTH = 100;

/** Reads PDF objects from `text`, starting at `pos` and moving it past what was read. */
export class PdfLexer {
  constructor(
    readonly text: string,
    public pos = 0,
  ) {}

  /** Skips whitespace and comments. */
  skipSpace(): void {
    const { text } = this;
    while (this.pos < text.length) {
      const code = text.charCodeAt(this.pos);
      if (CLASS[code] === 1) this.pos++;
      else if (code === 0x25 /* % */) {
        while (this.pos < text.length && text[this.pos] !== '\n' && text[this.pos] !== '\r') this.pos++;
      } else break;
    }
  }

  /** The next run of regular characters (a keyword or number), without moving past it when `peek`. */
  token(peek = false): string {
    this.skipSpace();
    const end = this.regularRunEnd(this.pos);
    const token = this.text.slice(this.pos, end);
    if (!peek) this.pos = end;
    return token;
  }

  private regularRunEnd(from: number): number {
    REGULAR_RUN.lastIndex = from;
    REGULAR_RUN.test(this.text);
    return REGULAR_RUN.lastIndex;
  }

  /** Reads `keyword` or throws. */
  expect(keyword: string): void {
    const token = this.token();
    if (token !== keyword) throw new PdfSyntaxError(`expected "${keyword}", found "${token.slice(0, 20)}"`);
  }

  /** A non-negative integer, or throws. */
  integer(): number {
    const token = this.token();
    if (!/^\d+$/.test(token)) throw new PdfSyntaxError(`expected an integer, found "${token.slice(0, 20)}"`);
    return Number(token);
  }

  /** Reads one object; `num gen R` is a reference. */
  value(depth = 0): PdfValue {
    if (depth > MAX_DEPTH) throw new PdfSyntaxError('objects nested too deep');
    this.skipSpace();
    const { text } = this;
    if (this.pos >= text.length) throw new PdfSyntaxError('unexpected end of data');
    const char = text[this.pos]!;
    if (char === '/') return this.name();
    if (char === '(') return this.literalString();
    if (char === '[') {
      this.pos++;
      const items: PdfValue[] = [];
      for (;;) {
        this.skipSpace();
        if (text[this.pos] === ']') {
          this.pos++;
          return items;
        }
        items.push(this.value(depth + 1));
      }
    }
    if (char === '<') {
      if (text[this.pos + 1] !== '<') return this.hexString();
      this.pos += 2;
      const dict: PdfDict = new Map();
      for (;;) {
        this.skipSpace();
        if (text.startsWith('>>', this.pos)) {
          this.pos += 2;
          return dict;
        }
        const key = this.value(depth + 1);
        if (!(key instanceof PdfName)) throw new PdfSyntaxError('a dictionary key is not a name');
        dict.set(key.name, this.value(depth + 1));
      }
    }
    const token = this.token();
    if (token === 'true') return true;
    if (token === 'false') return false;
    if (token === 'null') return null;
    if (/^\d+$/.test(token)) {
      // `num gen R` is a reference; otherwise the integer alone.
      const after = this.pos;
      const gen = this.token();
      if (/^\d+$/.test(gen) && this.token() === 'R') return new PdfRef(Number(token), Number(gen));
      this.pos = after;
      return Number(token);
    }
    if (/^[+-]?(\d+\.?\d*|\.\d+)$/.test(token)) return Number(token);
    throw new PdfSyntaxError(`unexpected "${(token || char).slice(0, 20)}"`);
  }

  private name(): PdfName {
    this.pos++;
    const end = this.regularRunEnd(this.pos);
    const raw = this.text.slice(this.pos, end);
    this.pos = end;
    return new PdfName(
      raw.replace(/#([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
    );
  }

  private literalString(): PdfString {
    const { text } = this;
    const start = ++this.pos;
    let depth = 1;
    while (this.pos < text.length) {
      const char = text[this.pos++];
      if (char === '\\') this.pos++;
      else if (char === '(') depth++;
      else if (char === ')' && --depth === 0) return new PdfString(text.slice(start, this.pos - 1));
    }
    throw new PdfSyntaxError('unterminated string');
  }

  private hexString(): PdfString {
    const end = this.text.indexOf('>', this.pos);
    if (end < 0) throw new PdfSyntaxError('unterminated hex string');
    const value = this.text.slice(this.pos + 1, end);
    this.pos = end + 1;
    return new PdfString(value);
  }
}

/** The name a dictionary entry holds, if it is a name. */
export function nameOf(value: PdfValue | undefined): string | undefined {
  return value instanceof PdfName ? value.name : undefined;
}

export function isDict(value: PdfValue | undefined): value is PdfDict {
  return value instanceof Map;
}

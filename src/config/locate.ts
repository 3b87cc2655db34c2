// Where a key is in a TOML file. smol-toml's parsed values carry no positions, so semantic errors
// find theirs by scanning the text: headers, dotted and quoted keys, inline tables, multi-line values.
// Best effort: the text has already parsed, and a miss only costs the codeblock, never the error.
import { type KeyLocator, formatPath } from "./diagnostic.ts";
import { MAX_NESTING } from "./limits.ts";

/** 1-based line and column. */
export interface Location {
  line: number;
  column: number;
}

// Offsets, not locations: a big file has hundreds of thousands of keys, and few are ever asked for.
interface Entry {
  key: number;
  value?: number;
}

// The position of path's key (at = "key") or of its value (at = "value"); when the key is absent, the
// nearest enclosing table's header or key, e.g. [programs.web] for a missing command; null if none.
export function locateKey(source: string, path: readonly string[], at: "key" | "value" = "key"): Location | null {
  const { index, locationOf } = indexOf(source);
  for (let n = path.length; n > 0; n--) {
    const entry = index.get(pathId(path.slice(0, n)));
    if (entry) return locationOf(n === path.length && at === "value" ? (entry.value ?? entry.key) : entry.key);
  }
  return null;
}

// Keys of TOML files, found in their texts and named as TOML writes them.
export function tomlLocator(sources: ReadonlyMap<string, string>): KeyLocator {
  return (file, path, at) => ({ file, ...locateKey(sources.get(file) ?? "", path, at), path: formatPath(path) });
}

// Diagnostics locate many keys in one file: scan each text once.
let cached: { source: string; scanner: Scanner; index: Map<string, Entry> } | null = null;
function indexOf(source: string): { index: Map<string, Entry>; locationOf: (pos: number) => Location } {
  if (cached?.source !== source) {
    const scanner = new Scanner(source);
    cached = { source, scanner, index: scanner.scan() };
  }
  const { scanner, index } = cached;
  return { index, locationOf: (pos) => scanner.locationOf(pos) };
}

const pathId = (path: readonly string[]) => JSON.stringify(path);

class Scanner {
  private pos = 0;
  private readonly found = new Map<string, Entry>();
  private readonly lineStarts: number[] = [0];

  constructor(private readonly src: string) {
    for (let i = 0; i < src.length; i++) if (src[i] === "\n") this.lineStarts.push(i + 1);
  }

  scan(): Map<string, Entry> {
    let table: string[] = [];
    // in an array table, keys are also found without the index (the first element's win)
    let unindexed: string[] | null = null;
    while (this.pos < this.src.length) {
      this.skip(true);
      if (this.pos >= this.src.length) break;
      const start = this.pos;
      if (this.src[start] === "[") {
        const isArrayTable = this.src[start + 1] === "[";
        this.pos += isArrayTable ? 2 : 1;
        this.skip(false);
        const key = this.key();
        if (key) {
          table = key.map((s) => s.name);
          // [a.b.c] also defines a and a.b: an unknown `a` is found at its own segment
          key.slice(0, Math.min(key.length - 1, MAX_NESTING + 1)).forEach((s, i) => this.record(table.slice(0, i + 1), s.pos));
          this.record(table, start);
          unindexed = null;
          // [[hooks]]: the Nth header is element N, so "hooks.1.on" is found in the second one
          if (isArrayTable) {
            unindexed = table;
            table = [...table, String(this.nextIndex(table))];
            this.record(table, start);
          }
        }
      } else {
        const key = this.key();
        this.skip(false);
        if (key && this.src[this.pos] === "=") {
          this.pos++;
          this.skip(false);
          const path = this.recordKey(table, key, this.pos);
          if (unindexed) this.recordKey(unindexed, key, this.pos);
          this.value(path);
        }
      }
      this.skipLine();
    }
    return this.found;
  }

  // A key and each of its dotted prefixes, positioned at their own segment; the full key also gets its value.
  private recordKey(prefix: string[], key: { name: string; pos: number }[], valuePos: number): string[] {
    const path = [...prefix];
    for (const segment of key) {
      path.push(segment.name);
      this.record(path, segment.pos);
    }
    const entry = path.length > MAX_NESTING + 1 ? undefined : this.found.get(pathId(path));
    if (entry && entry.value === undefined) entry.value = valuePos;
    return path;
  }

  private readonly arrayLengths = new Map<string, number>();
  private nextIndex(path: readonly string[]): number {
    const n = this.arrayLengths.get(pathId(path)) ?? 0;
    this.arrayLengths.set(pathId(path), n + 1);
    return n;
  }

  private record(path: readonly string[], pos: number): void {
    // a deeper path is refused by the loader (input-bounds.ts) at this depth; recording every prefix
    // of a key 10,000 segments long would take quadratic time
    if (path.length > MAX_NESTING + 1) return;
    const id = pathId(path);
    if (!this.found.has(id)) this.found.set(id, { key: pos });
  }

  // A possibly dotted key of bare and quoted segments; null when the text here is not a key.
  private key(): { name: string; pos: number }[] | null {
    const segments: { name: string; pos: number }[] = [];
    for (;;) {
      const pos = this.pos;
      const c = this.src[pos];
      let name: string;
      if (c === '"' || c === "'") {
        const end = this.stringEnd(pos, c);
        const raw = this.src.slice(pos, end);
        name = c === "'" ? raw.slice(1, -1) : decodeBasic(raw);
        this.pos = end;
      } else {
        const match = /^[A-Za-z0-9_-]+/.exec(this.src.slice(pos, pos + 256));
        if (!match) return null;
        name = match[0];
        this.pos += name.length;
      }
      segments.push({ name, pos });
      this.skip(false);
      if (this.src[this.pos] !== ".") return segments;
      this.pos++;
      this.skip(false);
    }
  }

  // Skip one value; keys of inline tables are recorded under path (null inside arrays: no index paths).
  private value(path: string[] | null): void {
    const c = this.src[this.pos];
    if (c === '"' || c === "'") {
      this.pos = this.stringEnd(this.pos, c);
    } else if (c === "[") {
      this.pos++;
      this.list("]", () => this.value(null));
    } else if (c === "{") {
      this.pos++;
      this.list("}", () => {
        const key = this.key();
        this.skip(false);
        if (!key || this.src[this.pos] !== "=") return false;
        this.pos++;
        this.skip(false);
        const valuePos = this.pos;
        this.value(path ? this.recordKey(path, key, valuePos) : null);
        return true;
      });
    } else {
      while (this.pos < this.src.length && !",]}#\n".includes(this.src[this.pos]!)) this.pos++;
    }
  }

  // Items of an array or inline table up to `close`; gives up (without looping) on anything unexpected.
  private list(close: string, item: () => boolean | void): void {
    for (;;) {
      this.skip(true);
      if (this.pos >= this.src.length) return;
      if (this.src[this.pos] === close) return void this.pos++;
      const before = this.pos;
      if (item() === false || this.pos === before) return;
      this.skip(true);
      if (this.src[this.pos] === ",") this.pos++;
    }
  }

  // The offset just past the string starting at `start` (basic, literal, or either multi-line form).
  private stringEnd(start: number, quote: string): number {
    const triple = quote.repeat(3);
    const multi = this.src.startsWith(triple, start);
    let i = start + (multi ? 3 : 1);
    while (i < this.src.length) {
      if (quote === '"' && this.src[i] === "\\") i += 2;
      else if (multi ? this.src.startsWith(triple, i) : this.src[i] === quote) break;
      else if (!multi && this.src[i] === "\n") return i;
      else i++;
    }
    if (!multi) return Math.min(i + 1, this.src.length);
    i += 3;
    // a multi-line string may end with up to two extra quotes: """a""""" is the text a""
    for (let extra = 0; extra < 2 && this.src[i] === quote; extra++) i++;
    return Math.min(i, this.src.length);
  }

  // Whitespace and, when newlines too, comments.
  private skip(newlines: boolean): void {
    for (;;) {
      const c = this.src[this.pos];
      if (c === " " || c === "\t" || c === "\r" || (newlines && c === "\n")) this.pos++;
      else if (newlines && c === "#") this.skipLine();
      else return;
    }
  }

  private skipLine(): void {
    const end = this.src.indexOf("\n", this.pos);
    this.pos = end < 0 ? this.src.length : end;
  }

  locationOf(pos: number): Location {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: pos - this.lineStarts[lo]! + 1 };
  }
}

// A quoted key's name; its escapes are JSON's for every key a config would use.
function decodeBasic(raw: string): string {
  try {
    return JSON.parse(raw) as string;
  } catch {
    return raw.slice(1, -1);
  }
}

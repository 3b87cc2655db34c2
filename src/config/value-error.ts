// The error a value converter throws: resolve.ts adds the file, key path and location, then goes on.

// A bad value: message says what was expected and echoes what was found; path goes below the key.
export class ValueError extends Error {
  /** Keys below the converted key, e.g. ["PORT"] for a bad environment entry. */
  readonly path: string[];
  /** One line telling the user how to fix it. */
  readonly hint: string | undefined;

  constructor(message: string, options: { hint?: string; path?: string[] } = {}) {
    super(message);
    this.name = "ValueError";
    this.path = options.path ?? [];
    this.hint = options.hint;
  }
}

/** Several bad values at once, e.g. the bad elements of one array, each with its own path; reported one by one. */
export class ValueErrors extends ValueError {
  constructor(readonly errors: readonly ValueError[]) {
    super(errors.map((e) => e.message).join("; "));
    this.name = "ValueErrors";
  }
}

// Check each element of an array on its own: every bad one is reported (path: its index), not only the first.
export function eachElement<T, R>(list: readonly T[], check: (item: T, index: number) => R): R[] {
  const errors: ValueError[] = [];
  const indexes: number[] = [];
  const results: R[] = [];
  list.forEach((item, index) => {
    try {
      results.push(check(item, index));
    } catch (error) {
      if (!(error instanceof ValueError)) throw error;
      errors.push(error);
      indexes.push(index);
    }
  });
  // one bad element: its message as it is; several: each says which element it is (all point at the value)
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) {
    throw new ValueErrors(errors.map((e, i) => new ValueError(`element ${indexes[i]! + 1}: ${e.message}`, { path: e.path, ...(e.hint ? { hint: e.hint } : {}) })));
  }
  return results;
}

/** Characters of a value echoed in a message; more is cut to "...". */
const SHOWN = 80;

// Echo a parsed TOML value the way it was written, so messages quote the user's own text.
export function show(value: unknown): string {
  const text = showValue(value);
  return text.length > SHOWN ? `${text.slice(0, SHOWN - 3)}...` : text;
}

// Never longer than needed for SHOWN characters, however long or deep the value: a 5 MB string or a
// table nested thousands deep costs what a short one does.
function showValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > SHOWN ? value.slice(0, SHOWN) : value);
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "nan";
    if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
    return String(value);
  }
  if (typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (Array.isArray(value)) return `[${showItems(value, showValue)}]`;
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === "object") {
    const entries = showItems(Object.entries(value), ([k, v]) => `${k} = ${showValue(v)}`);
    return entries === "" ? "{}" : `{ ${entries} }`;
  }
  return String(value);
}

// Items joined with ", ", stopping once the text is past what show() keeps.
function showItems<T>(items: Iterable<T>, render: (item: T) => string): string {
  let text = "";
  for (const item of items) {
    if (text.length > SHOWN) return `${text}, ...`;
    text += (text === "" ? "" : ", ") + render(item).slice(0, SHOWN + 1);
  }
  return text;
}

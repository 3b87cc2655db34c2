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

// Echo a parsed TOML value the way it was written, so messages quote the user's own text.
export function show(value: unknown): string {
  const text = showValue(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function showValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "nan";
    if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
    return String(value);
  }
  if (typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (Array.isArray(value)) return `[${value.map(showValue).join(", ")}]`;
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).map(([k, v]) => `${k} = ${showValue(v)}`);
    return entries.length === 0 ? "{}" : `{ ${entries.join(", ")} }`;
  }
  return String(value);
}

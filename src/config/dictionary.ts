// Records keyed by names a config chooses (programs, event listeners, environment variables). They
// have no prototype: on a plain object `x["__proto__"] = v` changes the object's prototype instead
// of adding an entry, and `x["constructor"]` finds Object.prototype's, so a program or variable of
// that name would vanish or shadow something. Without a prototype every name means only itself.

/** A record whose keys are names from the config; `Object.keys`, `Object.entries` and JSON see only its entries. */
export function dictionary<T>(entries: Iterable<readonly [string, T]> = []): Record<string, T> {
  const record = Object.create(null) as Record<string, T>;
  for (const [key, value] of entries) record[key] = value;
  return record;
}

// supervisord's expansions: Python's `value % expansions` with a mapping, as options.py applies it
// to a value: %(NAME)s and %(NAME)d with printf's flags, width and precision (%(process_num)02d),
// and %% for a literal %. The names each key may use are decided by the caller (keys.ts), as
// supervisord decides them key by key. One pass over the text; the result is bounded.
import { ValueError, show } from "../value-error.ts";

/** A name's value: text (ENV_X, here, program_name ...) or a number (process_num, numprocs). */
export type ExpansionValue = string | number;

/** The names a value may use. */
export interface ExpansionNames {
  get(name: string): ExpansionValue | undefined;
  keys(): Iterable<string>;
}

/** Names in layers, the last one first: shared ones (the environment) are never copied per key. */
export class LayeredNames implements ExpansionNames {
  private readonly layers: ReadonlyMap<string, ExpansionValue>[];
  constructor(...layers: ReadonlyMap<string, ExpansionValue>[]) {
    this.layers = layers;
  }
  get(name: string): ExpansionValue | undefined {
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const value = this.layers[i]!.get(name);
      if (value !== undefined) return value;
    }
    return undefined;
  }
  *keys(): Iterable<string> {
    for (const layer of this.layers) yield* layer.keys();
  }
  with(layer: ReadonlyMap<string, ExpansionValue>): LayeredNames {
    return new LayeredNames(...this.layers, layer);
  }
}

/** Thrown in template mode for a %(process_num) tsvisor's {num} cannot write (a width of spaces, say). */
export class NotATemplate extends Error {}

/** Characters one expanded value may grow to: an environment variable repeated can multiply a short value. */
export const MAX_EXPANDED_CHARS = 1024 * 1024;

// %(name) then flags, width, precision and the conversion, as Python's printf-style formatting reads them
const SPEC = /^([-#0 +]*)(\d*)(?:\.(\d*))?[hlL]?([a-zA-Z%])/;

// Expand every %(...) in `text` with `names`; throws a ValueError that says which name is missing and
// which are available, or what is malformed. `key` names the key in messages. With `template`, the
// name it gives becomes tsvisor's {num} ({num:0N} for a width of zeros) instead of its value.
export function expandPercent(text: string, names: ExpansionNames, key: string, template?: string): string {
  let out = "";
  let i = 0;
  for (let at = text.indexOf("%"); at >= 0; at = text.indexOf("%", i)) {
    out += text.slice(i, at);
    if (text[at + 1] === "%") {
      out += "%";
      i = at + 2;
    } else {
      const { value, end } = expandOne(text, at, names, key, template);
      out += value;
      i = end;
    }
    if (out.length > MAX_EXPANDED_CHARS) throw new ValueError(`${key} expands to more than ${MAX_EXPANDED_CHARS} characters`, { hint: "check the %(ENV_...)s it names" });
  }
  return out + text.slice(i);
}

// One %(name)spec at `at` -> its text and where the text after it starts.
function expandOne(text: string, at: number, names: ExpansionNames, key: string, template: string | undefined): { value: string; end: number } {
  if (text[at + 1] !== "(") {
    const what = at + 1 >= text.length ? "a lone \"%\" at the end" : `"%${text[at + 1]}" without a (name)`;
    throw new ValueError(`${what} in ${show(text)}; write %% for a literal %, or %(NAME)s`, { hint: 'supervisord reads % as the start of an expansion such as %(ENV_HOME)s or %(program_name)s' });
  }
  // Python matches the parentheses, so a name may hold balanced ones
  let depth = 1;
  let close = at + 2;
  for (; close < text.length && depth > 0; close++) {
    if (text[close] === "(") depth++;
    else if (text[close] === ")") depth--;
  }
  if (depth > 0) throw new ValueError(`unclosed "%(" in ${show(text)}`, { hint: "write %(NAME)s, or %% for a literal %" });
  const name = text.slice(at + 2, close - 1);
  const spec = SPEC.exec(text.slice(close, close + 40));
  if (spec === null) throw new ValueError(`"%(${name})" has no conversion in ${show(text)}; write %(${name})s`);
  const [whole, flags, width, precision, conversion] = spec as unknown as [string, string, string, string | undefined, string];
  if (Number(width || 0) > MAX_EXPANDED_CHARS || Number(precision || 0) > MAX_EXPANDED_CHARS) throw new ValueError(`the width in "%(${name})${whole}" is more than ${MAX_EXPANDED_CHARS}`);
  const value = names.get(name);
  if (value === undefined) {
    const available = [...names.keys()].filter((n) => !n.startsWith("ENV_")).sort();
    const why = name.startsWith("ENV_") ? `${name.slice(4)} is not in tsvisor's environment (nor in an environment the key may use)` : `${show(name)} is not a name ${key} may use`;
    throw new ValueError(`%(${name})${conversion} in ${key}: ${why}; available: ${[...available, "ENV_*"].join(" ")}`, {
      hint: name.startsWith("ENV_") ? `export ${name.slice(4)} before starting tsvisor` : undefined,
    });
  }
  const end = close + whole.length;
  if (name !== template) return { value: convert(value, flags, width, precision, conversion, name), end };
  if (precision === undefined && /^[dius]$/.test(conversion) && (width === "" || (flags === "0" && conversion !== "s" && Number(width) >= 1 && Number(width) <= 9))) {
    return { value: width === "" ? "{num}" : `{num:0${Number(width)}}`, end };
  }
  throw new NotATemplate(`%(${name})${whole}`);
}

// Python's %s and %d (and %i, %u) on a string or an integer.
function convert(value: ExpansionValue, flags: string, width: string, precision: string | undefined, conversion: string, name: string): string {
  let body: string;
  if (conversion === "s") {
    body = String(value);
    if (precision !== undefined) body = body.slice(0, Number(precision || 0));
  } else if (conversion === "d" || conversion === "i" || conversion === "u") {
    if (typeof value !== "number") throw new ValueError(`%(${name})${conversion} needs a number, and ${name} is text; write %(${name})s`);
    const digits = String(Math.abs(value)).padStart(precision === undefined ? 0 : Number(precision || 0), "0");
    const sign = value < 0 ? "-" : flags.includes("+") ? "+" : flags.includes(" ") ? " " : "";
    const size = Number(width || 0);
    if (flags.includes("0") && !flags.includes("-") && precision === undefined) return sign + digits.padStart(size - sign.length, "0");
    body = sign + digits;
  } else {
    throw new ValueError(`%(${name})${conversion} is not supported; tsvisor expands %(NAME)s and %(NAME)d (with a width such as %(NAME)02d)`);
  }
  const size = Number(width || 0);
  return flags.includes("-") ? body.padEnd(size) : body.padStart(size);
}

// One converter per kind of config value, like supervisord's datatypes.py: each takes what smol-toml
// parsed and returns the resolved value or throws a ValueError that echoes the bad value.
import { FORWARDABLE_SIGNALS, STOP_SIGNALS, isForwardableUnnamed, normalizeSignalName } from "../os/signals.ts";
import { MAX_ID, isValidId } from "../os/users.ts";
import { dictionary } from "./dictionary.ts";
import { MAX_ARG_BYTES, MAX_DURATION_SECONDS, MAX_SIZE_BYTES } from "./limits.ts";
import type { Autorestart } from "./schema.ts";
import { splitCommand } from "./split-command.ts";
import { didYouMean } from "./suggest.ts";
import { ValueError, eachElement, show } from "./value-error.ts";

const DURATION_UNITS = new Map([["ms", 0.001], ["s", 1], ["m", 60], ["h", 3600]]);
const DURATION = /^(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h)$/;

// Seconds as a number (10, 0.5) or a string with a unit ("500ms", "10s", "5m", "1h") -> seconds, at
// most MAX_DURATION_SECONDS (100 years).
export function duration(value: unknown): number {
  const match = typeof value === "string" ? DURATION.exec(value.trim()) : null;
  const seconds = typeof value === "number" ? value : match ? Number(match[1]) * DURATION_UNITS.get(match[2]!)! : NaN;
  if (!(Number.isFinite(seconds) && seconds >= 0)) {
    throw new ValueError(`expected seconds (a number >= 0) or a duration like "500ms", "10s", "5m", "1h"; got ${show(value)}`);
  }
  if (seconds > MAX_DURATION_SECONDS) {
    throw new ValueError(`duration ${show(value)} is too long: at most ${MAX_DURATION_SECONDS} seconds (100 years)`, {
      hint: "leave the key out where that means no limit",
    });
  }
  return seconds;
}

// supervisord's multipliers: "50MB" is 50 * 1024 * 1024 bytes (datatypes.byte_size). KiB/MiB/GiB say
// the same explicitly; there is no decimal (1000-based) unit, so a supervisord config means the same here.
// A Map: the unit is user text, and "5constructor" must not find Object.prototype.constructor.
const SIZE_UNITS = new Map([["b", 1], ["kb", 1024], ["mb", 1024 ** 2], ["gb", 1024 ** 3], ["kib", 1024], ["mib", 1024 ** 2], ["gib", 1024 ** 3]]);
const SIZE = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/i;

// Bytes as an integer (1048576) or a string with a unit ("500KB", "50MB", "1GiB"; 1024-based) -> bytes,
// at most MAX_SIZE_BYTES.
export function size(value: unknown): number {
  const match = typeof value === "string" ? SIZE.exec(value.trim()) : null;
  const unit = match ? SIZE_UNITS.get(match[2]!.toLowerCase()) : undefined;
  const bytes = typeof value === "number" && Number.isInteger(value) ? value : match && unit !== undefined ? Math.floor(Number(match[1]) * unit) : NaN;
  if (!(bytes >= 0)) {
    throw new ValueError(`expected bytes (an integer >= 0) or a size like "500KB", "50MB", "1GB" (1024-based, as supervisord); got ${show(value)}`);
  }
  if (bytes > MAX_SIZE_BYTES) throw new ValueError(`size ${show(value)} is too large: at most ${MAX_SIZE_BYTES} bytes (8 PiB)`);
  return bytes;
}

// An integer within [min, max]; TOML floats such as 1.0 are integers too.
export function integer(value: unknown, min: number = Number.MIN_SAFE_INTEGER, max: number = Number.MAX_SAFE_INTEGER): number {
  if (typeof value === "number" && Number.isInteger(value) && value >= min && value <= max) return value;
  const range =
    max !== Number.MAX_SAFE_INTEGER ? ` from ${min} to ${max}` : min !== Number.MIN_SAFE_INTEGER ? ` >= ${min}` : "";
  throw new ValueError(`expected an integer${range}; got ${show(value)}`);
}

// true or false, unquoted: "true" in quotes is a string, and saying so saves a puzzled user a minute.
export function boolean(value: unknown): boolean {
  if (typeof value === "boolean") return value;
  const quoted = value === "true" || value === "false" ? " (write it without quotes)" : "";
  throw new ValueError(`expected true or false; got ${show(value)}${quoted}`);
}

// true | false | "unexpected" (supervisord's values).
export function autorestart(value: unknown): Autorestart {
  if (typeof value === "boolean" || value === "unexpected") return value;
  const hint = typeof value === "string" ? didYouMean(value, ["unexpected", "true", "false"]) : "";
  throw new ValueError(`expected true, false or "unexpected"; got ${show(value)}${hint}`);
}

// Exit codes 0..255, as an array or a single integer: [0, 2] or 0.
export function exitcodes(value: unknown): number[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.every((c) => typeof c === "number" && Number.isInteger(c) && c >= 0 && c <= 255)) return [...list] as number[];
  throw new ValueError(`expected exit codes from 0 to 255, e.g. [0, 2]; got ${show(value)}`);
}

// A stop signal: "TERM", "SIGTERM" or "term" -> "TERM"; only supervisord's stop signals are allowed.
export function signal(value: unknown): string {
  const allowed = `allowed: ${STOP_SIGNALS.join(" ")}`;
  if (typeof value !== "string") throw new ValueError(`expected a signal name; ${allowed}; got ${show(value)}`);
  const name = normalizeSignalName(value);
  if (name !== null && (STOP_SIGNALS as readonly string[]).includes(name)) return name;
  const bare = value.trim().toUpperCase().replace(/^SIG/, "");
  const what = name === null ? "unknown signal" : "signal not allowed as a stop signal:";
  throw new ValueError(`${what} ${show(value)}; ${allowed}${didYouMean(bare, STOP_SIGNALS)}`);
}

// The signals run mode acts on itself (TERM INT QUIT: shut down; HUP: reload; USR2: reopen logs) are
// not forwardable; CHLD, KILL and STOP are not in FORWARDABLE_SIGNALS at all.
const OWN_SIGNALS = ["TERM", "INT", "QUIT", "HUP", "USR2"];
/** What `[supervisor] forward_signals` may list. */
export const FORWARD_SIGNALS: readonly string[] = FORWARDABLE_SIGNALS.filter((s) => !OWN_SIGNALS.includes(s));

// ["USR1", "SIGWINCH"] -> ["USR1", "WINCH"]: signals tsvisor passes on to its programs, each once.
export function forwardSignals(value: unknown): string[] {
  const allowed = `allowed: ${FORWARD_SIGNALS.join(" ")} STKFLT RTMIN RTMIN+N RTMAX-N RTMAX`;
  if (!Array.isArray(value)) throw new ValueError(`expected an array of signal names, e.g. ["USR1", "WINCH"]; ${allowed}; got ${show(value)}`);
  // every bad element is reported, not only the first (README: every error at once)
  const checked = eachElement(value as unknown[], (item) => {
    const name = typeof item === "string" ? normalizeSignalName(item) : null;
    if (name !== null && (FORWARD_SIGNALS.includes(name) || isForwardableUnnamed(name))) return name;
    const bare = typeof item === "string" ? item.trim().toUpperCase().replace(/^SIG/, "") : "";
    const why = name === null ? "unknown signal" : OWN_SIGNALS.includes(name) ? "tsvisor handles this signal itself, it cannot be forwarded:" : "signal cannot be forwarded:";
    throw new ValueError(`${why} ${show(item)}; ${allowed}${name === null ? didYouMean(bare, FORWARD_SIGNALS) : ""}`);
  });
  return [...new Set(checked)];
}

// An octal string ("022", "0o022") or an integer (18, 0o022) -> the mode mask as a number.
export function umask(value: unknown): number {
  if (typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 0o777) return value;
  const match = typeof value === "string" ? /^(?:0o)?([0-7]{1,4})$/.exec(value.trim()) : null;
  if (match && parseInt(match[1]!, 8) <= 0o777) return parseInt(match[1]!, 8);
  throw new ValueError(`expected an octal umask like "022" or "0o022", or an integer from 0 to 0o777; got ${show(value)}`);
}

// A file mode: an octal string ("0660", "660", "0o660") or an integer (432, 0o660) -> the mode bits.
export function fileMode(value: unknown): number {
  if (typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 0o777) return value;
  const match = typeof value === "string" ? /^(?:0o)?([0-7]{1,4})$/.exec(value.trim()) : null;
  if (match && parseInt(match[1]!, 8) <= 0o777) return parseInt(match[1]!, 8);
  throw new ValueError(`expected an octal file mode like "0600" or "0660", or an integer from 0 to 0o777; got ${show(value)}`);
}

const OWNER_PART = /^[A-Za-z0-9_.][A-Za-z0-9_.-]*\$?$/;

// chown's "user" or "user:group" (names or numeric ids, 0 to 4294967294) -> as written; whether they
// exist is checked when the socket is created.
export function owner(value: unknown): string {
  if (typeof value === "string") {
    const parts = value.trim().split(":");
    const outOfRange = parts.find((part) => /^\d+$/.test(part) && !isValidId(Number(part)));
    if (outOfRange !== undefined) throw new ValueError(`id ${outOfRange} in ${show(value)} is out of range: uids and gids go from 0 to ${MAX_ID}`);
    if (parts.length <= 2 && parts.every((part) => OWNER_PART.test(part))) return value.trim();
  }
  throw new ValueError(`expected "user" or "user:group" (names or numeric ids); got ${show(value)}`);
}

// argv: an array is taken as is (exec'd without a shell); a string is split like a shell would.
export function command(value: unknown): string[] {
  const argv = typeof value === "string" ? splitCommand(value)
    : Array.isArray(value) && value.length > 0 && value.every((a) => typeof a === "string" && a !== "") ? [...value] as string[]
    : null;
  if (argv === null) throw new ValueError(`expected a command string or a non-empty array of non-empty strings; got ${show(value)}`);
  const long = argv.findIndex((arg) => Buffer.byteLength(arg) > MAX_ARG_BYTES);
  if (long >= 0) throw new ValueError(`argument ${long} is ${Buffer.byteLength(argv[long]!)} bytes long: ${EXEC_LIMIT}`);
  return argv;
}

const EXEC_LIMIT = `exec takes at most ${MAX_ARG_BYTES} bytes per argument or variable (Linux's MAX_ARG_STRLEN)`;

// NAME and its value (after ${VAR} expansion) as the program will get them: exec refuses a longer entry.
export function checkEnvEntry(name: string, value: string): void {
  const bytes = Buffer.byteLength(name) + 1 + Buffer.byteLength(value);
  if (bytes > MAX_ARG_BYTES) throw new ValueError(`${name}=… is ${bytes} bytes long: ${EXEC_LIMIT}`);
}

// "127.0.0.1:5432", "localhost:6379", "[::1]:5432" -> host (brackets removed) and port; `lowestPort`
// 0 lets a server ask the kernel for a free port.
export function hostPort(value: unknown, lowestPort = 1): { host: string; port: number } {
  const match = typeof value === "string" ? /^(?:\[([^\]]+)\]|([^:\s\[\]]+)):(\d+)$/.exec(value.trim()) : null;
  const port = match ? Number(match[3]) : -1;
  if (match && port >= lowestPort && port <= 65535) return { host: match[1] ?? match[2]!, port };
  throw new ValueError(`expected "HOST:PORT" with a port from ${lowestPort} to 65535, e.g. "127.0.0.1:5432"; got ${show(value)}`);
}

// { host: "::1", port: 5432 } -> "[::1]:5432": hostPort()'s inverse, for messages and `config show`.
export function formatHostPort(host: string, port: number): string {
  return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}

// A non-empty string, e.g. a path or a user name.
export function text(value: unknown): string {
  if (typeof value === "string" && value.trim() !== "") return value;
  throw new ValueError(`expected a non-empty string; got ${show(value)}`);
}

// `user`: a name, or a numeric uid written as a number or a string -> the string as written. A uid
// must be one the kernel can switch to: 0 to 4294967294.
export function user(value: unknown): string {
  const written = typeof value === "string" ? value.trim() : value;
  const uid = typeof written === "number" && Number.isInteger(written) && written >= 0 ? written
    : typeof written === "string" && /^\d+$/.test(written) ? Number(written) : null;
  if (uid !== null && !isValidId(uid)) throw new ValueError(`uid ${show(value)} is out of range: uids go from 0 to ${MAX_ID}`);
  if (uid !== null || (typeof written === "string" && written !== "")) return String(written);
  throw new ValueError(`expected a user name or a numeric uid; got ${show(value)}`);
}

// A TOML table (not an array, not a date) -> its entries.
export function table(value: unknown): Record<string, unknown> {
  if (value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof Date)) {
    return value as Record<string, unknown>;
  }
  throw new ValueError(`expected a table; got ${show(value)}`);
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

// An environment variable name as a POSIX shell accepts it.
export function envName(name: string): string {
  if (ENV_NAME.test(name)) return name;
  throw new ValueError(`invalid variable name ${show(name)}: expected letters, digits and "_", not starting with a digit`);
}

// An environment value: strings as they are, numbers and booleans as text (PORT = 8080 is "8080").
export function envValue(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "boolean") return String(value);
  throw new ValueError(`expected a string, number or boolean; got ${show(value)}`);
}

// A table of NAME = value -> strings, before ${VAR} expansion; stops at the first bad entry
// (resolve.ts walks the entries itself to report them all).
export function environment(value: unknown): Record<string, string> {
  const result = dictionary<string>();
  for (const [name, raw] of Object.entries(table(value))) {
    try {
      result[envName(name)] = envValue(raw);
    } catch (error) {
      if (error instanceof ValueError) throw new ValueError(error.message, { path: [name] });
      throw error;
    }
  }
  return result;
}

// stdout_logfile / stderr_logfile: "auto", "none" (any case, as supervisord's AUTO and NONE) or a path
// that may name the instance with process_name's placeholders; resolve.ts makes the path absolute.
export function logfile(value: unknown): string {
  const path = text(value).trim();
  const word = path.toLowerCase();
  if (word === "auto" || word === "none") return word;
  checkPlaceholders(path);
  return path;
}

const PLACEHOLDERS = ["{name}", "{num}", "{num:02}"];
const NAME_CHARS = /^[A-Za-z0-9_.-]*$/;

// An instance name template: {name}, {num} and {num:0N} (zero-padded to N digits) around name characters.
export function processName(value: unknown): string {
  if (typeof value !== "string" || value === "") {
    throw new ValueError(`expected a name template like "{name}-{num}"; got ${show(value)}`);
  }
  if (value.includes("%(")) {
    // supervisord's template, written where tsvisor's is expected: show it in tsvisor's form
    const tsvisor = value.replaceAll(/%\(program_name\)s/g, "{name}").replaceAll(/%\(process_num\)0?(\d?)d/g, (_, w: string) => (w === "" ? "{num}" : `{num:0${w}}`));
    throw new ValueError(`${show(value)} is supervisord's %(...) form; tsvisor's templates are {name}, {num} and {num:0N}`, {
      hint: tsvisor.includes("%(") ? 'write it with {name} and {num}, e.g. "{name}_{num:02}"' : `write process_name = ${show(tsvisor)} (or run the supervisord.conf itself: tsvisor reads that format)`,
    });
  }
  for (const part of checkPlaceholders(value)) {
    const isPlaceholder = part.startsWith("{") && part.endsWith("}");
    if (!isPlaceholder && !NAME_CHARS.test(part)) {
      throw new ValueError(`expected letters, digits, "_", "." and "-" around the placeholders; got ${show(value)}`);
    }
  }
  return value;
}

// Throw on any {...} that is not {name}, {num} or {num:0N}; returns the text split around them.
function checkPlaceholders(value: string): string[] {
  const parts = value.split(/(\{[^{}]*\})/);
  for (const part of parts) {
    if (part.startsWith("{") && part.endsWith("}") && !/^\{(name|num|num:0[1-9])\}$/.test(part)) {
      throw new ValueError(
        `unknown placeholder ${show(part)} in ${show(value)}; allowed: {name} {num} {num:0N}${didYouMean(part, PLACEHOLDERS)}`,
      );
    }
  }
  return parts;
}

// Fill a process_name template: ("{name}-{num:02}", "web", 3) -> "web-03".
export function expandProcessName(template: string, name: string, num: number): string {
  return template.replace(/\{(name|num)(?::0(\d))?\}/g, (_, key: string, width?: string) =>
    key === "name" ? name : String(num).padStart(Number(width ?? 0), "0"),
  );
}

// supervisord's value syntax (its datatypes.py): text as written in supervisord.conf -> the values
// the TOML reader would have parsed, so resolve.ts's converters check both formats alike. Each
// accepts what supervisord accepts and throws a ValueError that echoes the text otherwise.
import { homedir } from "node:os";
import { signalName } from "../../os/signals.ts";
import type { Autorestart } from "../schema.ts";
import { ValueError, show } from "../value-error.ts";
import { shlexTokens } from "./shlex.ts";

const TRUTHY = ["yes", "true", "on", "1"];
const FALSY = ["no", "false", "off", "0"];
const BOOLEAN_WORDS = "true/false, yes/no, on/off or 1/0";

// datatypes.boolean: true/false, yes/no, on/off, 1/0 in any case.
export function iniBoolean(text: string): boolean {
  const word = text.toLowerCase();
  if (TRUTHY.includes(word)) return true;
  if (FALSY.includes(word)) return false;
  throw new ValueError(`expected ${BOOLEAN_WORDS}; got ${show(text)}`);
}

// Python's int(): digits with an optional sign, "_" between digits, spaces around.
export function iniInteger(text: string): number {
  const trimmed = text.trim();
  if (/^[+-]?\d+(?:_\d+)*$/.test(trimmed)) return Number(trimmed.replaceAll("_", ""));
  throw new ValueError(`expected an integer; got ${show(text)}`);
}

const SIZE_SUFFIXES = new Map([["kb", 1024], ["mb", 1024 ** 2], ["gb", 1024 ** 3]]);

// datatypes.byte_size: an integer, or one followed by KB, MB or GB (1024-based, any case): "50MB".
export function iniByteSize(text: string): number {
  const lower = text.toLowerCase();
  const factor = SIZE_SUFFIXES.get(lower.slice(-2));
  try {
    return factor === undefined ? iniInteger(lower) : iniInteger(lower.slice(0, -2)) * factor;
  } catch {
    throw new ValueError(`expected bytes, or a size like "50MB", "500KB", "1GB"; got ${show(text)}`);
  }
}

// datatypes.list_of_exitcodes: "0,2" -> [0, 2]; each checked by resolve.ts (0 to 255).
export function iniExitcodes(text: string): number[] {
  if (text === "") return [];
  try {
    return text.split(",").map(iniInteger);
  } catch {
    throw new ValueError(`expected exit codes separated by commas, e.g. "0,2"; got ${show(text)}`);
  }
}

// datatypes.auto_restart: true/false words, or "unexpected".
export function iniAutorestart(text: string): Autorestart {
  const word = text.toLowerCase();
  if (word === "unexpected") return word;
  if (TRUTHY.includes(word)) return true;
  if (FALSY.includes(word)) return false;
  throw new ValueError(`expected unexpected, or ${BOOLEAN_WORDS}; got ${show(text)}`);
}

// datatypes.signal_number: a name ("TERM", "SIGTERM") or a number ("15") -> the name resolve.ts checks.
export function iniSignal(text: string): string {
  const trimmed = text.trim();
  return /^\d+$/.test(trimmed) ? signalName(Number(trimmed)) : trimmed;
}

// datatypes.octal_type: "022", "0o22", "22" -> the number, checked by resolve.ts.
export function iniOctal(text: string): number {
  const match = /^[+]?(?:0o)?([0-7]+(?:_[0-7]+)*)$/i.exec(text.trim());
  if (match) return parseInt(match[1]!.replaceAll("_", ""), 8);
  throw new ValueError(`expected an octal number like 022 or 0700; got ${show(text)}`);
}

// datatypes.list_of_strings: "a, b" -> ["a", "b"]; "" -> [].
export function iniList(text: string): string[] {
  return text === "" ? [] : text.split(",").map((s) => s.trim());
}

// datatypes.dict_of_key_value_pairs: KEY="value",KEY2=value2 read with Python's shlex (so quotes keep
// commas and spaces in a value, and are removed from its ends).
export function iniKeyValuePairs(text: string): Record<string, string> {
  const tokens = shlexTokens(text, "/.+-():");
  const pairs: Record<string, string> = Object.create(null);
  for (let i = 0; i < tokens.length; i += 4) {
    if (i + 2 >= tokens.length || tokens[i + 1] !== "=") {
      throw new ValueError(`expected KEY="value" pairs separated by commas; the pairs end unexpectedly at ${show(tokens.slice(i, i + 3).join(" "))} in ${show(text)}`, {
        hint: 'quote a value that holds characters other than letters, digits and / . + - ( ) : _, e.g. URL="https://a@b"',
      });
    }
    pairs[tokens[i]!] = stripQuotes(tokens[i + 2]!);
  }
  return pairs;
}

// Python's str.strip('\'"'): every quote character at either end.
const stripQuotes = (text: string) => text.replace(/^['"]+/, "").replace(/['"]+$/, "");

/** A log file setting: AUTO, NONE (or OFF), the deprecated "syslog", or a path. */
export type IniLogfile = { kind: "auto" } | { kind: "none" } | { kind: "syslog" } | { kind: "path"; path: string };

// datatypes.logfile_name: the words in any case, else a path ("~" is the home directory, as os.path.expanduser).
export function iniLogfile(text: string, env: Record<string, string | undefined>): IniLogfile {
  const word = text.toLowerCase();
  if (word === "none" || word === "off") return { kind: "none" };
  if (word === "auto") return { kind: "auto" };
  if (word === "syslog") return { kind: "syslog" };
  return { kind: "path", path: expandUser(text, env) };
}

// os.path.expanduser for "~" and "~/...": $HOME, else the password database's home.
export function expandUser(path: string, env: Record<string, string | undefined>): string {
  if (path !== "~" && !path.startsWith("~/")) return path;
  return (env.HOME || homedir()) + path.slice(1);
}

// datatypes.inet_address: "HOST:PORT", "*:PORT", ":PORT" or "PORT" (all interfaces) -> the [http] listen address.
export function iniInetAddress(text: string): string {
  const colon = text.lastIndexOf(":");
  const host = colon < 0 ? "" : text.slice(0, colon).toLowerCase();
  const port = colon < 0 ? text : text.slice(colon + 1);
  if (!/^\d{1,5}$/.test(port.trim()) || Number(port) < 1 || Number(port) > 65535) {
    throw new ValueError(`expected "HOST:PORT", "*:PORT" or "PORT" with a port from 1 to 65535; got ${show(text)}`);
  }
  return `${host === "" || host === "*" ? "0.0.0.0" : host}:${Number(port)}`;
}

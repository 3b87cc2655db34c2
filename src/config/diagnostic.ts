// One shape for every config error, parse or validation: file:line:col: key.path: message, then the
// line with a caret under the column (smol-toml's codeblock), so all errors read and grep alike.
import { relative } from "node:path";
import { TsvisorError } from "../errors.ts";

/** One problem in a config file. */
export interface Diagnostic {
  /** Absolute path of the file the problem is in. */
  file: string;
  line?: number;
  column?: number;
  /** Key path as written in TOML, e.g. "programs.web.stopsignal"; "" for the file as a whole. */
  path: string;
  message: string;
  /** One line telling the user how to fix it. */
  hint?: string;
}

// ["programs", "web.v2", "command"] -> programs."web.v2".command (quoted where TOML would need quotes).
export function formatPath(path: readonly string[]): string {
  return path.map((key) => (/^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key))).join(".");
}

// The name to show for a file: relative to cwd when that is shorter, so messages stay readable.
export function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel !== "" && rel.length < file.length ? rel : file;
}

// Every diagnostic, sorted by file then line, each with its source line and a caret when located.
export function formatDiagnostics(diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, string>, cwd: string): string {
  const sorted = [...diagnostics].sort(
    (a, b) => compare(a.file, b.file) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
  );
  return sorted.map((d) => formatOne(d, sources.get(d.file), cwd)).join("\n");
}

function formatOne(d: Diagnostic, source: string | undefined, cwd: string): string {
  const where = [displayPath(d.file, cwd), d.line, d.line === undefined ? undefined : d.column]
    .filter((part) => part !== undefined)
    .join(":");
  const lines = [`${where}: ${d.path === "" ? "" : `${d.path}: `}${d.message}`];
  const text = d.line === undefined ? undefined : source?.split(/\r?\n/)[d.line - 1];
  if (d.line !== undefined && text !== undefined) {
    const gutter = String(d.line).padStart(5);
    lines.push(`${gutter} | ${text}`);
    if (d.column !== undefined) lines.push(`${" ".repeat(gutter.length)} | ${" ".repeat(d.column - 1)}^`);
  }
  if (d.hint) lines.push(`${" ".repeat(6)}= hint: ${d.hint}`);
  return lines.join("\n");
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

// A config that does not resolve: the message is every diagnostic, formatted, and a count when many.
export class ConfigError extends TsvisorError {
  constructor(
    readonly diagnostics: readonly Diagnostic[],
    sources: ReadonlyMap<string, string>,
    cwd: string,
  ) {
    const count = diagnostics.length > 1 ? `\n${diagnostics.length} errors in config` : "";
    super("CONFIG_INVALID", formatDiagnostics(diagnostics, sources, cwd) + count);
    this.name = "ConfigError";
  }
}

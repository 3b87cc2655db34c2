// Read the main config file and, depth first, every file it includes: parse each with smol-toml and
// keep its text, so later errors can point into it. Problems become diagnostics, all collected. The
// files together are bounded (limits.ts): what the loader reads, parses and echoes stays small.
import { existsSync, realpathSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, sep } from "node:path";
import { TomlError, parse } from "smol-toml";
import { type Diagnostic, formatPath } from "./diagnostic.ts";
import { decodeConfigText, findUnsafeValues } from "./input-bounds.ts";
import { MAX_CONFIG_BYTES, MAX_CONFIG_FILES } from "./limits.ts";
import { locateKey } from "./locate.ts";
import { untrustedIncludeMessage, untrustedIncludeProblem } from "./include-trust.ts";
import { readBounded } from "./read-bounded.ts";
import { show } from "./value-error.ts";

/** One parsed config file. */
export interface SourceFile {
  /** Absolute path. */
  path: string;
  text: string;
  table: Record<string, unknown>;
}

/** What reading found: the files that parsed, every text read, and every problem. */
export interface ReadResult {
  /** Parsed files in merge order: the main file, then each include after the file that names it. */
  files: SourceFile[];
  /** Text of every file read (also those that failed to parse), for codeblocks. */
  sources: Map<string, string>;
  diagnostics: Diagnostic[];
}

const GLOB_CHARS = /[*?[\]{}]/;

// `include = "conf.d/*.toml"` or an array of such: paths and globs relative to the including file,
// matches sorted. A missing literal path is an error, a glob matching nothing is not (an empty conf.d
// is normal). A file reached twice without a cycle is read once; a cycle is an error.
export function readConfigFiles(main: string, display: (file: string) => string): ReadResult {
  const result: ReadResult = { files: [], sources: new Map(), diagnostics: [] };
  const seen = new Set<string>();
  let bytesLeft = MAX_CONFIG_BYTES;
  let overLimit = false;

  const includeError = (from: SourceFile, message: string, hint?: string) => {
    const at = locateKey(from.text, ["include"], "value");
    result.diagnostics.push({ file: from.path, ...at, path: "include", message, ...(hint ? { hint } : {}) });
  };
  // Past a limit, one diagnostic says so and nothing more is read.
  const limitError = (path: string, from: SourceFile | undefined, message: string) => {
    overLimit = true;
    if (from) includeError(from, message, "merge or remove included files; README \"Limits\" says why the bound is there");
    else result.diagnostics.push({ file: path, path: "", message });
  };

  const visit = (path: string, chain: string[], from?: { file: SourceFile; pattern: string }) => {
    if (overLimit) return;
    const id = identity(path);
    const cycleStart = chain.findIndex((p) => identity(p) === id);
    if (from && cycleStart >= 0) {
      const cycle = [...chain.slice(cycleStart), path].map(display).join(" -> ");
      return includeError(from.file, `${show(from.pattern)} makes a cycle: ${cycle}`,
        "keep included files in a directory of their own, such as conf.d/");
    }
    if (seen.has(id)) return;
    seen.add(id);
    if (seen.size > MAX_CONFIG_FILES) {
      return limitError(path, from?.file, `more than ${MAX_CONFIG_FILES} config files (the main file and its includes); ${display(path)} is one too many`);
    }
    if (from) {
      const problem = includeProblem(path, main);
      if (problem !== null) {
        const { message, hint } = untrustedIncludeMessage(display(path), problem);
        return includeError(from.file, message, hint);
      }
    }
    let bytes: Buffer;
    try {
      const read = readBounded(path, bytesLeft);
      if ("tooLarge" in read) {
        const what = from ? `with ${display(path)}, the config files are` : "the config file is";
        return limitError(path, from?.file, `${what} larger than ${MAX_CONFIG_BYTES / 1024 / 1024} MiB (${read.tooLarge} bytes in ${display(path)}), more than any config needs`);
      }
      bytes = read.bytes;
    } catch (error) {
      const reason = (error as Error).message;
      if (from) includeError(from.file, `cannot read ${show(from.pattern)}: ${reason}`);
      else result.diagnostics.push({ file: path, path: "", message: `cannot read config file: ${reason}` });
      return;
    }
    bytesLeft -= bytes.length;
    const decoded = decodeConfigText(bytes);
    result.sources.set(path, decoded.text);
    if ("problem" in decoded) {
      result.diagnostics.push({ file: path, ...decoded.problem, path: "" });
      return;
    }
    const parsed = parseToml(path, decoded.text);
    if (!("table" in parsed)) {
      result.diagnostics.push(parsed);
      return;
    }
    const file: SourceFile = { path, text: decoded.text, table: parsed.table };
    const unsafe = findUnsafeValues(file.table);
    for (const problem of unsafe) {
      result.diagnostics.push({ file: path, ...locateKey(file.text, problem.at, problem.part), path: formatPath(problem.path), message: problem.message });
    }
    if (unsafe.length > 0) return;
    result.files.push(file);
    for (const pattern of includePatterns(file, includeError)) {
      const matches = expandPattern(pattern, dirname(path), display);
      if (typeof matches === "string") includeError(file, matches);
      else for (const match of matches) visit(match, [...chain, path], { file, pattern });
    }
  };

  visit(main, []);
  return result;
}

// Why an include must not be read (include-trust.ts), or null; a file that cannot be looked at is left
// to the read, which says why.
export function includeProblem(path: string, main: string): string | null {
  try {
    return untrustedIncludeProblem(path, main);
  } catch {
    return null;
  }
}

// smol-toml's error, in our shape: its message without the codeblock, which formatDiagnostics redraws.
function parseToml(path: string, text: string): { table: Record<string, unknown> } | Diagnostic {
  try {
    return { table: parse(text) as Record<string, unknown> };
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    const message = `invalid TOML: ${error.message.replace(/^Invalid TOML document: /, "").split("\n")[0]}`;
    return { file: path, line: error.line, column: error.column, path: "", message };
  }
}

// The `include` value as a list of patterns; anything else is reported and ignored.
function includePatterns(file: SourceFile, report: (from: SourceFile, message: string) => void): string[] {
  const value = file.table.include;
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  if (list.every((p) => typeof p === "string" && p !== "")) return list as string[];
  report(file, `expected a path or glob, or an array of them, e.g. ["conf.d/*.toml"]; got ${show(value)}`);
  return [];
}

// Absolute paths a pattern names, sorted; a string says why a literal path is unusable.
function expandPattern(pattern: string, dir: string, display: (file: string) => string): string[] | string {
  const full = isAbsolute(pattern) ? pattern : join(dir, pattern);
  if (!GLOB_CHARS.test(pattern)) {
    const shown = display(full) === pattern ? show(pattern) : `${show(pattern)} (${display(full)})`;
    if (!existsSync(full)) return `no such file ${shown}`;
    if (statSync(full).isDirectory()) return `${shown} is a directory; to include its files, write "${pattern.replace(/\/$/, "")}/*.toml"`;
    if (!statSync(full).isFile()) return `${shown} is not a file`;
    return [full];
  }
  // Bun.Glob scans below a cwd: start at the longest leading part without glob characters.
  const segments = full.split(sep);
  const fixed = segments.findIndex((s) => GLOB_CHARS.test(s));
  const base = segments.slice(0, fixed).join(sep) || sep;
  if (!existsSync(base)) return [];
  const glob = new Bun.Glob(segments.slice(fixed).join("/"));
  const matches = [...glob.scanSync({ cwd: base, absolute: true, onlyFiles: true })].sort();
  // A name that is not UTF-8 comes back with U+FFFD in place of its bad bytes, a name no open() can find.
  const mangled = matches.find((m) => m.includes("\uFFFD") && !existsSync(m));
  if (mangled !== undefined) return `${show(display(mangled))}, matched by ${show(pattern)}, has a file name that is not UTF-8; rename the file`;
  return matches;
}

// Two paths to one file (a symlink, a "../" detour) are the same file for cycles and repeats.
export function identity(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

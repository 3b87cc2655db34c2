// supervisord.conf and the files its [include] names, read as supervisord reads them: the main file,
// then each file `files =` matches (globs, relative to the main file's directory, each pattern's
// matches sorted), sections of the same name merged with the later key winning (configparser's
// read() of several files). Only the main file's [include] counts, as in supervisord. The files
// together are bounded as TOML's are (limits.ts); every problem is a diagnostic.
import { existsSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, sep } from "node:path";
import type { Diagnostic } from "../diagnostic.ts";
import { identity, includeProblem } from "../include.ts";
import { untrustedIncludeMessage } from "../include-trust.ts";
import { decodeConfigText } from "../input-bounds.ts";
import { MAX_CONFIG_BYTES, MAX_CONFIG_FILES } from "../limits.ts";
import { readBounded } from "../read-bounded.ts";
import { ValueError, show } from "../value-error.ts";
import { expandPercent } from "./expand.ts";
import { type IniEntry, parseIni } from "./parse.ts";

/** A key's value and where it was written. */
export interface IniValue extends IniEntry {
  file: string;
}

/** A section with every file's keys for it merged, the later value of a key winning. */
export interface IniSectionRead {
  name: string;
  /** Where the section first appears. */
  file: string;
  line: number;
  column: number;
  values: Map<string, IniValue>;
}

/** What reading found. */
export interface IniFiles {
  /** Every file read, the main one first, then the includes in the order read. */
  files: string[];
  sources: Map<string, string>;
  /** Sections in order of first appearance. */
  sections: Map<string, IniSectionRead>;
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

/** What reading needs from outside. */
export interface IniReadContext {
  /** tsvisor's environment: %(ENV_X)s in [include] files. */
  env: Record<string, string | undefined>;
  /** %(host_node_name)s. */
  hostname: string;
  display: (file: string) => string;
}

// Python's glob reads these as wildcards (no braces: a "{" is a character of the name).
const GLOB_CHARS = /[*?[]/;

// The main file and its includes -> merged sections, errors and warnings.
export function readIniFiles(main: string, ctx: IniReadContext): IniFiles {
  const result: IniFiles = { files: [], sources: new Map(), sections: new Map(), errors: [], warnings: [] };
  let bytesLeft = MAX_CONFIG_BYTES;
  let overLimit = false;
  const seen = new Set<string>();

  // One file into the merged sections; false when it could not be read (reported).
  const readOne = (path: string, includedBy: IniValue | null): boolean => {
    const fail = (message: string) => {
      if (includedBy) result.errors.push(at(includedBy, "value", "include", message));
      else result.errors.push({ file: path, path: "", message });
      return false;
    };
    if (seen.size >= MAX_CONFIG_FILES) {
      overLimit = true;
      return fail(`more than ${MAX_CONFIG_FILES} config files (the main file and its includes); ${ctx.display(path)} is one too many`);
    }
    if (includedBy) {
      const problem = includeProblem(path, main);
      if (problem !== null) {
        const { message, hint } = untrustedIncludeMessage(ctx.display(path), problem);
        result.errors.push(at(includedBy, "value", "include", message, hint));
        return false;
      }
    }
    let bytes: Buffer;
    try {
      const read = readBounded(path, bytesLeft);
      if ("tooLarge" in read) {
        overLimit = true;
        const what = includedBy ? `with ${ctx.display(path)}, the config files are` : "the config file is";
        return fail(`${what} larger than ${MAX_CONFIG_BYTES / 1024 / 1024} MiB (${read.tooLarge} bytes in ${ctx.display(path)}), more than any config needs`);
      }
      bytes = read.bytes;
    } catch (error) {
      return fail(`cannot read ${includedBy ? ctx.display(path) : "config file"}: ${(error as Error).message}`);
    }
    bytesLeft -= bytes.length;
    seen.add(identity(path));
    result.files.push(path);
    const decoded = decodeConfigText(bytes, "supervisord.conf");
    result.sources.set(path, decoded.text);
    if ("problem" in decoded) {
      result.errors.push({ file: path, ...decoded.problem, path: "" });
      return true;
    }
    // a NUL would cut a path or an argument short where the kernel reads it: refused, as TOML's reader does
    const nul = decoded.text.indexOf("\0");
    if (nul >= 0) {
      const before = decoded.text.slice(0, nul);
      const line = before.split("\n").length;
      result.errors.push({ file: path, line, column: nul - before.lastIndexOf("\n"), path: "", message: "a NUL byte: a supervisord.conf is text, and a NUL would cut a path or an argument short" });
      return true;
    }
    const document = parseIni(decoded.text);
    for (const problem of document.problems) result.errors.push({ file: path, ...problem, path: "" });
    for (const section of document.sections) {
      if (includedBy && section.name === "include") {
        result.warnings.push({ file: path, line: section.line, column: section.column, path: "[include]", message: "ignored: only the main file's [include] is read (supervisord reads no include of an included file either)" });
        continue;
      }
      let merged = result.sections.get(section.name);
      if (merged === undefined) {
        merged = { name: section.name, file: path, line: section.line, column: section.column, values: new Map() };
        result.sections.set(section.name, merged);
      }
      for (const entry of section.entries) {
        const earlier = merged.values.get(entry.key);
        if (earlier) {
          const where = earlier.file === path ? `line ${earlier.line}` : `${ctx.display(earlier.file)}:${earlier.line}`;
          result.warnings.push({ file: path, line: entry.line, column: entry.column, path: `[${section.name}] ${entry.key}`, message: `set again (first at ${where}); this later value counts, as in supervisord` });
        }
        merged.values.set(entry.key, { ...entry, file: path });
      }
    }
    return true;
  };

  if (!readOne(main, null)) return result;
  const include = result.sections.get("include");
  if (include === undefined) return result;
  const files = include.values.get("files");
  if (files === undefined) {
    result.errors.push({ file: include.file, line: include.line, column: include.column, path: "[include]", message: 'no "files" key: supervisord refuses an [include] without one', hint: "add files = conf.d/*.conf, or remove [include]" });
    return result;
  }
  let patterns: string[];
  try {
    const names = new Map<string, string | number>([["here", dirname(main)], ["host_node_name", ctx.hostname], ...environmentNames(ctx.env)]);
    patterns = expandPercent(files.value, names, "files").split(/\s+/).filter(Boolean);
  } catch (error) {
    if (!(error instanceof ValueError)) throw error;
    result.errors.push(at(files, "value", "include", error.message, error.hint));
    return result;
  }
  for (const pattern of patterns) {
    const matches = expandPattern(isAbsolute(pattern) ? pattern : join(dirname(main), pattern));
    if (typeof matches === "string") {
      result.errors.push(at(files, "value", "include", matches));
      continue;
    }
    if (matches.length === 0) result.warnings.push(at(files, "value", "include", `no file matches ${show(pattern)}; nothing included from it (as in supervisord)`));
    for (const match of matches) {
      if (overLimit) return result;
      if (!seen.has(identity(match))) readOne(match, files);
    }
  }
  return result;
}

// %(ENV_X)s for every variable of tsvisor's environment.
export function environmentNames(env: Record<string, string | undefined>): [string, string][] {
  return Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined).map(([k, v]) => [`ENV_${k}`, v]);
}

// A diagnostic at a key or its value.
function at(value: IniValue, part: "key" | "value", section: string, message: string, hint?: string): Diagnostic {
  const [line, column] = part === "key" ? [value.line, value.column] : [value.valueLine, value.valueColumn];
  return { file: value.file, line, column, path: `[${section}] ${value.key}`, message, ...(hint ? { hint } : {}) };
}

// Python's glob.glob: the regular files a pattern matches, sorted; a literal path that exists, as is.
// A string says why a match cannot be read.
function expandPattern(full: string): string[] | string {
  if (!GLOB_CHARS.test(full)) {
    if (!existsSync(full)) return [];
    return statSync(full).isFile() ? [full] : `${show(full)} is not a file; to include the files in a directory, write ${show(`${full.replace(/\/$/, "")}/*.conf`)}`;
  }
  const segments = full.split(sep);
  const fixed = segments.findIndex((s) => GLOB_CHARS.test(s));
  const base = segments.slice(0, fixed).join(sep) || sep;
  if (!existsSync(base)) return [];
  // "{" and "}" are no wildcards in Python's glob: escape them for Bun's
  const glob = new Bun.Glob(segments.slice(fixed).join("/").replace(/[{}]/g, "\\$&"));
  const matches = [...glob.scanSync({ cwd: base, absolute: true, onlyFiles: true })].sort();
  const mangled = matches.find((m) => m.includes("\uFFFD") && !existsSync(m));
  if (mangled !== undefined) return `${show(mangled)} has a file name that is not UTF-8; rename the file`;
  return matches;
}

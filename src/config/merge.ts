// Merge parsed config files into one set of raw tables, remembering which file each came from:
// a program lives in exactly one file, and each [supervisor] key is set in at most one.
import { type Diagnostic, type KeyLocator, MAX_DIAGNOSTICS, formatPath } from "./diagnostic.ts";
import type { SourceFile } from "./include.ts";
import { locateKey, tomlLocator } from "./locate.ts";
import { didYouMean } from "./suggest.ts";
import { ValueError, show } from "./value-error.ts";
import { table } from "./values.ts";

/** A raw value and the file it was written in. */
export interface RawEntry {
  file: string;
  value: unknown;
}

/** Every file merged, values not yet converted: what the TOML and the supervisord.conf readers both make. */
export interface RawConfig {
  /** Which reader made it: messages show its syntax. */
  format: "toml" | "supervisord";
  file: string;
  files: string[];
  sources: ReadonlyMap<string, string>;
  /** Where each key path was written, for diagnostics. */
  locate: KeyLocator;
  /** [supervisor] keys. */
  supervisor: Map<string, RawEntry>;
  /** [programs.NAME] tables in config order. */
  programs: Map<string, RawEntry>;
  /** [groups.NAME] tables. */
  groups: Map<string, RawEntry>;
  /** [[hooks]] tables of every file, in merge order. */
  hooks: RawEntry[];
  /** [eventlisteners.NAME] tables. */
  eventlisteners: Map<string, RawEntry>;
  /** [http] keys. */
  http: Map<string, RawEntry>;
}

const TOP_LEVEL = ["include", "supervisor", "programs", "groups", "hooks", "eventlisteners", "http"];
// Tables whose keys are settings, each set in at most one file (the others hold named entries).
const SETTINGS_TABLES = ["supervisor", "http"];

// Files in merge order -> one RawConfig; duplicates across files and unknown top-level keys are diagnostics.
export function mergeConfigFiles(
  files: readonly SourceFile[],
  sources: ReadonlyMap<string, string>,
  display: (file: string) => string,
): { raw: RawConfig; diagnostics: Diagnostic[]; omitted: number } {
  const raw: RawConfig = {
    format: "toml",
    file: files[0]!.path,
    files: files.map((f) => f.path),
    sources,
    locate: tomlLocator(sources),
    supervisor: new Map(),
    programs: new Map(),
    groups: new Map(),
    hooks: [],
    eventlisteners: new Map(),
    http: new Map(),
  };
  const diagnostics: Diagnostic[] = [];
  let omitted = 0;
  // past MAX_DIAGNOSTICS only counted, the message (a thunk) never made, as resolve.ts's Reporter does
  const report = (file: SourceFile, path: string[], message: string | (() => string), hint?: string) => {
    if (diagnostics.length >= MAX_DIAGNOSTICS) return void omitted++;
    const text = typeof message === "string" ? message : message();
    diagnostics.push({ file: file.path, ...locateKey(file.text, path), path: formatPath(path), message: text, ...(hint ? { hint } : {}) });
  };

  for (const file of files) {
    for (const [key, value] of Object.entries(file.table)) {
      if (key === "include") continue; // include.ts has read them
      if (!TOP_LEVEL.includes(key)) {
        report(file, [key], () => `unknown top-level key ${show(key)}; allowed: ${TOP_LEVEL.join(" ")}${didYouMean(key, TOP_LEVEL)}`);
        continue;
      }
      if (key === "hooks") {
        // an array of tables: each file adds its own hooks
        if (Array.isArray(value)) for (const hook of value) raw.hooks.push({ file: file.path, value: hook });
        else report(file, [key], `expected [[hooks]] tables; got ${show(value)}`, "write each hook as a [[hooks]] table");
        continue;
      }
      const entries = tableOrReport(value, () => report(file, [key], `expected a table like [${key}]; got ${show(value)}`));
      const merged = key === "supervisor" ? raw.supervisor : key === "http" ? raw.http : key === "eventlisteners" ? raw.eventlisteners : key === "groups" ? raw.groups : raw.programs;
      for (const [name, entry] of Object.entries(entries)) {
        const earlier = merged.get(name);
        if (earlier === undefined) {
          merged.set(name, { file: file.path, value: entry });
        } else if (SETTINGS_TABLES.includes(key)) {
          report(file, [key, name], `set in both ${display(earlier.file)} and ${display(file.path)}`,
            "set it in one file only");
        } else {
          const what = key === "programs" ? "program" : key === "groups" ? "group" : "event listener";
          report(file, [key, name], `defined in both ${display(earlier.file)} and ${display(file.path)}`,
            `define each ${what} in one file only, or rename one of them`);
        }
      }
    }
  }
  return { raw, diagnostics, omitted };
}

function tableOrReport(value: unknown, report: () => void): Record<string, unknown> {
  try {
    return table(value);
  } catch (error) {
    if (!(error instanceof ValueError)) throw error;
    report();
    return {};
  }
}

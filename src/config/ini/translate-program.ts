// [program:x] -> [programs.x]: every key supervisord documents, expanded with the names supervisord
// gives that key (options.py's processes_from_section), its value read with supervisord's syntax,
// and supervisord's defaults kept where tsvisor's differ. Keys that process_num may change are
// expanded per instance: when only process_name and the log files differ between instances, they
// become tsvisor's {num} templates and one program keeps numprocs; when the command, directory or
// environment differ too, each instance becomes a program of its own, the lot a group named as the
// program was (so supervisorctl still sees worker:worker_00, worker:worker_01 ...).
import { dirname, resolve } from "node:path";
import { MAX_PROCESSES } from "../limits.ts";
import { didYouMean } from "../suggest.ts";
import { ValueError, show } from "../value-error.ts";
import { expandProcessName } from "../values.ts";
import { RawBuilder, type Place } from "./builder.ts";
import { type ExpansionNames, type ExpansionValue, LayeredNames, NotATemplate, expandPercent } from "./expand.ts";
import type { IniSectionRead, IniValue } from "./read.ts";
import { shlexSplit } from "./shlex.ts";
import * as ini from "./values.ts";

/** What translating a program needs: the builder, the names every key may use, the [supervisord] environment. */
export interface ProgramContext {
  builder: RawBuilder;
  /** ENV_* of tsvisor's environment and of [supervisord] environment. */
  environment: LayeredNames;
  hostname: string;
  /** [supervisord] environment, under every program's own (which wins), as supervisord merges them. */
  commonEnvironment: Record<string, string>;
  env: Record<string, string | undefined>;
}

type Convert = (text: string, value: IniValue, ctx: ProgramContext, section: string) => unknown;

interface KeySpec {
  /** The [programs.NAME] key it becomes; null: not carried out (warn() says so when it matters). */
  toml: string | null;
  convert?: Convert;
  /** Expanded per process (with process_num), as supervisord expands it inside its loop over instances. */
  perProcess?: true;
  /** Expanded twice, as supervisord does (a %% needs writing %%%% there). */
  twice?: true;
  /** For a key not carried out: the warning for this value, or null when the value changes nothing. */
  warn?: (text: string) => string | null;
}

const text: Convert = (t) => t;
const path: Convert = (t, v) => resolve(dirname(v.file), t);
const integer: Convert = (t) => ini.iniInteger(t);
const boolean: Convert = (t) => ini.iniBoolean(t);
const size: Convert = (t) => sizeValue(ini.iniByteSize(t));

const LOG_KEYS = (stream: "stdout" | "stderr"): Record<string, KeySpec> => ({
  [`${stream}_logfile`]: { toml: `${stream}_logfile`, perProcess: true, twice: true, convert: (t, v, ctx, section) => logfile(t, v, ctx, section) },
  [`${stream}_logfile_maxbytes`]: { toml: `${stream}_logfile_maxbytes`, perProcess: true, convert: size },
  [`${stream}_logfile_backups`]: { toml: `${stream}_logfile_backups`, perProcess: true, convert: integer },
  [`${stream}_events_enabled`]: { toml: `${stream}_events_enabled`, convert: boolean },
  [`${stream}_capture_maxbytes`]: {
    toml: null,
    warn: (t) => (ini.iniByteSize(t) === 0 ? null : "not carried out: tsvisor has no capture mode, so no PROCESS_COMMUNICATION events are sent"),
  },
  [`${stream}_syslog`]: {
    toml: null, perProcess: true,
    warn: (t) => (ini.iniBoolean(t) ? `not carried out: tsvisor sends no program output to syslog; the ${stream} log file (and the console, docker logs, journald) keep it` : null),
  },
});

export const PROGRAM_KEYS: Record<string, KeySpec> = {
  command: { toml: "command", perProcess: true, convert: (t) => shlexSplit(t) },
  process_name: { toml: "process_name", perProcess: true },
  numprocs: { toml: "numprocs", convert: integer },
  numprocs_start: { toml: "numprocs_start", convert: integer },
  priority: { toml: "priority", convert: integer },
  autostart: { toml: "autostart", convert: boolean },
  startsecs: { toml: "startsecs", convert: integer },
  startretries: { toml: "startretries", convert: integer },
  autorestart: { toml: "autorestart", convert: (t) => ini.iniAutorestart(t) },
  exitcodes: { toml: "exitcodes", convert: (t) => ini.iniExitcodes(t) },
  stopsignal: { toml: "stopsignal", convert: (t) => ini.iniSignal(t) },
  stopwaitsecs: { toml: "stopwaitsecs", convert: integer },
  stopasgroup: { toml: "stopasgroup", convert: boolean },
  killasgroup: { toml: "killasgroup", convert: boolean },
  user: { toml: "user", convert: text },
  redirect_stderr: { toml: "redirect_stderr", convert: boolean },
  ...LOG_KEYS("stdout"),
  ...LOG_KEYS("stderr"),
  environment: { toml: "environment", perProcess: true },
  directory: { toml: "directory", perProcess: true, convert: path },
  umask: { toml: "umask", convert: (t) => ini.iniOctal(t).toString(8).padStart(3, "0") },
  serverurl: {
    toml: null,
    warn: (t) => (t.trim().toUpperCase() === "AUTO" ? null : "not carried out: programs get SUPERVISOR_SERVER_URL for tsvisor's control socket, the one that answers"),
  },
};

/** What tsvisor does differently by default, kept as supervisord did it in every program of a supervisord.conf. */
export const SUPERVISORD_PROGRAM_DEFAULTS: [key: string, value: unknown, why: string][] = [
  ["stop_descendants", false, "supervisord leaves behind what a program started and left running (a daemon it forked): tsvisor's default would stop it"],
  ["backoff_reset", 0, "supervisord restarts a program that exits from RUNNING at once, however soon: tsvisor's default paces a crash loop"],
];

/** The programs a section became: one, or one per instance (`split`). */
export interface TranslatedProgram {
  names: string[];
  split: boolean;
}

// [program:NAME] in the group `groupName` (its own name when it is in no [group:x]).
export function translateProgram(section: IniSectionRead, name: string, groupName: string, ctx: ProgramContext): TranslatedProgram {
  const { builder } = ctx;
  const inSection = (value: IniValue): Place => ({ value, section: section.name });
  const common = (value: IniValue) =>
    ctx.environment.with(new Map<string, ExpansionValue>([["here", dirname(value.file)], ["program_name", name], ["group_name", groupName], ["host_node_name", ctx.hostname]]));
  const table: Record<string, unknown> = {};
  const at = (key: string) => ["programs", name, key];

  // program-level keys: expanded once, without process_num
  for (const [key, value] of section.values) {
    const spec = Object.hasOwn(PROGRAM_KEYS, key) ? PROGRAM_KEYS[key]! : null;
    if (spec === null) {
      builder.warn(inSection(value), `unknown key, ignored (supervisord ignores it too)${didYouMean(key, Object.keys(PROGRAM_KEYS))}`);
      continue;
    }
    if (spec.perProcess) continue;
    const converted = convertValue(value, spec, common(value), ctx, section.name);
    if (converted.ok && spec.toml !== null) builder.tableKey(table, at(spec.toml), converted.value, inSection(value));
  }
  for (const [key, value, why] of SUPERVISORD_PROGRAM_DEFAULTS) builder.tableKey(table, at(key), value, null, why);

  const numprocs = typeof table.numprocs === "number" && table.numprocs >= 1 && table.numprocs <= MAX_PROCESSES ? table.numprocs : 1;
  const start = typeof table.numprocs_start === "number" && Number.isSafeInteger(table.numprocs_start) ? table.numprocs_start : 0;
  const processName = section.values.get("process_name");
  if (numprocs > 1 && processName !== undefined && !processName.value.includes("%(process_num)")) {
    builder.error(inSection(processName), "%(process_num) must be in process_name when numprocs > 1 (supervisord refuses it too): the instances would share one name");
    return { names: [], split: false };
  }
  if (numprocs > 1 && processName === undefined) {
    builder.error({ section }, "numprocs > 1 needs a process_name with %(process_num) in it, e.g. process_name=%(program_name)s_%(process_num)02d (supervisord refuses it without one too)");
    return { names: [], split: false };
  }

  // per-process keys: each instance's values, and the {num} templates of process_name and the logs
  const perProcess = [...section.values].filter(([key]) => PROGRAM_KEYS[key]?.perProcess);
  const varies = perProcess.some(([, v]) => v.value.includes("process_num"));
  const instances: Record<string, unknown>[] = [];
  const last = varies ? start + numprocs : start + 1;
  for (let num = start; num < last; num++) {
    const values: Record<string, unknown> = {};
    let names = new Map<string, ExpansionValue>([["process_num", num], ["numprocs", numprocs]]);
    const environment = section.values.get("environment");
    if (environment !== undefined) {
      const converted = convertValue(environment, { toml: "environment", convert: (t) => ini.iniKeyValuePairs(t) }, common(environment).with(names), ctx, section.name);
      if (!converted.ok) return { names: [], split: false };
      const pairs = converted.value as Record<string, string>;
      // supervisord adds the program's own variables as ENV_X for the keys that follow
      names = new Map([...names, ...Object.entries(pairs).map(([k, v]): [string, string] => [`ENV_${k}`, v])]);
      values.environment = pairs;
    }
    for (const [key, value] of perProcess) {
      const spec = PROGRAM_KEYS[key]!;
      if (key === "environment") continue;
      const converted = convertValue(value, spec, common(value).with(names), ctx, section.name);
      // an instance's problem is usually every instance's: said once
      if (!converted.ok) return { names: [], split: false };
      if (spec.toml !== null) values[spec.toml] = converted.value;
    }
    instances.push(values);
  }
  const templates = numprocs > 1 ? templatesOf(section, perProcess, common, numprocs, start, ctx) : null;
  const same = instances.every((values) => sameExcept(values, instances[0]!, ["process_name", "stdout_logfile", "stderr_logfile"]));
  const expressible = templates !== null && instances.every((values, i) => matchesTemplates(values, templates, name, start + i));
  if (numprocs === 1 || !varies || (same && expressible)) {
    const first = { ...instances[0]!, ...(numprocs > 1 && templates ? templates : {}) };
    for (const [key, value] of Object.entries(first)) {
      builder.tableKey(table, at(key), finalValue(key, value, ctx), placeOf(section, key));
    }
    withCommonEnvironment(table, at("environment"), ctx);
    builder.programs.set(name, { file: section.file, value: table });
    return { names: [name], split: false };
  }
  // one program per instance, named as the instance was
  const names: string[] = [];
  instances.forEach((values, i) => {
    const instance = String(values.process_name ?? name);
    const own: Record<string, unknown> = { ...table, numprocs: 1, numprocs_start: start + i };
    builder.copyOrigins(["programs", name], ["programs", instance], Object.keys(table));
    for (const [key, value] of Object.entries(values)) {
      if (key === "process_name") continue;
      builder.tableKey(own, ["programs", instance, key], finalValue(key, value, ctx), placeOf(section, key));
    }
    withCommonEnvironment(own, ["programs", instance, "environment"], ctx);
    builder.remember(["programs", instance], { section });
    builder.programs.set(instance, { file: section.file, value: own });
    names.push(instance);
  });
  builder.notes.set(JSON.stringify(["programs", names[0]!]), `[${section.name}] with numprocs = ${numprocs}: its instances differ in more than their name and log files, so each is a program, all in the group "${groupName}"`);
  return { names, split: true };
}

// One value: expanded (twice where supervisord does), then read as its kind; not ok after reporting.
// A key not carried out is ok with no value, after its warning.
function convertValue(value: IniValue, spec: KeySpec, names: ExpansionNames, ctx: ProgramContext, section: string): { ok: true; value: unknown } | { ok: false } {
  const place: Place = { value, section };
  try {
    let expanded = expandPercent(value.value, names, value.key);
    if (spec.twice) expanded = expandPercent(expanded, names, value.key);
    if (spec.toml === null) {
      const warning = spec.warn?.(expanded) ?? null;
      if (warning !== null) ctx.builder.warn(place, warning, undefined, "value");
      return { ok: true, value: undefined };
    }
    return { ok: true, value: spec.convert ? spec.convert(expanded, value, ctx, section) : expanded };
  } catch (error) {
    if (!(error instanceof ValueError)) throw error;
    ctx.builder.error(place, error.message, error.hint);
    return { ok: false };
  }
}

// process_name and the log files with process_num as {num}; null when one cannot be written so.
function templatesOf(
  section: IniSectionRead, perProcess: [string, IniValue][], common: (v: IniValue) => LayeredNames, numprocs: number, start: number, ctx: ProgramContext,
): Record<string, unknown> | null {
  const templates: Record<string, unknown> = {};
  try {
    for (const [key, value] of perProcess) {
      if (key !== "process_name" && key !== "stdout_logfile" && key !== "stderr_logfile") continue;
      const names = common(value).with(new Map<string, ExpansionValue>([["process_num", start], ["numprocs", numprocs]]));
      let expanded = expandPercent(value.value, names, key, "process_num");
      if (PROGRAM_KEYS[key]!.twice) expanded = expandPercent(expanded, names, key, "process_num");
      templates[key] = key === "process_name" ? expanded : logfile(expanded, value, ctx, section.name);
    }
  } catch (error) {
    if (error instanceof NotATemplate || error instanceof ValueError) return null;
    throw error;
  }
  return templates;
}

// Does each template give this instance's literal value?
function matchesTemplates(values: Record<string, unknown>, templates: Record<string, unknown>, program: string, num: number): boolean {
  return Object.entries(templates).every(([key, template]) => typeof template !== "string" || expandProcessName(template, program, num) === values[key]);
}

function sameExcept(a: Record<string, unknown>, b: Record<string, unknown>, except: string[]): boolean {
  const strip = (o: Record<string, unknown>) => JSON.stringify(Object.entries(o).filter(([k]) => !except.includes(k)));
  return strip(a) === strip(b);
}

// Where an INI key that became `key` was written.
function placeOf(section: IniSectionRead, tomlKey: string): Place | null {
  for (const [key, spec] of Object.entries(PROGRAM_KEYS)) {
    if (spec.toml === tomlKey && section.values.has(key)) return { value: section.values.get(key)!, section: section.name };
  }
  return null;
}

// A value as the raw table holds it: environment values keep a "$" literal (TOML's ${VAR} is tsvisor's).
function finalValue(key: string, value: unknown, _ctx: ProgramContext): unknown {
  if (key !== "environment") return value;
  return Object.fromEntries(Object.entries(value as Record<string, string>).map(([k, v]) => [k, v.replaceAll("$", "$$")]));
}

// [supervisord] environment under the program's own.
function withCommonEnvironment(table: Record<string, unknown>, at: string[], ctx: ProgramContext): void {
  if (Object.keys(ctx.commonEnvironment).length === 0) return;
  const own = (table.environment ?? {}) as Record<string, string>;
  const common = Object.fromEntries(Object.entries(ctx.commonEnvironment).map(([k, v]) => [k, v.replaceAll("$", "$$")]));
  table.environment = { ...common, ...own };
  ctx.builder.notes.set(JSON.stringify(at), "[supervisord] environment is in it, under the program's own variables (supervisord merges them so)");
}

// AUTO, NONE/OFF, syslog (deprecated: no log file, and syslog, which tsvisor does not do) or a path.
function logfile(expanded: string, value: IniValue, ctx: ProgramContext, section: string): string {
  const name = ini.iniLogfile(expanded, ctx.env);
  if (name.kind === "auto") return "auto";
  if (name.kind === "none") return "none";
  if (name.kind === "syslog") {
    ctx.builder.warn({ value, section }, `${show(expanded)} is supervisord's deprecated syslog log file: tsvisor keeps no log file for it and sends nothing to syslog`, "write the log to a file, or to /dev/stdout for docker logs and journald", "value");
    return "none";
  }
  // Docker-style configs send output to the container's stdout this way: tsvisor's console mirror
  // already does, so writing the file too would print each line twice
  if (CONSOLE_FILES.includes(name.path)) {
    ctx.builder.remember(["programs", section.slice(section.indexOf(":") + 1), value.key], { value, section }, `${name.path}: tsvisor's console mirror writes the output there already ([supervisor] console), so no log file`);
    return "none";
  }
  return resolve(dirname(value.file), name.path);
}

const CONSOLE_FILES = ["/dev/stdout", "/dev/stderr", "/dev/fd/1", "/dev/fd/2", "/proc/self/fd/1", "/proc/self/fd/2"];

// Bytes as supervisord's units where they divide evenly: 52428800 -> "50MB" (what `config import` writes).
export function sizeValue(bytes: number): number | string {
  for (const [unit, factor] of [["GB", 1024 ** 3], ["MB", 1024 ** 2], ["KB", 1024]] as const) {
    if (bytes > 0 && bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return bytes;
}

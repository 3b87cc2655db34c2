// A supervisord.conf (and its [include]s) -> the raw tables the TOML reader makes, so resolve.ts checks
// and builds both formats alike. Per section and key, one of three choices (docs/supervisord.md lists
// them): carried over (renamed where tsvisor's name differs), ignored with a warning that says what
// tsvisor does instead, or refused where running without it would surprise ([fcgi-program:x]).
// Warnings become Config.notes: `config check` prints them, `run` logs them.
import { dirname, resolve } from "node:path";
import type { Diagnostic, KeyLocator } from "../diagnostic.ts";
import type { RawConfig } from "../merge.ts";
import { didYouMean } from "../suggest.ts";
import { ValueError } from "../value-error.ts";
import { type Origin, type Place, RawBuilder, pathId } from "./builder.ts";
import { type ExpansionValue, LayeredNames, expandPercent } from "./expand.ts";
import { type IniReadContext, type IniSectionRead, type IniValue, environmentNames, readIniFiles } from "./read.ts";
import { shlexSplit } from "./shlex.ts";
import { translateProgram } from "./translate-program.ts";
import * as ini from "./values.ts";

/** A translated supervisord.conf: the raw tables, or the errors that kept it from being one. */
export interface IniTranslation {
  raw: RawConfig;
  errors: Diagnostic[];
  warnings: Diagnostic[];
  omitted: number;
  /** TOML key path -> why it means what it does (for `config import`). */
  notes: ReadonlyMap<string, string>;
}

// Sections supervisorctl and the XML-RPC plumbing need in supervisord, none of which tsvisor needs.
const IGNORED_SECTIONS = ["supervisorctl"];
const IGNORED_PREFIXES = ["rpcinterface:"];

// [supervisord] keys tsvisor does not carry out, each with what it does instead. A value that changes
// nothing (nodaemon = true: tsvisor never daemonizes) is not worth a warning.
const SUPERVISORD_IGNORED: Record<string, { why: string; harmless?: (text: string) => boolean }> = {
  nodaemon: { why: "tsvisor always runs in the foreground (as nodaemon = true); run it under systemd, Docker or your init", harmless: () => true },
  silent: { why: "tsvisor mirrors program output on its console unless [supervisor] console = false", harmless: (t) => t.trim().toLowerCase() === "false" },
  logfile: { why: "tsvisor writes its own log to the console and LOG_DIR/tsvisor.log", harmless: (t) => t.trim() === "/dev/stdout" || t.trim().toLowerCase() === "none" },
  logfile_maxbytes: { why: "tsvisor.log rotates as its own", harmless: (t) => t.trim() === "0" },
  logfile_backups: { why: "tsvisor.log rotates as its own", harmless: (t) => t.trim() === "0" },
  loglevel: { why: "tsvisor logs at one level", harmless: (t) => ["info", "warn", "error", "critical"].includes(t.trim().toLowerCase()) },
  pidfile: { why: "tsvisor writes no pid file: its control socket says whether it runs (tsvisor status)" },
  umask: { why: "tsvisor keeps the umask it was started with; set umask per program" },
  minfds: { why: "tsvisor does not raise its file descriptor limit; raise it where tsvisor is started (ulimit -n, LimitNOFILE=, docker --ulimit)" },
  minprocs: { why: "tsvisor does not raise its process limit; raise it where tsvisor is started" },
  nocleanup: { why: "tsvisor removes no AUTO log files at start" },
  identifier: { why: "getIdentification answers \"tsvisor\"" },
  directory: { why: "tsvisor does not chdir; set directory per program" },
  strip_ansi: { why: "tsvisor keeps the program's bytes as written" },
  user: { why: "tsvisor does not drop its own privileges; set user per program (or run tsvisor as that user)" },
};

// The supervisord.conf `main` -> its raw tables and every problem found.
export function translateIni(main: string, ctx: IniReadContext): IniTranslation {
  const read = readIniFiles(main, ctx);
  const builder = new RawBuilder();
  const raw: RawConfig = {
    format: "supervisord", file: main, files: read.files, sources: read.sources,
    locate: iniLocator(builder.origins, main),
    supervisor: builder.supervisor, programs: builder.programs, groups: builder.groups, hooks: [],
    eventlisteners: builder.eventlisteners, http: builder.http,
  };
  if (read.errors.length > 0) return { raw, errors: read.errors, warnings: read.warnings, omitted: 0, notes: builder.notes };
  builder.warnings.push(...read.warnings);

  const environment = new LayeredNames(new Map(environmentNames(ctx.env)));
  const supervisord = read.sections.get("supervisord");
  const commonEnvironment = supervisord === undefined ? {} : translateSupervisord(supervisord, builder, environment, ctx.hostname);
  const programEnvironment = environment.with(new Map(Object.entries(commonEnvironment).map(([k, v]): [string, ExpansionValue] => [`ENV_${k}`, v])));
  const groupOf = translateGroups(read.sections, builder);
  const programCtx = { builder, environment: programEnvironment, hostname: ctx.hostname, commonEnvironment, env: ctx.env };
  const splits = new Map<string, string[]>();

  for (const section of read.sections.values()) {
    const name = section.name;
    const [kind, ...rest] = name.split(":");
    const own = rest.join(":");
    if (name === "supervisord" || name === "include" || name.startsWith("group:")) continue;
    if (kind === "program" && rest.length > 0) {
      const translated = translateProgram(section, own, groupOf.get(own) ?? own, programCtx);
      if (translated.split) splits.set(own, translated.names);
    } else if (kind === "eventlistener" && rest.length > 0) translateEventListener(section, own, builder, programEnvironment, ctx.hostname);
    else if (name === "unix_http_server") translateUnixServer(section, builder, environment, ctx.hostname);
    else if (name === "inet_http_server") translateInetServer(section, builder, environment);
    else if (kind === "fcgi-program") {
      builder.error({ section }, "[fcgi-program:x] is refused: tsvisor does not open sockets for FastCGI programs, so the program would start without the socket it expects", "run the FastCGI program with its own listener (spawn-fcgi, or the app server's own option) as a [program:x]", "key");
    } else if (IGNORED_SECTIONS.includes(name) || IGNORED_PREFIXES.some((p) => name.startsWith(p))) continue;
    else builder.warn({ section }, `unknown section, ignored (supervisord ignores it too)${didYouMean(kind!, ["supervisord", "program", "group", "eventlistener", "include", "unix_http_server", "inet_http_server", "supervisorctl"])}`);
  }
  // a program split into one per instance: its [group:x] (or its own group) holds the instances
  for (const [program, instances] of splits) {
    const group = groupOf.get(program) ?? program;
    const table = (builder.groups.get(group)?.value ?? { programs: [] }) as { programs: string[]; priority?: number };
    table.programs = table.programs.flatMap((p) => (p === program ? instances : [p]));
    if (!builder.groups.has(group)) {
      table.programs = instances;
      builder.groups.set(group, { file: main, value: table });
    }
  }
  return { raw, errors: builder.errors, warnings: builder.warnings, omitted: builder.omitted, notes: builder.notes };
}

// [supervisord]: childlogdir becomes log_dir, environment is every program's; the rest is named.
function translateSupervisord(section: IniSectionRead, builder: RawBuilder, environment: LayeredNames, hostname: string): Record<string, string> {
  let common: Record<string, string> = {};
  for (const [key, value] of section.values) {
    const place: Place = { value, section: "supervisord" };
    const names = environment.with(new Map<string, ExpansionValue>([["here", dirname(value.file)], ["host_node_name", hostname]]));
    const expanded = expand(value, names, builder, "supervisord");
    if (expanded === null) continue;
    if (key === "childlogdir") builder.setting(builder.supervisor, "supervisor", "log_dir", resolve(dirname(value.file), expanded), place);
    else if (key === "environment") {
      const pairs = convert(() => ini.iniKeyValuePairs(expanded), place, builder);
      if (pairs !== null) common = pairs;
    } else if (Object.hasOwn(SUPERVISORD_IGNORED, key)) {
      const ignored = SUPERVISORD_IGNORED[key]!;
      if (!ignored.harmless?.(expanded)) builder.warn(place, `not carried out: ${ignored.why}`);
    } else builder.warn(place, `unknown key, ignored (supervisord ignores it too)${didYouMean(key, ["childlogdir", "environment", ...Object.keys(SUPERVISORD_IGNORED)])}`);
  }
  return common;
}

// [group:x] -> [groups.x]; which group each program is in.
function translateGroups(sections: ReadonlyMap<string, IniSectionRead>, builder: RawBuilder): Map<string, string> {
  const groupOf = new Map<string, string>();
  for (const section of sections.values()) {
    if (!section.name.startsWith("group:")) continue;
    const name = section.name.slice("group:".length);
    const table: Record<string, unknown> = {};
    for (const [key, value] of section.values) {
      const place: Place = { value, section: section.name };
      if (key === "programs") {
        const programs = ini.iniList(value.value).filter(Boolean);
        builder.tableKey(table, ["groups", name, "programs"], programs, place);
        for (const program of programs) if (!groupOf.has(program)) groupOf.set(program, name);
      } else if (key === "priority") {
        const priority = convert(() => ini.iniInteger(value.value), place, builder);
        if (priority !== null) builder.tableKey(table, ["groups", name, "priority"], priority, place);
      } else builder.warn(place, `unknown key, ignored (supervisord ignores it too); a [group:x] has programs and priority${didYouMean(key, ["programs", "priority"])}`);
    }
    builder.remember(["groups", name], { section });
    builder.groups.set(name, { file: section.file, value: table });
  }
  return groupOf;
}

// [eventlistener:x] -> [eventlisteners.x]: tsvisor's listeners speak supervisord's protocol (command and
// events carry over); what makes a listener a pool of processes does not.
function translateEventListener(section: IniSectionRead, name: string, builder: RawBuilder, environment: LayeredNames, hostname: string): void {
  const table: Record<string, unknown> = {};
  const at = (key: string) => ["eventlisteners", name, key];
  for (const [key, value] of section.values) {
    const place: Place = { value, section: section.name };
    const names = environment.with(new Map<string, ExpansionValue>([
      ["here", dirname(value.file)], ["program_name", name], ["group_name", name], ["host_node_name", hostname], ["process_num", 0], ["numprocs", 1],
    ]));
    if (key === "command") {
      const expanded = expand(value, names, builder, section.name);
      const argv = expanded === null ? null : convert(() => shlexSplit(expanded), place, builder);
      if (argv !== null) builder.tableKey(table, at("command"), argv, place);
    } else if (key === "events") builder.tableKey(table, at("events"), ini.iniList(value.value).filter(Boolean), place);
    else if (key === "buffer_size") {
      const size = convert(() => ini.iniInteger(value.value), place, builder);
      if (size !== null) builder.tableKey(table, at("buffer_size"), size, place);
    } else if (key === "numprocs" && value.value.trim() === "1") continue;
    else builder.warn(place, `not carried out for a listener: tsvisor runs one process per [eventlistener:x] with its command and events (and buffer_size); other program keys do not apply to it`);
  }
  builder.remember(["eventlisteners", name], { section });
  builder.eventlisteners.set(name, { file: section.file, value: table });
}

// [unix_http_server] file, as a client reads it (socket-setting.ts): nothing else of the files is
// translated, so a program the client could not resolve (an ENV_X only the daemon has) is no obstacle.
export function iniSocket(main: string, ctx: IniReadContext): { socket: string | null; errors: Diagnostic[]; sources: ReadonlyMap<string, string> } {
  const read = readIniFiles(main, ctx);
  const section = read.sections.get("unix_http_server");
  if (read.errors.length > 0 || section === undefined) return { socket: null, errors: read.errors, sources: read.sources };
  const builder = new RawBuilder();
  translateUnixServer(section, builder, new LayeredNames(new Map(environmentNames(ctx.env))), ctx.hostname);
  const socket = builder.supervisor.get("socket")?.value;
  return { socket: typeof socket === "string" ? socket : null, errors: builder.errors, sources: read.sources };
}

// [unix_http_server]: the control socket, which also speaks supervisord's XML-RPC. supervisord expands
// %(here)s and %(ENV_X)s in file.
function translateUnixServer(section: IniSectionRead, builder: RawBuilder, environment: LayeredNames, hostname: string): void {
  for (const [key, value] of section.values) {
    const place: Place = { value, section: section.name };
    if (key === "file") {
      const names = environment.with(new Map<string, ExpansionValue>([["here", dirname(value.file)], ["host_node_name", hostname]]));
      const expanded = expand(value, names, builder, section.name);
      if (expanded !== null) builder.setting(builder.supervisor, "supervisor", "socket", resolve(dirname(value.file), ini.expandUser(expanded, {})), place);
    }
    else if (key === "chmod") {
      const mode = convert(() => ini.iniOctal(value.value), place, builder);
      if (mode !== null) builder.setting(builder.supervisor, "supervisor", "socket_mode", mode.toString(8).padStart(4, "0"), place);
    } else if (key === "chown") builder.setting(builder.supervisor, "supervisor", "socket_owner", value.value, place);
    else if (key === "username" || key === "password") {
      const expanded = expandCredential(value, environment, builder, section.name);
      if (expanded !== null) builder.setting(builder.supervisor, "supervisor", `rpc_${key}`, expanded, place);
    }
    else builder.warn(place, `unknown key, ignored; [unix_http_server] has file, chmod, chown, username and password${didYouMean(key, ["file", "chmod", "chown", "username", "password"])}`);
  }
}

// [inet_http_server] -> [http] (tsvisor's TCP listener also answers /RPC2).
function translateInetServer(section: IniSectionRead, builder: RawBuilder, environment: LayeredNames): void {
  for (const [key, value] of section.values) {
    const place: Place = { value, section: section.name };
    if (key === "port") {
      const listen = convert(() => ini.iniInetAddress(value.value), place, builder);
      if (listen !== null) builder.setting(builder.http, "http", "listen", listen, place);
    } else if (key === "username" || key === "password") {
      const expanded = expandCredential(value, environment, builder, section.name);
      if (expanded !== null) builder.setting(builder.http, "http", key, expanded, place);
    }
    else builder.warn(place, `unknown key, ignored; [inet_http_server] has port, username and password${didYouMean(key, ["port", "username", "password"])}`);
  }
}

// username and password with supervisord's %(ENV_X)s expanded (it reads them with saneget(), which
// expands; before 2026-12-07 tsvisor took "%(ENV_PW)s" as the password itself). The password then
// goes through [http] password's ${VAR} expansion, so a "$" in it is written "$$" to stay one "$".
function expandCredential(value: IniValue, environment: LayeredNames, builder: RawBuilder, section: string): string | null {
  const expanded = expand(value, environment, builder, section);
  return expanded === null || value.key !== "password" ? expanded : expanded.replaceAll("$", "$$");
}

// %(...)s in a value, or null after reporting.
function expand(value: IniValue, names: LayeredNames, builder: RawBuilder, section: string): string | null {
  return convert(() => expandPercent(value.value, names, value.key), { value, section }, builder);
}

function convert<T>(fn: () => T, place: Place, builder: RawBuilder): T | null {
  try {
    return fn();
  } catch (error) {
    if (!(error instanceof ValueError)) throw error;
    builder.error(place, error.message, error.hint);
    return null;
  }
}

// Diagnostics about a TOML key path point at the INI key it came from (the nearest enclosing one when absent).
function iniLocator(origins: ReadonlyMap<string, Origin>, main: string): KeyLocator {
  return (_file, path, at) => {
    for (let n = path.length; n > 0; n--) {
      const origin = origins.get(pathId(path.slice(0, n)));
      if (origin === undefined) continue;
      const exact = n === path.length;
      const [line, column] = exact && at === "value" ? [origin.valueLine, origin.valueColumn] : [origin.line, origin.column];
      return { file: origin.file, line, column, path: exact ? origin.display : `${origin.display} (${path.slice(n).join(".")})` };
    }
    return { file: main, path: path.join(".") };
  };
}

// "file:line:col: [section] key: message" for Config.notes.
export function noteOf(diagnostic: Diagnostic, display: (file: string) => string): string {
  const where = diagnostic.line === undefined ? display(diagnostic.file) : `${display(diagnostic.file)}:${diagnostic.line}:${diagnostic.column ?? 1}`;
  return `${where}: ${diagnostic.path}: ${diagnostic.message}${diagnostic.hint ? ` (${diagnostic.hint})` : ""}`;
}



// Raw tables -> Config: convert every value, fill every default, check what spans keys, expand
// numprocs into processes. Every problem becomes a diagnostic and resolving goes on (Horust's
// validate()), so one `config check` shows all of them.
import { dirname, join, resolve as resolvePath } from "node:path";
import { type UserCredentials, groupsOf, lookupUser } from "../os/users.ts";
import { AUTO_LOGFILE, DEFAULTS, NO_LOGFILE, PROCESS_NAME_NUMBERED } from "./defaults.ts";
import { type Diagnostic, type KeyLocator, MAX_DIAGNOSTICS } from "./diagnostic.ts";
import { dictionary } from "./dictionary.ts";
import { findDependencyProblems } from "./depends-on.ts";
import { expandVariables } from "./expand.ts";
import { healthcheck } from "./healthcheck.ts";
import { MAX_NUMPROCS_START, MAX_PROCESSES } from "./limits.ts";
import { type DirProbe, defaultLogDir } from "./log-dir.ts";
import type { RawConfig, RawEntry } from "./merge.ts";
import type { Config, HookConfig, ProcessSpec, ProgramConfig, SupervisorConfig } from "./schema.ts";
import { didYouMean, unknownKey } from "./suggest.ts";
import { resolveEventListeners, resolveHooks } from "./resolve-events.ts";
import { resolveGroups } from "./resolve-groups.ts";
import { basicPassword, basicUsername, resolveHttp, secretPassword } from "./resolve-http.ts";
import { ValueError, ValueErrors, show } from "./value-error.ts";
import * as values from "./values.ts";

/** What resolving needs from outside, passed in so tests can vary it. */
export interface ResolveContext {
  /** tsvisor's environment, for ${VAR} in environment values. */
  env: Record<string, string | undefined>;
  /** tsvisor's uid: only root may run programs as another user. */
  uid: number;
  /** Defaults to /etc/passwd through os/users.ts. */
  lookupUser?: (nameOrUid: string) => UserCredentials | null;
  /** The groups of a user (tests give their own /etc/group). */
  groupsOf?: (user: string, gid: number) => number[];
  /** Whether the default log_dir's places can be written; defaults to asking the file system (config/log-dir.ts). */
  probeDir?: DirProbe;
}

type Converter<T> = (value: unknown, file: string) => T;
type Credentials = ProcessSpec["credentials"];

// Relative paths are taken from the directory of the file that holds them, never the cwd, so a
// config means the same wherever tsvisor is started; `directory` is checked at spawn time (supervisord).
const path: Converter<string> = (value, file) => resolvePath(dirname(file), values.text(value));
// "auto", "none", or a path taken from the file's directory like any other.
const logfile: Converter<string> = (value, file) => {
  const name = values.logfile(value);
  return name === AUTO_LOGFILE || name === NO_LOGFILE ? name : resolvePath(dirname(file), name);
};

const PROGRAM_KEYS: { [K in keyof ProgramConfig]: Converter<ProgramConfig[K]> } = {
  command: values.command,
  directory: path,
  environment: values.environment, // resolveEnvironment() converts entry by entry
  user: values.user,
  umask: values.umask,
  autostart: values.boolean,
  autorestart: values.autorestart,
  exitcodes: values.exitcodes,
  startsecs: values.duration,
  startretries: (v) => {
    if (v === "unlimited") return v;
    if (typeof v === "string") throw new ValueError(`expected an integer >= 0 or "unlimited"; got ${show(v)}`);
    return values.integer(v, 0); // bounded: 1e308 or 2^53 + 1 are refused, not taken
  },
  backoff_delay: values.duration,
  backoff_factor: (v) => {
    if (typeof v === "number" && v >= 1 && v <= 100) return v;
    throw new ValueError(`expected a number from 1 to 100 (2 doubles the wait after each short run); got ${show(v)}`, { hint: "leave backoff_factor out for supervisord's linear 1 s, 2 s, 3 s …" });
  },
  backoff_max: (v) => {
    const seconds = values.duration(v);
    if (seconds > 0) return seconds;
    throw new ValueError(`expected a duration above 0; got ${show(v)}`);
  },
  backoff_reset: values.duration,
  stopsignal: values.signal,
  stopwaitsecs: values.duration,
  stopasgroup: values.boolean,
  killasgroup: values.boolean,
  stop_descendants: values.boolean,
  inherit_environment: values.boolean,
  priority: (v) => values.integer(v), // any integer, as in supervisord
  numprocs: (v) => values.integer(v, 1, MAX_PROCESSES),
  numprocs_start: (v) => values.integer(v, 0, MAX_NUMPROCS_START),
  process_name: values.processName,
  max_runtime: (v) => {
    const seconds = values.duration(v);
    if (seconds > 0) return seconds;
    throw new ValueError(`expected a duration above 0; got ${show(v)}`, { hint: "leave max_runtime out for no limit" });
  },
  redirect_stderr: values.boolean,
  stdout_logfile: logfile,
  stdout_logfile_maxbytes: values.size,
  stdout_logfile_backups: (v) => values.integer(v, 0, 1000),
  stderr_logfile: logfile,
  stderr_logfile_maxbytes: values.size,
  stderr_logfile_backups: (v) => values.integer(v, 0, 1000),
  console: values.boolean,
  log_timestamps: values.boolean,
  critical: values.boolean,
  stdout_events_enabled: values.boolean,
  stderr_events_enabled: values.boolean,
  depends_on: (v) => {
    const list = Array.isArray(v) ? v : [v];
    if (list.every((n) => typeof n === "string" && n !== "")) return [...new Set(list as string[])];
    throw new ValueError(`expected program names, e.g. ["db", "cache"]; got ${show(v)}`);
  },
  max_memory: (v) => {
    const bytes = values.size(v);
    if (bytes > 0) return bytes;
    throw new ValueError(`expected a size above 0; got ${show(v)}`, { hint: "leave max_memory out for no limit" });
  },
  healthcheck,
};

// Program keys whose default is the [supervisor] key of the same name.
const INHERITED_KEYS = ["console", "log_timestamps"] as const;

const SUPERVISOR_KEYS: { [K in keyof SupervisorConfig]: Converter<SupervisorConfig[K]> } = {
  socket: path,
  socket_mode: values.fileMode,
  socket_owner: values.owner,
  log_dir: (value, file) => (values.text(value).toLowerCase() === NO_LOGFILE ? NO_LOGFILE : path(value, file)), // "none": no log files by default
  console: values.boolean,
  log_timestamps: values.boolean,
  forward_signals: values.forwardSignals,
  sample_interval: values.duration,
  rpc_username: basicUsername,
  rpc_password: basicPassword, // read with ${VAR} expanded instead: resolveSupervisor
};

const PROGRAM_NAME = /^[A-Za-z0-9_.-]+$/;

// Merged raw tables -> the Config, with every diagnostic found (the Config is only usable when there are none).
export function resolveConfig(raw: RawConfig, ctx: ResolveContext): { config: Config; diagnostics: Diagnostic[]; omitted: number } {
  const report = new Reporter(raw.locate, raw.format);
  // the file system is asked only when the default is needed
  const logDir = raw.supervisor.has("log_dir") ? null : defaultLogDir(raw.file, ctx.uid, ctx.probeDir);
  // the variables a secret is read from: no program, hook or listener inherits them
  const secretVariables = new Set<string>();
  const secret = (name: string) => void secretVariables.add(name);
  const supervisor = resolveSupervisor(raw.supervisor, logDir?.dir ?? NO_LOGFILE, ctx.env, secret, report);
  const programs: ResolvedProgram[] = [];
  let count = 0;
  for (const [name, entry] of raw.programs) {
    // every program is a process at least: past the limit the rest are not even resolved
    if (++count > MAX_PROCESSES) {
      report.add(entry.file, ["programs", name], `the config defines ${raw.programs.size} programs; one tsvisor supervises at most ${MAX_PROCESSES} processes`, {
        hint: TOO_MANY_PROCESSES_HINT,
      });
      break;
    }
    const program = resolveProgram(name, entry, supervisor, ctx, report);
    if (program) programs.push(program);
  }
  const { groups, groupOf } = resolveGroups(raw.groups, programs.map((p) => p.name), report);
  const config: Config = {
    file: raw.file,
    files: raw.files,
    supervisor,
    programs: dictionary(programs.map((p) => [p.name, p.program])),
    groups,
    processes: expandInstances(programs, (program) => groupOf.get(program), groups, report),
    hooks: [],
    eventlisteners: resolveEventListeners(raw.eventlisteners, report),
    http: resolveHttp(raw.http, ctx, report, secret),
    secret_variables: [],
    notes: logDir?.note ? [logDir.note] : [],
  };
  const names = [...new Set([...config.processes.map((p) => p.name), ...Object.keys(config.programs), ...Object.keys(groups)])];
  config.hooks = withGroupedPrograms(resolveHooks(raw.hooks, names, report), config.processes);
  checkDependencies(programs, report);
  config.secret_variables = [...secretVariables];
  return { config, diagnostics: report.diagnostics, omitted: report.omitted };
}

interface ResolvedProgram {
  name: string;
  file: string;
  program: ProgramConfig;
  credentials: Credentials;
}

function resolveSupervisor(
  entries: ReadonlyMap<string, RawEntry>, logDir: string, env: Record<string, string | undefined>, secret: (name: string) => void, report: Reporter,
): SupervisorConfig {
  const supervisor: SupervisorConfig = { ...DEFAULTS.supervisor, log_dir: logDir };
  for (const [key, { file, value }] of entries) {
    if (!Object.hasOwn(SUPERVISOR_KEYS, key)) {
      report.add(file, ["supervisor", key], () => unknownKey(key, Object.keys(SUPERVISOR_KEYS)));
      continue;
    }
    const name = key as keyof SupervisorConfig;
    // the password is [http] password's kind of secret: ${VAR} expanded, the variable kept from programs
    const convert = name === "rpc_password" ? () => secretPassword(value, env, secret) : () => SUPERVISOR_KEYS[name](value, file);
    const converted = report.convert(file, ["supervisor", key], convert);
    if (converted !== undefined) Object.assign(supervisor, { [name]: converted });
  }
  const user = entries.get("rpc_username");
  const password = entries.get("rpc_password");
  if ((user === undefined) !== (password === undefined)) {
    const [set, missing] = user === undefined ? ["rpc_password", "rpc_username"] : ["rpc_username", "rpc_password"];
    report.add((user ?? password)!.file, ["supervisor", set], `${set} is set without ${missing}; supervisorctl sends both or neither`, { hint: `add ${missing}, or remove ${set}` });
  }
  return supervisor;
}

function resolveProgram(
  name: string, entry: RawEntry, supervisor: SupervisorConfig, ctx: ResolveContext, report: Reporter,
): ResolvedProgram | null {
  const { file } = entry;
  const at = ["programs", name];
  if (!PROGRAM_NAME.test(name)) {
    report.add(file, at, `invalid program name ${show(name)}: expected letters, digits, "_", "." and "-"`);
  }
  const table = report.convert(file, at, () => values.table(entry.value));
  if (table === undefined) return null;
  const program: ProgramConfig = { ...DEFAULTS.program, command: [], exitcodes: [...DEFAULTS.program.exitcodes], environment: dictionary() };
  for (const [key, value] of Object.entries(table)) {
    if (key === "environment") {
      program.environment = resolveEnvironment(value, file, [...at, key], ctx.env, report);
    } else if (Object.hasOwn(PROGRAM_KEYS, key)) {
      const converted = report.convert(file, [...at, key], () => PROGRAM_KEYS[key as keyof ProgramConfig](value, file));
      if (converted !== undefined) Object.assign(program, { [key]: converted });
    } else {
      report.add(file, [...at, key], () => unknownKey(key, Object.keys(PROGRAM_KEYS)));
    }
  }
  if (!Object.hasOwn(table, "command")) {
    report.add(file, at, `missing required key "command"`, { hint: report.format === "toml" ? `add command = ["program", "arg"] to [${report.display(at)}]` : `add command=/path/to/program --arg to ${report.display(at)}` });
  }
  // supervisord: stopasgroup implies killasgroup, and saying otherwise is a contradiction
  if (program.stopasgroup && !Object.hasOwn(table, "killasgroup")) program.killasgroup = true;
  if (program.stopasgroup && table.killasgroup === false) {
    report.add(file, [...at, "killasgroup"], "Cannot set stopasgroup=true and killasgroup=false", {
      hint: "remove killasgroup: stopasgroup = true implies killasgroup = true",
    });
  }
  // a process_name that failed to convert is reported already: name instances by the default then
  if (program.process_name !== table.process_name) {
    program.process_name = program.numprocs > 1 ? PROCESS_NAME_NUMBERED : DEFAULTS.program.process_name;
  } else if (program.numprocs > 1 && !/\{num(:0\d)?\}/.test(program.process_name)) {
    report.add(file, [...at, "process_name"],
      `process_name ${show(program.process_name)} has no {num}, so the ${program.numprocs} instances would share one name`,
      { at: "value", hint: 'write process_name = "{name}-{num}", or leave it out for that default' });
  }
  resolveLogKeys(program, table, supervisor, file, at, report);
  const credentials = program.user === null ? null : resolveUser(program.user, file, [...at, "user"], ctx, report);
  return { name, file, program, credentials };
}

// The log keys' defaults come from [supervisor] and from process_name, so they are filled in last.
function resolveLogKeys(
  program: ProgramConfig, table: Record<string, unknown>, supervisor: SupervisorConfig, file: string, at: string[], report: Reporter,
): void {
  for (const key of INHERITED_KEYS) if (!Object.hasOwn(table, key)) program[key] = supervisor[key];
  for (const [key, suffix] of [["stdout_logfile", "out"], ["stderr_logfile", "err"]] as const) {
    if (program[key] === AUTO_LOGFILE) {
      program[key] = supervisor.log_dir === NO_LOGFILE ? NO_LOGFILE : join(supervisor.log_dir, `${program.process_name}.${suffix}.log`);
    } else if (program[key] !== NO_LOGFILE && program.numprocs > 1 && !/\{num(:0\d)?\}/.test(program[key])) {
      report.add(file, [...at, key], `${key} ${show(program[key])} has no {num}, so the ${program.numprocs} instances would write one file`, {
        at: "value", hint: `put {num} in the file name, e.g. "${join(dirname(program[key]), `{name}-{num}.${suffix}.log`)}"`,
      });
    }
  }
}

// Each entry on its own, so every bad name or unset variable is reported, not just the first.
function resolveEnvironment(
  value: unknown, file: string, at: string[], env: ResolveContext["env"], report: Reporter,
): Record<string, string> {
  const result = dictionary<string>();
  for (const [name, raw] of Object.entries(report.convert(file, at, () => values.table(value)) ?? {})) {
    if (report.convert(file, [...at, name], () => values.envName(name), "key") === undefined) continue;
    const text = report.convert(file, [...at, name], () => {
      const expanded = expandVariables(values.envValue(raw), env);
      values.checkEnvEntry(name, expanded);
      return expanded;
    });
    if (text !== undefined) result[name] = text;
  }
  return result;
}

function resolveUser(user: string, file: string, at: string[], ctx: ResolveContext, report: Reporter): Credentials {
  const found = (ctx.lookupUser ?? lookupUser)(user);
  if (found === null) {
    report.add(file, at, `unknown user ${show(user)}: not in /etc/passwd`, {
      at: "value", hint: "create the user in the image (useradd), or give a numeric uid",
    });
    return null;
  }
  if (ctx.uid !== 0 && found.uid !== ctx.uid) {
    report.add(file, at, `user = ${show(user)} needs tsvisor to run as root`, {
      at: "value", hint: `tsvisor runs as uid ${ctx.uid}: start it as root, or remove user to run the program as uid ${ctx.uid}`,
    });
    return null;
  }
  // Not root and already that user: nothing to switch to, and a setgid() would fail without root.
  return ctx.uid === 0 ? { uid: found.uid, gid: found.gid, groups: (ctx.groupsOf ?? groupsOf)(found.name, found.gid), name: found.name } : null;
}

// numprocs instances of each program, named from process_name; a name made twice is an error. More
// than MAX_PROCESSES in all is an error too, found before any instance is made.
// A program in a [groups.NAME] belongs to that group (its processes' `group`), else to its own.
function expandInstances(
  programs: readonly ResolvedProgram[], groupOf: (program: string) => string | undefined, groups: Config["groups"], report: Reporter,
): ProcessSpec[] {
  if (!isWithinProcessLimit(programs, report)) return [];
  const processes: ProcessSpec[] = [];
  const owners = new Map<string, string>();
  const reported = new Set<string>();
  for (const { name: programName, file, program, credentials } of programs) {
    const inGroup = groupOf(programName);
    const group = inGroup ?? programName;
    const groupPriority = inGroup === undefined ? program.priority : groups[inGroup]!.priority;
    for (let num = program.numprocs_start; num < program.numprocs_start + program.numprocs; num++) {
      const name = values.expandProcessName(program.process_name, programName, num);
      const owner = owners.get(name);
      if (owner === undefined) {
        owners.set(name, programName);
        const logfile = (path: string) => (path === NO_LOGFILE ? null : values.expandProcessName(path, programName, num));
        const stdout_logfile = logfile(program.stdout_logfile);
        const stderr_logfile = program.redirect_stderr ? null : logfile(program.stderr_logfile);
        processes.push({ name, group, programName, groupPriority, num, credentials, stdout_logfile, stderr_logfile, program });
      } else if (owner !== programName && !reported.has(`${owner}\0${programName}`)) {
        // the same program making a name twice was reported above (process_name without {num})
        reported.add(`${owner}\0${programName}`);
        report.add(file, ["programs", programName, "process_name"],
          `process name ${show(name)} is made by both programs ${show(owner)} and ${show(programName)}`,
          { at: "value", hint: "give one of them a process_name of its own" });
      }
    }
  }
  checkLogFilesUnique(processes, programs, report);
  return processes;
}

// Reported at the program whose instances take the count past the limit.
function isWithinProcessLimit(programs: readonly ResolvedProgram[], report: Reporter): boolean {
  const total = programs.reduce((sum, p) => sum + p.program.numprocs, 0);
  if (total <= MAX_PROCESSES) return true;
  let count = 0;
  const culprit = programs.find((p) => (count += p.program.numprocs) > MAX_PROCESSES)!;
  report.add(culprit.file, ["programs", culprit.name, "numprocs"],
    `the config defines ${total} processes (all programs' numprocs together); one tsvisor supervises at most ${MAX_PROCESSES}`,
    { at: "value", hint: TOO_MANY_PROCESSES_HINT });
  return false;
}

const TOO_MANY_PROCESSES_HINT = "split the programs among several tsvisors (one per container), or lower numprocs";

// Two writers on one file would rotate it under each other: every log file belongs to one stream of one process.
function checkLogFilesUnique(processes: readonly ProcessSpec[], programs: readonly ResolvedProgram[], report: Reporter): void {
  const writers = new Map<string, { writer: string; program: string }>();
  for (const p of processes) {
    for (const [key, path] of [["stdout_logfile", p.stdout_logfile], ["stderr_logfile", p.stderr_logfile]] as const) {
      if (path === null) continue;
      const writer = `${p.name} (${key.slice(0, 6)})`;
      const first = writers.get(path);
      if (first === undefined) {
        writers.set(path, { writer, program: p.programName });
        continue;
      }
      // instances of one program sharing a file: reported already as a log file name without {num}
      if (first.program === p.programName && key === "stdout_logfile" && !p.program.stdout_logfile.includes("{num")) continue;
      if (first.program === p.programName && key === "stderr_logfile" && !p.program.stderr_logfile.includes("{num")) continue;
      const other = first.writer;
      const file = programs.find((r) => r.name === p.programName)!.file;
      report.add(file, ["programs", p.programName, key], `log file ${show(path)} is written by both ${other} and ${writer}`, {
        at: "value", hint: "give each program and stream a file of its own, or set redirect_stderr = true to send stderr to the stdout log",
      });
    }
  }
}

// A hook for a program in a group hears its processes by name: events carry a process's group, which
// is then the group's name, not the program's.
function withGroupedPrograms(hooks: HookConfig[], processes: readonly ProcessSpec[]): HookConfig[] {
  const grouped = new Map<string, string[]>();
  for (const p of processes) if (p.group !== p.programName) grouped.set(p.programName, [...(grouped.get(p.programName) ?? []), p.name]);
  for (const hook of hooks) hook.programs = [...new Set(hook.programs.flatMap((name) => grouped.get(name) ?? [name]))];
  return hooks;
}

// depends_on names programs that exist and makes no cycle; each problem is reported at its program's depends_on.
function checkDependencies(programs: readonly ResolvedProgram[], report: Reporter): void {
  const files = new Map(programs.map((p) => [p.name, p.file]));
  const names = programs.map((p) => p.name);
  for (const problem of findDependencyProblems(new Map(programs.map((p) => [p.name, p.program.depends_on])))) {
    const at = ["programs", problem.program, "depends_on"];
    if (problem.unknown !== undefined) {
      report.add(files.get(problem.program)!, at, `depends on ${show(problem.unknown)}, which is not a program${didYouMean(problem.unknown, names)}`, {
        at: "value", hint: `name a [programs.NAME] table: ${names.join(" ")}`,
      });
    } else {
      report.add(files.get(problem.program)!, at, `dependency cycle: ${problem.cycle!.join(" -> ")}`, {
        at: "value", hint: "remove one of these depends_on entries: a cycle can never start",
      });
    }
  }
}


// Turns ValueErrors into located diagnostics, so resolving can go on after each. Past
// MAX_DIAGNOSTICS it only counts them: a message may be a thunk, so those cost nothing to skip.
export class Reporter {
  readonly diagnostics: Diagnostic[] = [];
  /** Diagnostics past MAX_DIAGNOSTICS, counted but never made. */
  omitted = 0;

  constructor(private readonly locate: KeyLocator, readonly format: RawConfig["format"] = "toml") {}

  add(file: string, path: string[], message: string | (() => string), options: { at?: "key" | "value"; hint?: string } = {}): void {
    if (this.diagnostics.length >= MAX_DIAGNOSTICS) {
      this.omitted++;
      return;
    }
    const place = this.locate(file, path, options.at ?? "key");
    const hint = options.hint === undefined ? {} : { hint: options.hint };
    const text = typeof message === "string" ? message : message();
    this.diagnostics.push({ ...place, message: text, ...hint });
  }

  /** A key path as the user wrote it, for hints: "programs.web" or "[program:web]". */
  display(path: string[]): string {
    return this.locate("", path, "key").path;
  }

  // The converter's result, or undefined after reporting its ValueError (each of several) at the key or value.
  convert<T>(file: string, path: string[], convert: () => T, at: "key" | "value" = "value"): T | undefined {
    try {
      return convert();
    } catch (error) {
      if (!(error instanceof ValueError)) throw error;
      for (const e of error instanceof ValueErrors ? error.errors : [error]) {
        this.add(file, [...path, ...e.path], e.message, { at, ...(e.hint ? { hint: e.hint } : {}) });
      }
      return undefined;
    }
  }
}

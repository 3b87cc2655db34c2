// One decoded request -> one call on the supervisor (or the daemon) -> the reply. Faults become
// protocol error codes here; words are left to the CLI.
import { logFilesOf } from "../config/process-log.ts";
import { TsvisorError } from "../errors.ts";
import type { EventBus } from "../events/event-bus.ts";
import { concernsNames, type TsvisorEvent } from "../events/event.ts";
import { UNNAMED_DEFAULT_TYPES, expandEventName } from "../events/event-types.ts";
import type { StreamStarter } from "./connection.ts";
import { toHistory } from "./history-result.ts";
import type { Outcome as SupervisorOutcome } from "../supervisor/operator.ts";
import { RUNNING_STATES, STOPPED_STATES } from "../supervisor/states.ts";
import type { ConfigGroups } from "../supervisor/config-groups.ts";
import type { ProcessSpec } from "../config/schema.ts";
import type { ProcessView, Supervisor } from "../supervisor/supervisor.ts";
import { remoteEvent } from "../events/event.ts";
import {
  MAX_LOG_READ_BYTES, PROTOCOL_VERSION, decodeRequest, errorResponse, type ConfigInfo, type ErrorBody, type ErrorCode, type LogStream,
  type Outcome, type ProcessLogFiles, type ProcessStatus, type Request, type RequestId, type Response, type Results,
} from "./protocol.ts";

/** Log files read and emptied by path, as supervisord's API does (logs/log-range.ts); each throws TsvisorError NO_LOG or BAD_ARGUMENTS. */
export interface LogAccess {
  read(path: string, label: string, offset: number, length: number, cap: number): Uint8Array;
  tail(path: string, label: string, offset: number, length: number, cap: number): { data: Uint8Array; offset: number; overflow: boolean };
  /** false when there is no file to empty. */
  empty(path: string): boolean;
}

/** What the daemon lends the control socket. */
export interface ControlDeps {
  supervisor: Supervisor;
  /** Event history and live events, for `tsvisor events`. */
  events: EventBus;
  /** tsvisor's version, for `tsvisor version`. */
  version: string;
  /** Re-read the config and apply the difference (SIGHUP's job); throws TsvisorError on failure. */
  reload: () => Promise<Results["reload"]>;
  /** Begin stopping everything and exit, as SIGTERM does. */
  shutdown: () => void;
  /** Reopen every log file at its configured path, as SIGUSR2 does; returns how many. */
  reopenLogs: () => number;
  /** Is a shutdown under way (SIGTERM, `shutdown`)? */
  shuttingDown: () => boolean;
  /** tsvisor's own log file (tsvisor.log in log_dir). */
  mainLog: string | null;
  logs: LogAccess;
  /** reread / add_group / remove_group / config_info. */
  groups: ConfigGroups;
}

// Errors a reload may throw that the protocol names; anything else is a bug (INTERNAL).
const RELOAD_ERRORS: Record<string, ErrorCode> = {
  CONFIG_INVALID: "CONFIG_INVALID",
  CONFIG_NOT_FOUND: "CONFIG_INVALID", // the file was removed or renamed since tsvisor started
  CONFIG_UNTRUSTED: "CONFIG_INVALID", // ./tsvisor.toml's owner or mode changed since tsvisor started
  SHUTTING_DOWN: "SHUTTING_DOWN",
};
// The same for log reads (logs/log-range.ts): a file that is not there, or bytes that cannot be read.
const LOG_ERRORS: Record<string, ErrorCode> = { NO_LOG: "NO_LOG", BAD_ARGUMENTS: "BAD_REQUEST" };

// A request line -> its reply; never throws (a bug becomes an INTERNAL reply, the daemon goes on).
export async function handleLine(line: string, deps: ControlDeps, follow: (start: StreamStarter) => void = () => {}): Promise<Response> {
  const decoded = decodeRequest(line);
  if ("error" in decoded) return errorResponse(decoded.id, decoded.error);
  return handleRequest(decoded.request, decoded.id, deps, follow);
}

// A decoded request -> its reply, for the socket and the HTTP API alike (one meaning, one set of
// errors); never throws. `follow` receives the stream an `events` request with follow asks for.
export async function handleRequest(request: Request, id: RequestId, deps: ControlDeps, follow: (start: StreamStarter) => void = () => {}): Promise<Response> {
  try {
    const answer = request.op === "events" ? handleEvents(request, id, deps, follow) : await handle(request, deps);
    return "error" in answer ? errorResponse(id, answer.error) : { v: PROTOCOL_VERSION, id, ok: true, result: answer.result };
  } catch (error) {
    const code = error instanceof TsvisorError ? RELOAD_ERRORS[error.code] : undefined;
    if (code !== undefined) return errorResponse(id, { code, message: (error as Error).message });
    if (error instanceof TsvisorError && Object.hasOwn(LOG_ERRORS, error.code)) return errorResponse(id, { code: LOG_ERRORS[error.code]!, message: error.message });
    if (isLogRequest(request) && (error as NodeJS.ErrnoException).code !== undefined) return errorResponse(id, { code: "LOG_UNREADABLE", message: (error as Error).message });
    return errorResponse(id, { code: "INTERNAL", message: error instanceof Error ? error.message : String(error) });
  }
}

type Answer = { result: Results[keyof Results] } | { error: ErrorBody };

async function handle(request: Exclude<Request, { op: "events" }>, deps: ControlDeps): Promise<Answer> {
  const { supervisor } = deps;
  switch (request.op) {
    case "version":
      return { result: { version: deps.version, protocol: PROTOCOL_VERSION, pid: process.pid, state: deps.shuttingDown() ? "SHUTTING_DOWN" : "RUNNING" } };
    case "shutdown":
      deps.shutdown();
      return { result: {} };
    case "reopen_logs":
      return { result: { files: deps.reopenLogs() } };
    case "reload":
      return { result: await deps.reload() };
    case "read_log":
    case "tail_log":
    case "clear_log":
      return handleLog(request, deps);
    case "config_info":
      return { result: { processes: configInfo(deps) } };
    case "reread":
      return { result: deps.groups.reread() };
    case "add_group":
    case "remove_group": {
      const change = await (request.op === "add_group" ? deps.groups.add(request.name) : deps.groups.remove(request.name));
      return change.ok ? { result: { processes: change.processes } } : { error: { code: change.fault, name: request.name } };
    }
    case "remote_event":
      deps.events.emit(remoteEvent(request.type, request.data, Date.now()));
      return { result: {} };
    default:
  }
  const resolved = supervisor.resolveNames(request.names ?? ["all"]);
  if (!resolved.ok) return { error: { code: resolved.fault, name: resolved.name } };
  const { names } = resolved;
  switch (request.op) {
    case "status":
      return { result: { processes: supervisor.view(names).map(toStatus) } };
    case "log_files":
      return { result: { processes: logFilesOfNames(supervisor, names) } };
    case "history":
      return { result: { processes: supervisor.history(names, request.since ?? 0).map(toHistory) } };
    case "check": {
      // Without names (or with "all") a liveness question: every process that should run does, and a
      // stop by hand is not a fault. A process named is a readiness question (Kubernetes readiness
      // probes ask it so): it must be RUNNING, and healthy when it has a health check.
      const readiness = request.names !== undefined && !(request.names.length === 1 && request.names[0] === "all");
      const views = supervisor.view(names).filter((v) => readiness || v.record.wantedUp);
      const offenders = views.filter((v) => (readiness ? !isReady(v) : v.offender)).map(({ record: r, health, healthError }) =>
        health === "unhealthy" && r.state === "RUNNING"
          ? { name: r.name, state: r.state, reason: healthError, health }
          : { name: r.name, state: r.state, reason: r.reason });
      return { result: { healthy: offenders.length === 0, checked: views.length, offenders } };
    }
    case "start": {
      const wanted = selectsMany(request.names) ? names.filter((n) => !RUNNING_STATES.includes(stateOf(supervisor, n))) : names;
      return { result: { outcomes: (await supervisor.startProcesses(wanted, request.wait ?? true)).map(toOutcome) } };
    }
    case "stop": {
      const wanted = selectsMany(request.names) ? names.filter((n) => !STOPPED_STATES.includes(stateOf(supervisor, n))) : names;
      return { result: { outcomes: (await supervisor.stopProcesses(wanted, request.wait ?? true)).map(toOutcome) } };
    }
    case "restart":
      return { result: { outcomes: (await supervisor.restartProcesses(names, request.wait ?? true)).map(toOutcome) } };
    case "signal": {
      const outcomes = supervisor.signalProcesses(names, request.signal);
      if (outcomes === null) return { error: { code: "BAD_SIGNAL", signal: request.signal } };
      return { result: { outcomes: outcomes.map(toOutcome) } };
    }
    default:
      return request satisfies never;
  }
}

// `events`: the recent ones that match, and with follow a stream of the new ones from the reply on.
function handleEvents(request: Extract<Request, { op: "events" }>, id: RequestId, deps: ControlDeps, follow: (start: StreamStarter) => void): Answer {
  const types = new Set<string>();
  for (const name of request.types ?? UNNAMED_DEFAULT_TYPES) {
    const expanded = expandEventName(name);
    if (expanded === null) return { error: { code: "NO_SUCH_EVENT_TYPE", name } };
    for (const type of expanded) types.add(type);
  }
  const names = request.names ?? [];
  if (names.length > 0) {
    const resolved = deps.supervisor.resolveNames(names);
    if (!resolved.ok) return { error: { code: resolved.fault, name: resolved.name } };
  }
  const wanted = (e: TsvisorEvent) => types.has(e.type) && (names.length === 0 || concernsNames(e, names));
  if (request.follow) {
    follow((send) => deps.events.subscribe((event) => {
      if (wanted(event)) send({ v: PROTOCOL_VERSION, id, event });
    }));
  }
  return { result: { events: deps.events.recent().filter(wanted) } };
}

type LogRequest = Extract<Request, { op: "read_log" | "tail_log" | "clear_log" }>;
const isLogRequest = (request: Request): request is LogRequest => request.op === "read_log" || request.op === "tail_log" || request.op === "clear_log";

// A process's log (or, without a name, tsvisor's own): bytes by offset, as supervisord's API reads them,
// or emptied. Text is UTF-8 with U+FFFD for what is not (a read may cut a character in two).
function handleLog(request: LogRequest, deps: ControlDeps): Answer {
  const files: { path: string; label: string }[] = [];
  if (request.name === undefined) {
    if (deps.mainLog === null) return { error: { code: "NO_LOG", message: "tsvisor keeps no log file (log_dir = \"none\")" } };
    files.push({ path: deps.mainLog, label: "tsvisor's log" });
  } else {
    const spec = findOne(deps.supervisor, request.name);
    if (spec === null) return { error: { code: "NO_SUCH_PROCESS", name: request.name } };
    const streams: LogStream[] = request.op === "clear_log" ? ["stdout", "stderr"] : [request.stream ?? "stdout"];
    for (const stream of streams) {
      const path = logPathOf(spec, stream);
      if (path !== null) files.push({ path, label: `${spec.name}'s ${stream}` });
      else if (request.op !== "clear_log") return { error: { code: "NO_LOG", name: request.name, message: `${spec.name} keeps no ${stream} log` } };
    }
  }
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  if (request.op === "clear_log") return { result: { files: files.filter(({ path }) => deps.logs.empty(path)).length } };
  const { path, label } = files[0]!;
  if (request.op === "read_log") return { result: { data: text(deps.logs.read(path, label, request.offset, request.length, MAX_LOG_READ_BYTES)) } };
  const tail = deps.logs.tail(path, label, request.offset, request.length, MAX_LOG_READ_BYTES);
  return { result: { data: text(tail.data), offset: tail.offset, overflow: tail.overflow } };
}

// The one process a name stands for ("web", "worker:worker-1"); null when it names none, or several.
function findOne(supervisor: Supervisor, name: string): ProcessSpec | null {
  const resolved = supervisor.resolveNames([name]);
  if (!resolved.ok || resolved.names.length !== 1) return null;
  return supervisor.specs().find((spec) => spec.name === resolved.names[0]) ?? null;
}

// The file a stream is written to; null when none is kept (`none`, or stderr sent to stdout).
function logPathOf(spec: ProcessSpec, stream: LogStream): string | null {
  if (stream === "stdout") return spec.stdout_logfile;
  return spec.program.redirect_stderr ? null : spec.stderr_logfile;
}

// The config read last, process by process, in supervisord's getAllConfigInfo order (by name).
function configInfo(deps: ControlDeps): ConfigInfo[] {
  const active = new Set(deps.supervisor.specs().map((spec) => spec.name));
  const known = deps.groups.knownProcesses();
  return known.map((spec): ConfigInfo => {
    const p = spec.program;
    return {
      name: spec.name, group: spec.group, in_use: active.has(spec.name), autostart: p.autostart, priority: p.priority,
      group_priority: spec.groupPriority, command: p.command, directory: p.directory, user: p.user, exitcodes: p.exitcodes,
      startsecs: p.startsecs, startretries: p.startretries, stopsignal: p.stopsignal, stopwaitsecs: p.stopwaitsecs, killasgroup: p.killasgroup,
      redirect_stderr: p.redirect_stderr, stdout_logfile: spec.stdout_logfile, stdout_logfile_maxbytes: p.stdout_logfile_maxbytes,
      stdout_logfile_backups: p.stdout_logfile_backups, stdout_events_enabled: p.stdout_events_enabled, stderr_logfile: logPathOf(spec, "stderr"),
      stderr_logfile_maxbytes: p.stderr_logfile_maxbytes, stderr_logfile_backups: p.stderr_logfile_backups, stderr_events_enabled: p.stderr_events_enabled,
    };
  }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

// The files the daemon writes each process's output to, as configured now (after any reload).
function logFilesOfNames(supervisor: Supervisor, names: readonly string[]): ProcessLogFiles[] {
  const wanted = new Set(names);
  return supervisor.specs().filter((spec) => wanted.has(spec.name)).map(logFilesOf);
}

function toStatus(v: ProcessView): ProcessStatus {
  const { record: r } = v;
  return {
    name: r.name, group: v.group, program: v.program, state: r.state, pid: r.pid, uptime_ms: v.uptimeMs, started_at: r.startedAt, stopped_at: r.stoppedAt,
    restarts: r.restarts, last_exit: r.lastExit, reason: r.reason, wanted: r.wantedUp, dropped_log_lines: v.droppedLogLines,
    health: v.health, health_error: v.healthError, cpu_percent: v.cpuPercent === null ? null : Math.round(v.cpuPercent * 10) / 10,
    cpu_seconds: v.cpuSeconds,
    rss_bytes: v.rssBytes, peak_rss_bytes: v.peakRssBytes, pss_bytes: v.pssBytes, peak_pss_bytes: v.peakPssBytes, restarted_because: v.restartedBecause,
  };
}

function toOutcome(o: SupervisorOutcome): Outcome {
  if (o.fault === null) return { name: o.name, ok: true, state: o.state };
  return { name: o.name, ok: false, error: { code: o.fault, state: o.state, reason: o.reason } };
}

// `stop all`, `start worker:*`: as supervisord's start/stopAllProcesses and start/stopProcessGroup,
// they act on the processes that need it; one already there is left out, not an error (exit 0).
const selectsMany = (names: readonly string[] | undefined): boolean =>
  names === undefined || (names.length > 0 && names.every((n) => n === "all" || n.endsWith(":*")));

const stateOf = (supervisor: Supervisor, name: string) => supervisor.view([name])[0]!.record.state;

// Ready for traffic: RUNNING, and healthy when it has a health check (not while its first probe is due).
const isReady = (v: ProcessView): boolean => v.record.state === "RUNNING" && (v.health === null || v.health === "healthy");

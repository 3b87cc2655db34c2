// Replies -> words. The protocol carries codes only; every sentence a user reads about a control
// request is here (supervisorctl's _startresult() and status formatting): "web: started",
// "wbe: ERROR (no such process)", the status table. Colour only on a terminal, never with NO_COLOR.
import { ANSI, paint } from "../colour.ts";
import type { ErrorBody, Offender, Outcome, ProcessStatus, StateName } from "../control/protocol.ts";
import { countOf } from "../plural.ts";

/** What a start/stop/restart/signal request asked for: picks the word for a success. */
export type Verb = "start" | "stop" | "restart" | "signal";

const DONE: Record<Verb, string> = { start: "started", stop: "stopped", restart: "restarted", signal: "signalled" };
const ACCEPTED: Record<Verb, string> = { start: "starting", stop: "stopping", restart: "restarting", signal: "signalled" };

// "web: started" | "web: starting" (--no-wait) | "web: ERROR (already started)"
export function renderOutcome(outcome: Outcome, verb: Verb, waited: boolean): string {
  if (outcome.ok) return `${outcome.name}: ${(waited ? DONE : ACCEPTED)[verb]}`;
  return `${outcome.name}: ERROR (${describeError(outcome.error)})`;
}

// An error code (and what it carries) in words, as supervisorctl words its faults.
export function describeError(error: ErrorBody): string {
  switch (error.code) {
    case "NO_SUCH_PROCESS": return "no such process";
    case "NO_SUCH_GROUP": return "no such group";
    case "ALREADY_STARTED": return "already started";
    case "NOT_RUNNING": return "not running";
    case "SHUTTING_DOWN": return "tsvisor is shutting down";
    case "START_FAILED": return describeStartFailure(error);
    case "BAD_SIGNAL": return `bad signal name ${JSON.stringify(error.signal)}; use a name such as HUP, USR1, TERM`;
    case "CONFIG_INVALID": return "the config does not load";
    case "BAD_REQUEST": return `bad request${error.field ? ` (field "${error.field}")` : ""}`;
    case "LINE_TOO_LONG": return `request longer than ${error.limit ?? "the limit of"} bytes`;
    case "UNSUPPORTED_VERSION": return "the daemon speaks another protocol version; use the tsvisor binary the daemon runs";
    case "UNKNOWN_OP": return "the daemon does not know this command; use the tsvisor binary the daemon runs";
    case "IDLE_TIMEOUT": return "no request came in time";
    case "NO_SUCH_EVENT_TYPE": return `no event type ${JSON.stringify(error.name)}; use PROCESS_STATE_FATAL, PROCESS_STATE, EVENT, … (docs/events.md)`;
    case "BUSY": return "tsvisor is busy; try again";
    case "FELL_BEHIND": return `fell more than ${formatLimit(error.limit)} behind`;
    case "NO_LOG": return error.message ?? "no log file";
    case "LOG_UNREADABLE": return `cannot read the log: ${error.message ?? "no detail"}`;
    case "ALREADY_ADDED": return "process group already active";
    case "STILL_RUNNING": return "process group still running";
    case "INTERNAL": return `internal error in tsvisor: ${error.message ?? "no detail"}`;
    default: return error.code satisfies never;
  }
}

// 1048576 -> "1 MiB"; a limit in no whole MiB stays in bytes.
function formatLimit(limit: number | undefined): string {
  if (limit === undefined) return "the limit";
  return limit % 1024 ** 2 === 0 ? `${limit / 1024 ** 2} MiB` : `${limit} bytes`;
}

// supervisorctl says "spawn error" or "abnormal termination"; the reason says which and why.
function describeStartFailure(error: ErrorBody): string {
  const reason = error.reason ?? "no reason recorded";
  const what = reason.startsWith("spawn error") ? reason : `abnormal termination: ${reason}`;
  return error.state ? `${what}; now ${error.state}` : what;
}

// --- status ---

const HEADER = ["NAME", "STATE", "PID", "UPTIME", "RESTARTS", "CPU", "PSS", "PEAK", "HEALTH", "INFO"] as const;

// One aligned row per process under a header; `colour` paints the state column.
export function renderStatusTable(processes: readonly ProcessStatus[], now: number, colour: boolean): string {
  const rows = processes.map((p) => [
    displayName(p), p.state, p.pid === null ? "-" : String(p.pid), p.uptime_ms === null ? "-" : formatUptime(p.uptime_ms),
    String(p.restarts), p.cpu_percent === null ? "-" : `${p.cpu_percent.toFixed(1)}%`, formatBytes(p.pss_bytes),
    formatBytes(p.peak_pss_bytes), p.health ?? "-", describeStatus(p, now),
  ]);
  const widths = HEADER.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[], state?: StateName) =>
    cells.map((cell, i) => {
      const padded = i === cells.length - 1 ? cell : cell.padEnd(widths[i]!);
      return i === 1 && state && colour ? paintState(state, padded) : padded;
    }).join("  ").trimEnd();
  return [line(HEADER), ...rows.map((r, i) => line(r, processes[i]!.state))].join("\n") + "\n";
}

// A process of a [groups.NAME] as supervisorctl shows it, GROUP:NAME (the name `start` and `logs`
// take too); any other by its name alone, as before groups existed.
export function displayName(p: Pick<ProcessStatus, "name" | "group" | "program">): string {
  return p.group === p.program ? p.name : `${p.group}:${p.name}`;
}

// The INFO column: the reason for the state, when there is one, and since when a stopped one is down.
export function describeStatus(p: ProcessStatus, now: number): string {
  const parts: string[] = [];
  if (p.reason) parts.push(p.state === "RUNNING" || p.state === "STARTING" ? `last exit: ${p.reason}` : p.reason);
  if (p.pid === null && p.stopped_at !== null && p.state !== "BACKOFF") parts.push(`${formatAge(now - p.stopped_at)} ago`);
  if (!p.wanted && p.state === "STOPPED" && p.started_at !== null) parts.push("stopped by hand");
  if (p.dropped_log_lines > 0) parts.push(`${countOf(p.dropped_log_lines, "log line")} dropped`);
  if (p.health_error !== null && p.health !== null && p.health !== "healthy") parts.push(`health check: ${p.health_error}`);
  if (p.restarted_because !== null) parts.push(`restarted for ${p.restarted_because}`);
  return parts.join(", ");
}

// supervisord's uptime: "0:00:05", "1:02:03", "2 days, 1:02:03".
export function formatUptime(ms: number): string {
  const total = Math.floor(ms / 1000);
  const days = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = String(Math.floor((total % 3600) / 60)).padStart(2, "0");
  const s = String(total % 60).padStart(2, "0");
  const clock = `${h}:${m}:${s}`;
  return days === 0 ? clock : `${days} day${days === 1 ? "" : "s"}, ${clock}`;
}

// "512K", "12.3M", "1.5G" (1024-based, as ps and top); "-" when unknown.
export function formatBytes(bytes: number | null): string {
  if (bytes === null) return "-";
  if (bytes < 1024 ** 2) return `${Math.round(bytes / 1024)}K`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)}M`;
  return `${(bytes / 1024 ** 3).toFixed(1)}G`;
}

// "5s", "3m", "2h", "4d": how long ago, to the largest whole unit.
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

// --- check ---

// "web: FATAL (exit status 1; not expected; gave up after 4 attempts)"
// "web: RUNNING but unhealthy (HTTP 503)"
export function renderOffender(o: Offender): string {
  const state = o.health === "unhealthy" ? `${o.state} but unhealthy` : o.state;
  return `${o.name}: ${state}${o.reason ? ` (${o.reason})` : ""}`;
}

// --- colour ---

const COLOURS: Partial<Record<StateName, number>> = {
  RUNNING: ANSI.green, STARTING: ANSI.yellow, BACKOFF: ANSI.yellow, STOPPING: ANSI.yellow, EXITED: ANSI.red, FATAL: ANSI.red, UNKNOWN: ANSI.red,
};

function paintState(state: StateName, text: string): string {
  const code = COLOURS[state];
  return code === undefined ? text : paint(code, text);
}

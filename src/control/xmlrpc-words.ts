// supervisord's vocabulary in its API: Fault codes and texts (xmlrpc.py Faults, RPCError), state
// codes (states.py), namespecs ("group:name"), and a process as getProcessInfo() describes it
// (rpcinterface.py), built from the control protocol's ProcessStatus. Pure: time arrives as `now`.
import type { ErrorCode, ProcessStatus, StateName } from "./protocol.ts";
import type { XmlRpcStruct } from "./xmlrpc-codec.ts";

export const FAULTS = {
  UNKNOWN_METHOD: 1,
  INCORRECT_PARAMETERS: 2,
  BAD_ARGUMENTS: 3,
  SIGNATURE_UNSUPPORTED: 4,
  SHUTDOWN_STATE: 6,
  BAD_NAME: 10,
  BAD_SIGNAL: 11,
  NO_FILE: 20,
  NOT_EXECUTABLE: 21,
  FAILED: 30,
  ABNORMAL_TERMINATION: 40,
  SPAWN_ERROR: 50,
  ALREADY_STARTED: 60,
  NOT_RUNNING: 70,
  SUCCESS: 80,
  ALREADY_ADDED: 90,
  STILL_RUNNING: 91,
  CANT_REREAD: 92,
} as const;
export type FaultName = keyof typeof FAULTS;

/** A method's failure as supervisord words it: code, and "NAME" or "NAME: extra". */
export class RpcFault extends Error {
  readonly code: number;
  constructor(readonly fault: FaultName, extra?: string) {
    super(extra === undefined ? fault : `${fault}: ${extra}`);
    this.code = FAULTS[fault];
  }
}

/** states.py's ProcessStates. */
export const STATE_CODES: Record<StateName, number> = { STOPPED: 0, STARTING: 10, RUNNING: 20, BACKOFF: 30, STOPPING: 40, EXITED: 100, FATAL: 200, UNKNOWN: 1000 };

// A control protocol error code -> supervisord's Fault, for an error about `name`.
export function faultOf(code: ErrorCode, name: string, state?: StateName | null): RpcFault {
  switch (code) {
    case "NO_SUCH_PROCESS":
    case "NO_SUCH_GROUP":
      return new RpcFault("BAD_NAME", name);
    case "ALREADY_STARTED": return new RpcFault("ALREADY_STARTED", name);
    case "NOT_RUNNING": return new RpcFault("NOT_RUNNING", name);
    // rpcinterface.py: a start that failed or died before startsecs (BACKOFF: supervisord's spawnerr is set
    // then) is SPAWN_ERROR; one that ended any other way (stopped meanwhile) is ABNORMAL_TERMINATION
    case "START_FAILED": return new RpcFault(state === "BACKOFF" || state === "FATAL" ? "SPAWN_ERROR" : "ABNORMAL_TERMINATION", name);
    case "SHUTTING_DOWN": return new RpcFault("SHUTDOWN_STATE");
    case "BAD_SIGNAL": return new RpcFault("BAD_SIGNAL", name);
    case "NO_LOG": return new RpcFault("NO_FILE", name);
    case "ALREADY_ADDED": return new RpcFault("ALREADY_ADDED", name);
    case "STILL_RUNNING": return new RpcFault("STILL_RUNNING", name);
    case "CONFIG_INVALID": return new RpcFault("CANT_REREAD", name);
    case "BAD_REQUEST": return new RpcFault("BAD_ARGUMENTS");
    default: return new RpcFault("FAILED", `${code}${name ? `: ${name}` : ""}`);
  }
}

/** A namespec split as options.py split_namespec() does: "g:*" and "g:" name the group; "x" is "x:x". */
export function splitNamespec(namespec: string): { group: string; process: string | null } {
  const colon = namespec.indexOf(":");
  if (colon < 0) return { group: namespec, process: namespec };
  const process = namespec.slice(colon + 1);
  return { group: namespec.slice(0, colon), process: process === "" || process === "*" ? null : process };
}

/** make_namespec(): "web" when the process is its group's namesake, else "group:name". */
export const makeNamespec = (group: string, process: string) => (group === process ? process : `${group}:${process}`);

/** Where a process's output goes, for getProcessInfo's logfile fields ("" when nowhere). */
export interface LogPaths {
  stdout: string | null;
  stderr: string | null;
}

// supervisord's spawnerr: what went wrong with the last start. Its words for a process that died
// before startsecs, so that `supervisorctl status` reads the same under both.
function spawnErrorOf(p: ProcessStatus): string {
  if (p.reason?.startsWith("spawn error: ")) return p.reason.slice("spawn error: ".length);
  if (p.state === "BACKOFF" || p.state === "FATAL") return "Exited too quickly (process log may have details)";
  if (p.state === "EXITED" && p.last_exit?.code !== null && p.reason?.includes("not expected")) return `Bad exit code ${p.last_exit?.code}`;
  return "";
}

// getProcessInfo()'s struct. Times are whole seconds since the epoch, 0 for never (as supervisord's).
export function processInfo(p: ProcessStatus, logs: LogPaths, nowMs: number): XmlRpcStruct {
  const seconds = (ms: number | null) => (ms === null ? 0 : Math.floor(ms / 1000));
  const start = seconds(p.started_at);
  const stop = seconds(p.stopped_at);
  const now = seconds(nowMs);
  const spawnerr = spawnErrorOf(p);
  const info = {
    name: p.name, group: p.group, start, stop, now, state: STATE_CODES[p.state], statename: p.state, spawnerr,
    // decode_wait_status(): the exit code, or -1 for a death by signal; 0 while nothing has exited
    exitstatus: p.last_exit === null ? 0 : (p.last_exit.code ?? -1),
    logfile: logs.stdout ?? "", stdout_logfile: logs.stdout ?? "", stderr_logfile: logs.stderr ?? "", pid: p.pid ?? 0,
  };
  return { ...info, description: describe(p.state, { pid: info.pid, start, stop, now, spawnerr, name: p.name }) };
}

// rpcinterface.py _interpretProcessInfo(): "pid 42, uptime 0:01:02", the stop time, or the spawn error.
function describe(state: StateName, info: { pid: number; start: number; stop: number; now: number; spawnerr: string; name: string }): string {
  if (state === "RUNNING") return `pid ${info.pid}, uptime ${formatTimedelta(Math.max(0, info.now - info.start))}`;
  if (state === "FATAL" || state === "BACKOFF") return info.spawnerr || `unknown error (try "tail ${info.name}")`;
  if (state === "STOPPED" || state === "EXITED") return info.start ? formatStopTime(new Date(info.stop * 1000)) : "Not started";
  return "";
}

// Python's str(timedelta): "0:01:02", "1 day, 2:03:04", "3 days, 0:00:00".
export function formatTimedelta(totalSeconds: number): string {
  const days = Math.floor(totalSeconds / 86400);
  const rest = totalSeconds % 86400;
  const clock = `${Math.floor(rest / 3600)}:${pad(Math.floor(rest / 60) % 60)}:${pad(rest % 60)}`;
  return days > 0 ? `${days} day${days === 1 ? "" : "s"}, ${clock}` : clock;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

// strftime('%b %d %I:%M %p') in local time: "Nov 24 03:54 AM".
export function formatStopTime(date: Date): string {
  const hours = date.getHours();
  return `${MONTHS[date.getMonth()]} ${pad(date.getDate())} ${pad(hours % 12 === 0 ? 12 : hours % 12)}:${pad(date.getMinutes())} ${hours < 12 ? "AM" : "PM"}`;
}

const pad = (n: number) => String(n).padStart(2, "0");

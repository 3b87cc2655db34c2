// The control protocol: one JSON object per line each way, versioned, every reply carrying the id of
// its request. The vocabulary is closed — ops and error codes are the lists below, and words appear
// only in the CLI (supervisord's Faults + supervisorctl's _startresult()). docs/protocol.md is the
// reference for other tools. A leaf: it imports nothing from src/, so the client stays small.

export const PROTOCOL_VERSION = 1;

/** Longest request line accepted, newline included; a longer one is refused and the connection closed. */
export const MAX_LINE_BYTES = 64 * 1024;

/** supervisord's state words (supervisor/states.ts has the same list; this module may not import it). */
export type StateName = "STOPPED" | "STARTING" | "RUNNING" | "BACKOFF" | "STOPPING" | "EXITED" | "FATAL" | "UNKNOWN";

/** A request id: chosen by the client, echoed in the reply. */
export type RequestId = number | string;

/** start, stop and restart wait for the outcome unless `wait` is false. */
export type Request =
  | { op: "status"; names?: string[] }
  | { op: "start"; names: string[]; wait?: boolean }
  | { op: "stop"; names: string[]; wait?: boolean }
  | { op: "restart"; names: string[]; wait?: boolean }
  | { op: "signal"; names: string[]; signal: string }
  | { op: "check"; names?: string[] }
  | { op: "reload" }
  | { op: "shutdown" }
  | { op: "reopen_logs" }
  // where each process's output is kept (`tsvisor logs` reads those files itself)
  | { op: "log_files"; names?: string[] }
  | { op: "version" }
  // recent events (the daemon keeps the last 1000); with follow, then every new one as an EventLine
  | { op: "events"; names?: string[]; types?: string[]; follow?: boolean }
  // bytes of a process's log (without name: tsvisor's own), as supervisord's readProcessStdoutLog reads them
  | { op: "read_log"; name?: string; stream?: LogStream; offset: number; length: number }
  // the end of a log from an offset on, as supervisord's tailProcessStdoutLog (for `tail -f` by polling)
  | { op: "tail_log"; name: string; stream?: LogStream; offset: number; length: number }
  // empty a process's log files (without name: tsvisor's own)
  | { op: "clear_log"; name?: string }
  // every process of the config read last (at start, reload or reread), whether it runs now or not
  | { op: "config_info" }
  // read the config again and say which groups it adds, changes and removes; applies nothing
  | { op: "reread" }
  // start supervising one group of the config read last / stop supervising one whose processes are all stopped
  | { op: "add_group"; name: string }
  | { op: "remove_group"; name: string }
  // a REMOTE_COMMUNICATION event for event listeners and hooks
  | { op: "remote_event"; type: string; data: string }
  // each process's samples and events (docs/protocol.md); with `since`, only what came after it (ms since the epoch)
  | { op: "history"; names?: string[]; since?: number };

/** Which output of a process a log op reads. */
export type LogStream = "stdout" | "stderr";

export type Op = Request["op"];
export const OPS: readonly Op[] = [
  "status", "start", "stop", "restart", "signal", "check", "reload", "shutdown", "version", "events", "reopen_logs", "log_files",
  "read_log", "tail_log", "clear_log", "config_info", "reread", "add_group", "remove_group", "remote_event", "history",
];

/** Most bytes one read_log or tail_log answers with; a longer read is cut there (read on from where it ended). */
export const MAX_LOG_READ_BYTES = 1024 * 1024;
/** Longest `type` and `data` of a remote_event. */
export const MAX_REMOTE_EVENT_BYTES = 32 * 1024;

/** Every error code the daemon may answer with; docs/protocol.md says when each is sent. */
export type ErrorCode =
  | "BAD_REQUEST" // not JSON, not an object, or a field of the wrong type (`field` names it)
  | "LINE_TOO_LONG" // the request line exceeds MAX_LINE_BYTES; the connection is closed after the reply
  | "UNSUPPORTED_VERSION" // `v` is not PROTOCOL_VERSION
  | "UNKNOWN_OP" // `op` is not one of OPS
  | "IDLE_TIMEOUT" // no complete request arrived in time; the connection is closed after the reply
  | "NO_SUCH_PROCESS" // a name matches no process (`name`)
  | "NO_SUCH_GROUP" // a "GROUP:*" matches no program (`name`)
  | "BAD_SIGNAL" // `signal` is not a signal name (`signal`)
  | "ALREADY_STARTED" // start of a process that is STARTING, RUNNING or BACKOFF
  | "NOT_RUNNING" // stop or signal of a process that has none running
  | "START_FAILED" // a start ended in BACKOFF, FATAL or a stop instead of RUNNING (`state`, `reason`)
  | "SHUTTING_DOWN" // tsvisor is stopping everything; nothing is started any more
  | "CONFIG_INVALID" // reload: the config file does not load (`message` holds the diagnostics)
  | "NO_SUCH_EVENT_TYPE" // events: a name in `types` is no event type or class (`name`)
  | "NO_LOG" // read_log, tail_log, clear_log: the process keeps no log of that stream, or the file is not there (`name`, `message`)
  | "LOG_UNREADABLE" // read_log, clear_log: the log file exists but could not be read or emptied (`message`)
  | "ALREADY_ADDED" // add_group: the group is supervised already (`name`)
  | "STILL_RUNNING" // remove_group: a process of the group is not stopped (`name`)
  | "BUSY" // the connection was refused: `reason` "connections" (`limit` are open) or "file_descriptors"; then closed
  | "FELL_BEHIND" // a stream's last line: its reader fell more than `limit` bytes behind and is sent nothing more; then closed
  | "INTERNAL"; // a bug in tsvisor (`message`)

export interface ErrorBody {
  code: ErrorCode;
  name?: string;
  field?: string;
  signal?: string;
  state?: StateName;
  reason?: string | null;
  message?: string;
  limit?: number;
}

/** One process as `status` shows it; times are milliseconds since the epoch. */
export interface ProcessStatus {
  name: string;
  /** Its process group: the `[groups.NAME]` its program is in, else the program's own key. */
  group: string;
  /** The `[programs.NAME]` key the process comes from. */
  program: string;
  state: StateName;
  pid: number | null;
  /** Milliseconds the live process has been up; null when there is none. */
  uptime_ms: number | null;
  started_at: number | null;
  stopped_at: number | null;
  /** Automatic restarts since tsvisor started. */
  restarts: number;
  last_exit: { code: number; signal: null } | { code: null; signal: string } | null;
  /** Why it is in its state: "exit status 1; not expected", "spawn error: …"; null when there is nothing to say. */
  reason: string | null;
  /** Someone wants it up (autostart or started by hand, and not stopped by hand): `check` counts it. */
  wanted: boolean;
  /** Output lines dropped since tsvisor started (full or failing disk, stuck console reader). */
  dropped_log_lines: number;
  /** The health check's verdict while a process lives; null without a health check or a process. */
  health: HealthName | null;
  /** What the last failed health probe said ("HTTP 503", "connection refused"); null after a success. */
  health_error: string | null;
  /** CPU use of the process and all its descendants over the last sample interval, 100 = one core; null when unknown. */
  cpu_percent: number | null;
  /** CPU seconds (user + system) used so far by the live processes of the tree, at the last sample; null when unknown. */
  cpu_seconds: number | null;
  /** Resident memory of the process and all its descendants at the last sample, summed: a page shared by N of them counts N times; null when unknown. */
  rss_bytes: number | null;
  /** Highest rss_bytes since the process started; null when unknown. */
  peak_rss_bytes: number | null;
  /** Proportional memory of the tree (each shared page split among its sharers), what max_memory compares; null when unknown. */
  pss_bytes: number | null;
  /** Highest pss_bytes since the process started; null when unknown. */
  peak_pss_bytes: number | null;
  /** Why tsvisor last restarted it on its own: "unhealthy: …" or "max_memory: …"; null when it never did. */
  restarted_because: string | null;
}

/** Where one process's output is kept: what `log_files` answers (config/process-log.ts has the same shape). */
export interface ProcessLogFiles {
  name: string;
  group: string;
  /** The stdout log and how many rotated copies (path.1 ... path.N) it keeps; null: stdout_logfile = "none". */
  stdout: { path: string; backups: number } | null;
  /** As stdout; null: stderr_logfile = "none", or redirect_stderr. */
  stderr: { path: string; backups: number } | null;
  /** stderr goes to the stdout log. */
  redirect_stderr: boolean;
  /** Every line in the files begins with an RFC 3339 timestamp (log_timestamps). */
  timestamps: boolean;
}

/** A health check's verdict. */
export type HealthName = "starting" | "healthy" | "unhealthy";

/** What became of one process in a start/stop/restart/signal. */
export type Outcome = { name: string; ok: true; state: StateName } | { name: string; ok: false; error: ErrorBody };

/** A process that `check` counts against health: wanted up, but not RUNNING, or unhealthy. */
export interface Offender {
  name: string;
  state: StateName;
  reason: string | null;
  /** Present, as "unhealthy", when that is why it counts (it is RUNNING). */
  health?: "unhealthy";
}

/** One event (docs/events.md); times are milliseconds since the epoch, fields null when they do not apply. */
export interface EventRecord {
  type: string;
  time: number;
  program: string | null;
  group: string | null;
  from_state: StateName | null;
  to_state: StateName | null;
  pid: number | null;
  exit_code: number | null;
  signal: string | null;
  expected: boolean | null;
  reason: string | null;
  tries: number | null;
  /** PROCESS_LOG_* only: the lines written; REMOTE_COMMUNICATION: its data. */
  data?: string;
  /** REMOTE_COMMUNICATION only: the type its sender gave. */
  remote_type?: string;
}

/** What a history event is (docs/protocol.md `history`). */
export type HistoryEventKind = "start" | "exit" | "spawn_error" | "stop" | "fatal" | "unhealthy" | "healthy";

/** Why a process was started: at start-up or by hand, a restart by hand, autorestart after a crash or an expected exit, a retry from BACKOFF, or tsvisor's own restarts. */
export type StartCause = "start" | "by_hand" | "crash" | "exit" | "retry" | "unhealthy" | "max_memory" | "max_runtime";

/** One event of a process's history; fields are null where they do not apply. */
export interface HistoryEvent {
  time: number;
  kind: HistoryEventKind;
  /** start: the new process; exit: the one that ended. */
  pid: number | null;
  /** start, spawn_error: why the process was started. */
  cause: StartCause | null;
  exit_code: number | null;
  /** The signal that killed it, without "SIG". */
  signal: string | null;
  /** exit: was the code in exitcodes? */
  expected: boolean | null;
}

/** One process's history; times are milliseconds since the epoch, each column oldest first. */
export interface ProcessHistory {
  name: string;
  group: string;
  /** sample_interval in ms, how far apart the samples are; 0 when sampling is off (events only). */
  sample_interval_ms: number;
  /** The last 720 samples of its live processes (an hour at the default sample_interval); memory is PSS, RSS where there is none. */
  samples: { time: number[]; cpu_percent: (number | null)[]; memory_bytes: number[]; health: (HealthName | null)[] };
  /** One point per 2 minutes of samples, the last 720 (a day): mean and highest CPU, highest memory, worst health; `time` is the bucket's start. */
  buckets: { time: number[]; cpu_percent: (number | null)[]; cpu_max_percent: (number | null)[]; memory_bytes: number[]; health: (HealthName | null)[] };
  /** The last 128 events. */
  events: HistoryEvent[];
}

/**
 * After the reply to `events` with follow: one line per new event, with the request's id. A follower
 * the daemon drops gets a last line, an error with the same id (FELL_BEHIND).
 */
export interface EventLine {
  v: number;
  id: RequestId;
  event: EventRecord;
}

/** The `result` of each op. */
export interface Results {
  status: { processes: ProcessStatus[] };
  start: { outcomes: Outcome[] };
  stop: { outcomes: Outcome[] };
  restart: { outcomes: Outcome[] };
  signal: { outcomes: Outcome[] };
  check: { healthy: boolean; checked: number; offenders: Offender[] };
  reload: { added: string[]; removed: string[]; changed: string[]; unchanged: string[] };
  shutdown: Record<string, never>;
  /** How many log files were reopened at their configured paths (USR2's job). */
  reopen_logs: { files: number };
  /** `state`: RUNNING, or SHUTTING_DOWN once a shutdown has begun. */
  version: { version: string; protocol: number; pid: number; state: "RUNNING" | "SHUTTING_DOWN" };
  /** The processes named (all without names), in config order. */
  log_files: { processes: ProcessLogFiles[] };
  events: { events: EventRecord[] };
  read_log: { data: string };
  /** `offset`: the log's size, where the next tail_log starts; `overflow`: bytes between the asked offset and `data` were skipped. */
  tail_log: { data: string; offset: number; overflow: boolean };
  clear_log: { files: number };
  config_info: { processes: ConfigInfo[] };
  /** Group names (the `group` of processes), each list sorted. */
  reread: { added: string[]; changed: string[]; removed: string[] };
  /** The processes of the group, by name. */
  add_group: { processes: string[] };
  remove_group: { processes: string[] };
  remote_event: Record<string, never>;
  history: { processes: ProcessHistory[] };
}

/** One process of the config as `config_info` shows it: the settings supervisord's getAllConfigInfo names. */
export interface ConfigInfo {
  name: string;
  group: string;
  /** Supervised now (false: read by reread, not added yet). */
  in_use: boolean;
  autostart: boolean;
  priority: number;
  /** The group's priority: a `[groups.NAME]` priority, else the program's own. */
  group_priority: number;
  command: string[];
  directory: string | null;
  user: string | null;
  exitcodes: number[];
  startsecs: number;
  startretries: number | "unlimited";
  stopsignal: string;
  stopwaitsecs: number;
  killasgroup: boolean;
  redirect_stderr: boolean;
  stdout_logfile: string | null;
  stdout_logfile_maxbytes: number;
  stdout_logfile_backups: number;
  stdout_events_enabled: boolean;
  stderr_logfile: string | null;
  stderr_logfile_maxbytes: number;
  stderr_logfile_backups: number;
  stderr_events_enabled: boolean;
}

export type Response<O extends Op = Op> =
  | { v: number; id: RequestId | null; ok: true; result: Results[O] }
  | { v: number; id: RequestId | null; ok: false; error: ErrorBody };

/** A request line as it travels: the request with its envelope. */
export type RequestLine = Request & { v: number; id: RequestId };

// The reply that refuses a request (id null when the request's id could not be read).
export function errorResponse(id: RequestId | null, error: ErrorBody): Response {
  return { v: PROTOCOL_VERSION, id, ok: false, error };
}

// One line on the wire.
export function encodeLine(message: RequestLine | Response | EventLine): string {
  return `${JSON.stringify(message)}\n`;
}

// A request line -> the request, or the error to answer with (and the id, when one could be read).
export function decodeRequest(line: string): { id: RequestId; request: Request } | { id: RequestId | null; error: ErrorBody } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { id: null, error: { code: "BAD_REQUEST" } };
  }
  if (!isObject(value)) return { id: null, error: { code: "BAD_REQUEST" } };
  const id = typeof value.id === "number" || typeof value.id === "string" ? value.id : null;
  if (id === null) return { id: null, error: { code: "BAD_REQUEST", field: "id" } };
  if (value.v !== PROTOCOL_VERSION) return { id, error: { code: "UNSUPPORTED_VERSION" } };
  if (!OPS.includes(value.op as Op)) return { id, error: { code: "UNKNOWN_OP" } };
  const bad = checkFields(value);
  return bad ? { id, error: { code: "BAD_REQUEST", field: bad } } : { id, request: value as unknown as Request };
}

// The name of the first field of the wrong type, or null when the request is well formed. Fields are
// asked with Object.hasOwn: whether a request has one is its own business, never its prototype's.
function checkFields(value: Record<string, unknown>): string | null {
  const op = value.op as Op;
  const has = (field: string) => Object.hasOwn(value, field);
  const namesRequired = op === "start" || op === "stop" || op === "restart" || op === "signal";
  if (has("names") || namesRequired) {
    const names = value.names;
    if (!Array.isArray(names) || !names.every((n) => typeof n === "string" && n !== "")) return "names";
    if (namesRequired && names.length === 0) return "names";
  }
  if (has("wait") && typeof value.wait !== "boolean") return "wait";
  if (has("follow") && typeof value.follow !== "boolean") return "follow";
  if (has("types") && (!Array.isArray(value.types) || !value.types.every((t) => typeof t === "string"))) return "types";
  if (op === "signal" && (typeof value.signal !== "string" || value.signal === "")) return "signal";
  const nameRequired = op === "tail_log" || op === "add_group" || op === "remove_group";
  if ((has("name") || nameRequired) && (typeof value.name !== "string" || value.name === "")) return "name";
  if (has("stream") && value.stream !== "stdout" && value.stream !== "stderr") return "stream";
  if (op === "read_log" || op === "tail_log") {
    // supervisord's offsets: a negative read_log offset counts from the end; lengths are never negative
    if (!Number.isSafeInteger(value.offset) || (op === "tail_log" && (value.offset as number) < 0)) return "offset";
    if (!Number.isSafeInteger(value.length) || (value.length as number) < 0) return "length";
  }
  if (op === "remote_event") {
    if (typeof value.type !== "string" || value.type.length > MAX_REMOTE_EVENT_BYTES) return "type";
    if (typeof value.data !== "string" || value.data.length > MAX_REMOTE_EVENT_BYTES) return "data";
  }
  if (has("since") && !(typeof value.since === "number" && Number.isFinite(value.since) && value.since >= 0)) return "since";
  return null;
}

// A line of an events stream -> the event line; null when it is not one.
export function decodeEventLine(line: string): EventLine | null {
  try {
    const value: unknown = JSON.parse(line);
    return isObject(value) && isObject(value.event) ? (value as unknown as EventLine) : null;
  } catch {
    return null;
  }
}

// The top-level fields of each op's result and what they hold. A reply to `op` without them is not a
// tsvisor's (something else answers on the socket: a socket path others can write may have been bound
// by any of them first), and is refused as such rather than crashing the command that reads it (the
// second red team's fake daemon answered `check` with `{}`: a stack trace, exit 1).
type FieldKind = "array" | "boolean" | "number" | "string" | "object";
const RESULT_FIELDS: { [O in Op]: Record<string, FieldKind> } = {
  status: { processes: "array" },
  start: { outcomes: "array" },
  stop: { outcomes: "array" },
  restart: { outcomes: "array" },
  signal: { outcomes: "array" },
  check: { healthy: "boolean", checked: "number", offenders: "array" },
  reload: { added: "array", removed: "array", changed: "array", unchanged: "array" },
  shutdown: {},
  reopen_logs: { files: "number" },
  version: { version: "string", pid: "number" },
  log_files: { processes: "array" },
  events: { events: "array" },
  read_log: { data: "string" },
  tail_log: { data: "string", offset: "number", overflow: "boolean" },
  clear_log: { files: "number" },
  config_info: { processes: "array" },
  reread: { added: "array", changed: "array", removed: "array" },
  add_group: { processes: "array" },
  remove_group: { processes: "array" },
  remote_event: {},
  history: { processes: "array" },
};

function kindOf(value: unknown): FieldKind | null {
  if (Array.isArray(value)) return "array";
  if (isObject(value)) return "object";
  if (typeof value === "boolean") return "boolean";
  if (typeof value === "number") return "number";
  if (typeof value === "string") return "string";
  return null;
}

/** Has this reply to `op`, when it succeeded, the fields of that op's result (a tsvisor's reply has them)? */
export function hasResultFields(op: Op, response: Response): boolean {
  if (!response.ok) return true;
  const result = response.result as unknown as Record<string, unknown>;
  return Object.entries(RESULT_FIELDS[op] ?? {}).every(([field, kind]) => kindOf(result[field]) === kind);
}

// A reply line -> the response; null when it is not one (the caller says what it got).
export function decodeResponse(line: string): Response | null {
  try {
    const value: unknown = JSON.parse(line);
    if (!isObject(value) || typeof value.ok !== "boolean") return null;
    if (value.ok ? !isObject(value.result) : !isObject(value.error)) return null;
    return value as unknown as Response;
  } catch {
    return null;
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

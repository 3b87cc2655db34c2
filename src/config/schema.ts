// Resolved configuration: every key present, every default filled in, every value validated.
// Field names are the TOML keys (supervisord's option names), so `config show`, the docs and the
// code use one vocabulary. This module is a leaf: it imports nothing from src/.

/** true: always restart; false: never; "unexpected": restart when the exit code is not in exitcodes. */
export type Autorestart = boolean | "unexpected";

/** One `[programs.NAME]` table, resolved. Durations are in seconds. */
export interface ProgramConfig {
  /** argv of the program; a string in the file is split like a shell would, without running one. */
  command: string[];
  /** Working directory; null keeps tsvisor's own. */
  directory: string | null;
  /** Variables set on top of tsvisor's environment, with ${VAR} and ${VAR:-default} already expanded. */
  environment: Record<string, string>;
  /** Hand tsvisor's own environment down (supervisord does); false: only PATH (docs/security.md "Programs of other users"). */
  inherit_environment: boolean;
  /** User name or numeric uid to run as; null keeps tsvisor's. Needs root to differ from tsvisor's user. */
  user: string | null;
  /** File mode creation mask, e.g. 0o022; null inherits tsvisor's. Written in the file as "022" or 18. */
  umask: number | null;
  /** Start when tsvisor starts. */
  autostart: boolean;
  /** Whether to restart after the process exits from RUNNING. */
  autorestart: Autorestart;
  /** Exit codes that count as expected for autorestart = "unexpected". */
  exitcodes: number[];
  /** Seconds the process must stay up to count as started (STARTING -> RUNNING). */
  startsecs: number;
  /** Failed starts in a row tolerated before FATAL, or "unlimited": retry forever (at most every backoff_max). */
  startretries: number | "unlimited";
  /** Seconds a restart waits after the first short run (a failed start, or an exit sooner than backoff_reset after RUNNING). */
  backoff_delay: number;
  /** Growth of the wait per short run in a row: null is linear (backoff_delay × n, supervisord's 1 s, 2 s, 3 s); a number is exponential (backoff_delay × factor^(n-1)). */
  backoff_factor: number | null;
  /** Seconds a restart waits at most, however many short runs came before. */
  backoff_max: number;
  /** Seconds in RUNNING after which a run is not short any more: the next exit restarts at once and the back-off starts over. */
  backoff_reset: number;
  /** Signal name (TERM, INT, QUIT, HUP, KILL, USR1, USR2) sent to stop the program. */
  stopsignal: string;
  /** Seconds to wait after stopsignal before SIGKILL. */
  stopwaitsecs: number;
  /** Send stopsignal to the whole process group; implies killasgroup. */
  stopasgroup: boolean;
  /** Send SIGKILL to the whole process group. */
  killasgroup: boolean;
  /** When its process ends, stop every process it left behind (children that left its group, double-forked daemons): stopsignal, then SIGKILL after stopwaitsecs. */
  stop_descendants: boolean;
  /** Lower starts first and stops last. */
  priority: number;
  /** Number of instances of this program. */
  numprocs: number;
  /** First instance number for {num}. */
  numprocs_start: number;
  /** Instance name template: {name} is the program name, {num} the instance number ({num:02} pads). */
  process_name: string;
  /** Seconds after which a running process is stopped gracefully and then handled as any exit; null: no limit. */
  max_runtime: number | null;
  /** Send the program's stderr to its stdout log (and to tsvisor's stdout on the console), as `2>&1`. */
  redirect_stderr: boolean;
  /**
   * File for the program's stdout: an absolute path that may hold {name} and {num} as process_name does,
   * or "none" to discard it. Defaults to {log_dir}/{process name}.out.log.
   */
  stdout_logfile: string;
  /** Rotate the stdout log when it would grow past this many bytes; 0: never rotate. Written as 1048576 or "50MB". */
  stdout_logfile_maxbytes: number;
  /** Rotated stdout logs kept (name.out.log.1 ... .N); 0: the log is emptied instead of rotated. */
  stdout_logfile_backups: number;
  /** As stdout_logfile, for stderr; defaults to {log_dir}/{process name}.err.log; unused with redirect_stderr. */
  stderr_logfile: string;
  /** As stdout_logfile_maxbytes, for stderr. */
  stderr_logfile_maxbytes: number;
  /** As stdout_logfile_backups, for stderr. */
  stderr_logfile_backups: number;
  /** Mirror the program's output on tsvisor's stdout/stderr as "name | line"; defaults to [supervisor] console. */
  console: boolean;
  /** Prefix each line in the log files with an RFC 3339 timestamp; defaults to [supervisor] log_timestamps. */
  log_timestamps: boolean;
  /**
   * When this program ends for good (FATAL, or EXITED with no restart coming), stop every program and
   * exit tsvisor with its exit code (128 + N for a death by signal N), so the container restarts.
   */
  critical: boolean;
  /** Emit PROCESS_LOG_STDOUT events with the program's stdout lines (supervisord's key; docs/events.md). */
  stdout_events_enabled: boolean;
  /** Emit PROCESS_LOG_STDERR events with its stderr lines. */
  stderr_events_enabled: boolean;
  /** Programs ([programs.NAME] keys) that must be RUNNING, and healthy when they have a health check, before this one starts; it stops before them. */
  depends_on: string[];
  /** Restart the program when its process tree's RSS is above this many bytes two samples in a row; null: no limit. Written as "512MB". */
  max_memory: number | null;
  /** `[programs.NAME.healthcheck]`: one probe (http, tcp or command) run every interval; null: none. */
  healthcheck: HealthCheckConfig | null;
}

/** How a program proves it serves: exactly one of an HTTP GET, a TCP connect, or a command. */
export type HealthProbe =
  | { type: "http"; url: string }
  | { type: "tcp"; host: string; port: number }
  | { type: "command"; argv: string[] };

/** `[programs.NAME.healthcheck]`, resolved. Durations are in seconds. */
export interface HealthCheckConfig {
  probe: HealthProbe;
  /** Seconds between the end of one probe and the start of the next. */
  interval: number;
  /** Seconds a probe may take before it counts as failed. */
  timeout: number;
  /** Consecutive failures before the program is unhealthy. */
  retries: number;
  /** Seconds after a start during which failures do not count (a success still makes it healthy). */
  start_period: number;
  /** "report": only show it; "restart": restart the program through the normal stop path. */
  on_unhealthy: "report" | "restart";
}

/** The `[supervisor]` table, resolved. */
export interface SupervisorConfig {
  /** Path of the control socket; null: the default for this user (config/socket-path.ts). */
  socket: string | null;
  /** File mode of the control socket, e.g. 0o600 (written "0600" in the file). Owner-only by default. */
  socket_mode: number;
  /** "user" or "user:group" (names or numbers) to own the control socket; null keeps tsvisor's own. */
  socket_owner: string | null;
  /**
   * Directory for log files: /var/log/tsvisor as root, else logs/ beside the main config file; where
   * that cannot be written, logs/ in the user's private directory under /tmp (config/log-dir.ts).
   * "none": "auto" log files are off, and there is no tsvisor.log.
   */
  log_dir: string;
  /** Mirror every program's output on tsvisor's stdout/stderr (docker logs, journald); programs may override. */
  console: boolean;
  /** Default of every program's log_timestamps. */
  log_timestamps: boolean;
  /** Signals that tsvisor passes on to every running program (to its group with stopasgroup), e.g. ["USR1", "WINCH"]. */
  forward_signals: string[];
  /** Seconds between two samples of every program's CPU and memory from /proc; 0: no sampling (and no max_memory). */
  sample_interval: number;
  /** User name supervisorctl and XML-RPC clients must give on the control socket (HTTP basic auth); null: none asked. */
  rpc_username: string | null;
  /** Its password: plain, or "{SHA}" and the hex SHA-1 of it (supervisord's form), ${VAR} expanded; set with rpc_username. */
  rpc_password: string | null;
}

/** One process to supervise: a program instance after numprocs expansion. */
export interface ProcessSpec {
  /** Unique name of this instance (process_name expanded). */
  name: string;
  /** Its process group (supervisord's): the `[groups.NAME]` key its program belongs to, else its program's key. */
  group: string;
  /** The `[programs.NAME]` key the instance comes from. */
  programName: string;
  /** The group's priority: a `[groups.NAME]` priority, else the program's own; orders before `program.priority`. */
  groupPriority: number;
  /** Instance number ({num}). */
  num: number;
  /** Numeric credentials resolved from `user` (its groups read again at each start: os/users.ts withCurrentGroups); null runs as tsvisor's own user. */
  credentials: { uid: number; gid: number; groups: readonly number[]; name?: string } | null;
  /** The program's stdout_logfile for this instance ({name} and {num} filled in); null: discarded. */
  stdout_logfile: string | null;
  /** The stderr log of this instance; null: discarded, or sent to the stdout log by redirect_stderr. */
  stderr_logfile: string | null;
  program: ProgramConfig;
}

/** One `[[hooks]]` table: run a command or POST to a URL on the events it names (docs/events.md). */
export interface HookConfig {
  /** Event types (PROCESS_STATE_FATAL, …) or classes (PROCESS_STATE, EVENT) that run the hook. */
  on: string[];
  /** Process or program names the hook is for; empty: every process (and tsvisor's own events). */
  programs: string[];
  /** Command run with the event JSON on stdin and TSVISOR_EVENT_* variables; null with url. */
  command: string[] | null;
  /** http:// or https:// URL the event JSON is POSTed to; null with command. */
  url: string | null;
  /** Seconds a run may take: a command is then killed, a request aborted (and retried). */
  timeout: number;
}

/** One `[eventlisteners.NAME]` table: a supervisord event listener (its protocol, docs/events.md). */
export interface EventListenerConfig {
  /** The listener's argv; its stdin and stdout carry the protocol, its stderr is logged. */
  command: string[];
  /** Event types or classes sent to it (supervisord's `events`). */
  events: string[];
  /** Events kept while it is busy; beyond that the oldest is dropped (supervisord's buffer_size). */
  buffer_size: number;
}

/** One `[groups.NAME]` table: programs supervised as one process group (supervisord's `[group:x]`). */
export interface GroupConfig {
  /** The `[programs.NAME]` keys in the group, as written; each program is in one group at most. */
  programs: string[];
  /** Lower starts first and stops last; orders groups before each program's own priority. */
  priority: number;
}

/** Where the HTTP server listens: a TCP address, or a unix socket path. */
export type HttpListen = { type: "tcp"; host: string; port: number } | { type: "unix"; path: string };

/** The `[http]` table, resolved: the dashboard, HTTP API and /metrics (docs/http.md). */
export interface HttpConfig {
  /** "127.0.0.1:9001", "[::1]:9001", "0.0.0.0:9001" or a unix socket path. */
  listen: HttpListen;
  /** Bearer token every request but GET / must carry (${VAR} expanded, or read from token_file); null: none (loopback or unix only). */
  token: string | null;
  /** The file the token is read from, at start and at each reload; null when the token is written in `token`. */
  token_file: string | null;
  /** Refuse every action (start, stop, restart, signal); reading stays allowed. */
  read_only: boolean;
  /** File mode of a unix `listen` socket, e.g. 0o600 (written "0600"). Owner-only by default. */
  socket_mode: number;
  /** supervisord's basic auth: a client that gives this user name and `password` counts as one with the token. */
  username: string | null;
  /** Plain, or "{SHA}" and the hex SHA-1 of it, ${VAR} expanded; set with username. */
  password: string | null;
}

export interface Config {
  /** Absolute path of the main config file. */
  file: string;
  /** Every file read, main first, then includes in the order they were merged. */
  files: string[];
  supervisor: SupervisorConfig;
  /** Programs by their `[programs.NAME]` key. */
  programs: Record<string, ProgramConfig>;
  /** `[groups.NAME]` by name; a program in none is a group of its own (not listed here). */
  groups: Record<string, GroupConfig>;
  /** Instances of every program, in config order (unsorted: ordering is the supervisor's job). */
  processes: ProcessSpec[];
  /** `[[hooks]]` in config order. */
  hooks: HookConfig[];
  /** `[eventlisteners.NAME]` by name. */
  eventlisteners: Record<string, EventListenerConfig>;
  /** `[http]`; null when the table is absent: nothing listens on TCP. */
  http: HttpConfig | null;
  /** The environment variables [http] token and password and [supervisor] rpc_password name: kept out of programs', hooks' and listeners' environments. */
  secret_variables: string[];
  /** What resolving chose that the user should hear of (a default log_dir that could not be used); `run` logs each as a warning. */
  notes: string[];
}

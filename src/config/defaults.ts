// Every default in one place, grouped by section; the values are supervisord's so its users meet no surprise.
import type { EventListenerConfig, GroupConfig, HookConfig, HttpConfig, ProgramConfig, SupervisorConfig } from "./schema.ts";

// Defaults for keys a config file leaves out. Two depend on other keys; resolve.ts applies them:
// - killasgroup defaults to the value of stopasgroup (supervisord: stopasgroup implies killasgroup,
//   and stopasgroup = true with killasgroup = false is an error);
// - process_name defaults to "{name}" with numprocs = 1 and to PROCESS_NAME_NUMBERED with numprocs > 1;
// - log_dir depends on the user (LOG_DIR_ROOT or LOG_DIR_USER); stdout_logfile and stderr_logfile
//   default to AUTO_LOGFILE, named after the process in log_dir; console and log_timestamps default to
//   the [supervisor] values.
export const DEFAULTS: {
  readonly supervisor: Readonly<Omit<SupervisorConfig, "log_dir">>;
  readonly program: Readonly<Omit<ProgramConfig, "command">>;
  readonly group: Readonly<Omit<GroupConfig, "programs">>;
} = {
  supervisor: {
    socket: null,
    socket_mode: 0o600,
    socket_owner: null,
    console: true,
    log_timestamps: false,
    forward_signals: [],
    sample_interval: 5,
    rpc_username: null,
    rpc_password: null,
  },
  program: {
    directory: null,
    environment: {},
    user: null,
    umask: null,
    autostart: true,
    autorestart: "unexpected",
    exitcodes: [0],
    startsecs: 1,
    startretries: 3,
    backoff_delay: 1, // supervisord's 1 s, 2 s, 3 s … for failed starts (linear, backoff_factor unset)
    backoff_factor: null,
    backoff_max: 300, // Kubernetes' CrashLoopBackOff cap: a crash loop retries every 5 minutes at most
    backoff_reset: 60,
    stopsignal: "TERM",
    stopwaitsecs: 10,
    stopasgroup: false,
    killasgroup: false,
    stop_descendants: true,
    inherit_environment: true, // supervisord hands its environment down; systemd does not (docs/config.md)
    priority: 999,
    numprocs: 1,
    numprocs_start: 0,
    process_name: "{name}",
    max_runtime: null,
    redirect_stderr: false,
    stdout_logfile: "auto",
    stdout_logfile_maxbytes: 50 * 1024 * 1024, // supervisord's "50MB"
    stdout_logfile_backups: 10,
    stderr_logfile: "auto",
    stderr_logfile_maxbytes: 50 * 1024 * 1024,
    stderr_logfile_backups: 10,
    console: true,
    log_timestamps: false,
    critical: false,
    stdout_events_enabled: false,
    stderr_events_enabled: false,
    depends_on: [],
    max_memory: null,
    healthcheck: null,
  },
  group: {
    priority: 999, // supervisord's, as a program's
  },
};

// [programs.NAME.healthcheck] keys left out (Kubernetes' period, Docker's retries).
export const HEALTHCHECK_DEFAULTS = { interval: 10, timeout: 5, retries: 3, start_period: 0, on_unhealthy: "report" } as const;

// stdout_logfile / stderr_logfile: "auto" names the file after the process in log_dir
// ({log_dir}/{process name}.out.log, .err.log); "none" discards the stream (supervisord's AUTO and NONE).
export const AUTO_LOGFILE = "auto";
export const NO_LOGFILE = "none";

// log_dir as root (the FHS place for a daemon's logs) and otherwise, relative to the main config file.
export const LOG_DIR_ROOT = "/var/log/tsvisor";
export const LOG_DIR_USER = "logs";

// process_name when numprocs > 1 and none is given. supervisord rejects numprocs > 1 without
// %(process_num) in process_name; naming the instances web-0, web-1, ... is what users write anyway.
export const PROCESS_NAME_NUMBERED = "{name}-{num}";

// [[hooks]] and [eventlisteners.NAME]: what is not required. buffer_size is supervisord's default.
export const HOOK_DEFAULTS: Readonly<Pick<HookConfig, "programs" | "timeout">> = { programs: [], timeout: 30 };
export const EVENT_LISTENER_DEFAULTS: Readonly<Pick<EventListenerConfig, "buffer_size">> = { buffer_size: 10 };

// [http]: `listen` is required (the table's presence turns the server on); the rest as docs/http.md says.
export const HTTP_DEFAULTS: Readonly<Omit<HttpConfig, "listen">> = {
  token: null, token_file: null, read_only: false, socket_mode: 0o600, username: null, password: null,
};

// Config -> TOML with every default written out, for `tsvisor config show`. Reading the output
// again resolves to the same Config: it is the documentation of what tsvisor will actually do.
import type { Config, HealthCheckConfig, HttpConfig, ProgramConfig, SupervisorConfig } from "./schema.ts";
import { formatHostPort } from "./values.ts";

// Key order in the output; a Record so a key added to the schema cannot be left out here.
const PROGRAM_KEYS: Record<keyof ProgramConfig, true> = {
  command: true, directory: true, environment: true, inherit_environment: true, user: true, umask: true, autostart: true,
  autorestart: true, exitcodes: true, startsecs: true, startretries: true, backoff_delay: true, backoff_factor: true,
  backoff_max: true, backoff_reset: true, stopsignal: true,
  stopwaitsecs: true, stopasgroup: true, killasgroup: true, stop_descendants: true, priority: true, numprocs: true,
  numprocs_start: true, process_name: true, max_runtime: true, redirect_stderr: true, stdout_logfile: true,
  stdout_logfile_maxbytes: true, stdout_logfile_backups: true, stderr_logfile: true, stderr_logfile_maxbytes: true,
  stderr_logfile_backups: true, console: true, log_timestamps: true, critical: true,
  stdout_events_enabled: true, stderr_events_enabled: true, depends_on: true, max_memory: true, healthcheck: true,
};
const SUPERVISOR_KEYS: Record<keyof SupervisorConfig, true> = {
  socket: true, socket_mode: true, socket_owner: true, log_dir: true, console: true, log_timestamps: true, forward_signals: true, sample_interval: true,
  rpc_username: true, rpc_password: true,
};

/** The control socket the daemon would use when the config leaves it out, and why (config/socket-path.ts). */
export interface DefaultSocket {
  path: string;
  why: string;
}

// [supervisor], then [programs.NAME] in config order; TOML has no null, so unset keys are comments.
// `socket`: the socket a daemon would use, written where the config sets none.
export function renderConfig(config: Config, socket?: DefaultSocket): string {
  const lines = [`# ${config.file}, resolved: includes merged, every default filled in`];
  if (config.files.length > 1) lines.push(`# merged from: ${config.files.join(", ")}`);
  lines.push("", "[supervisor]");
  for (const key of Object.keys(SUPERVISOR_KEYS) as (keyof SupervisorConfig)[]) {
    if (key === "socket_mode") lines.push(`socket_mode = "${renderOctal(config.supervisor.socket_mode, 4)}"`);
    else if (key === "socket" && config.supervisor.socket === null && socket !== undefined) lines.push(`socket = ${renderValue(socket.path)} # ${socket.why}`);
    else if (key === "rpc_password") lines.push(renderSecret(key, config.supervisor.rpc_password));
    else lines.push(renderKey(key, config.supervisor[key]));
  }
  for (const [name, program] of Object.entries(config.programs)) {
    lines.push("", `[programs.${renderName(name)}]`);
    for (const key of Object.keys(PROGRAM_KEYS) as (keyof ProgramConfig)[]) {
      if (key === "umask" && program.umask !== null) lines.push(`umask = "${renderOctal(program.umask, 3)}"`);
      else if (key === "environment") lines.push(`environment = ${renderEnvironment(program.environment)}`);
      else if (key === "healthcheck") continue; // a sub-table: written after the program's keys

      else lines.push(renderKey(key, program[key]));
    }
    if (program.healthcheck) lines.push("", `[programs.${renderName(name)}.healthcheck]`, ...renderHealthCheck(program.healthcheck));
  }
  for (const [name, group] of Object.entries(config.groups)) {
    lines.push("", `[groups.${renderName(name)}]`, renderKey("programs", group.programs), renderKey("priority", group.priority));
  }
  for (const [name, listener] of Object.entries(config.eventlisteners)) {
    lines.push("", `[eventlisteners.${renderName(name)}]`);
    for (const [key, value] of Object.entries(listener)) lines.push(renderKey(key, value));
  }
  if (config.http) lines.push("", "[http]", ...renderHttp(config.http));
  for (const hook of config.hooks) {
    lines.push("", "[[hooks]]");
    // one of command and url is set; TOML has no null, so the other is left out
    for (const [key, value] of Object.entries(hook)) if (value !== null) lines.push(renderKey(key, value));
  }
  return `${lines.join("\n")}\n`;
}

// The token is a secret: `config show` output ends up in tickets and chat, so it says only that one is set.
function renderHttp(http: HttpConfig): string[] {
  const { listen } = http;
  return [
    renderKey("listen", listen.type === "unix" ? listen.path : formatHostPort(listen.host, listen.port)),
    http.token_file !== null ? renderKey("token_file", http.token_file) : http.token === null ? "# token = (not set)" : "# token = (set; not shown)",
    renderKey("read_only", http.read_only),
    renderKey("username", http.username),
    renderSecret("password", http.password),
    ...(listen.type === "unix" ? [`socket_mode = "${renderOctal(http.socket_mode, 4)}"`] : []),
  ];
}

// The probe under its own key, then the timing keys.
function renderHealthCheck(check: HealthCheckConfig): string[] {
  const { probe, ...rest } = check;
  const probeLine =
    probe.type === "http" ? renderKey("http", probe.url)
    : probe.type === "tcp" ? renderKey("tcp", formatHostPort(probe.host, probe.port))
    : renderKey("command", probe.argv);
  return [probeLine, ...Object.entries(rest).map(([key, value]) => renderKey(key, value))];
}

// Modes and masks as people write them: 0o600 -> "0600".
function renderOctal(value: number, digits: number): string {
  return value.toString(8).padStart(digits, "0");
}

// A password is a secret like the token: `config show` says only whether one is set.
function renderSecret(key: string, value: string | null): string {
  return `# ${key} = (${value === null ? "not set" : "set; not shown"})`;
}

function renderKey(key: string, value: unknown): string {
  return value === null ? `# ${key} = (not set)` : `${key} = ${renderValue(value)}`;
}

// Values are already expanded: "$" is written "$$" so reading them back does not expand them again.
function renderEnvironment(env: Record<string, string>): string {
  const entries = Object.entries(env).map(([k, v]) => `${renderName(k)} = ${renderValue(v.replaceAll("$", () => "$$"))}`);
  return entries.length === 0 ? "{}" : `{ ${entries.join(", ")} }`;
}

function renderValue(value: unknown): string {
  if (typeof value === "string") return renderString(value);
  if (Array.isArray(value)) return `[${value.map(renderValue).join(", ")}]`;
  return String(value); // numbers and booleans read back the same
}

// A TOML basic string: JSON's escapes are TOML's, except that TOML also wants DEL escaped.
function renderString(text: string): string {
  return JSON.stringify(text).replaceAll("\u007f", "\\u007f");
}

function renderName(name: string): string {
  return /^[A-Za-z0-9_-]+$/.test(name) ? name : renderString(name);
}

// GET /metrics as text: what `status` says, in the Prometheus text exposition format 0.0.4
// (docs/http.md "Metrics" is the contract). Pure: the caller brings the statuses and tsvisor's own
// figures, so every line is tested without a server, a clock or /proc.
import type { HealthName, ProcessStatus, StateName } from "../control/protocol.ts";
import { signalNumber } from "../os/signals.ts";
import { shellExitCode } from "../supervisor/exit-status.ts";

/** Content-Type of GET /metrics. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** What GET /metrics shows of tsvisor itself. */
export interface DaemonFigures {
  version: string;
  uptimeSeconds: number;
  /** tsvisor's own RSS; null when it could not be read (the series is then left out). */
  rssBytes: number | null;
  /** File descriptors tsvisor has open, and the most it may (its soft RLIMIT_NOFILE; Infinity when unlimited). */
  openFds: number;
  maxFds: number;
  /** Event and log streams open on the HTTP server (at most MAX_STREAMS). */
  httpStreams: number;
  /** Connections open on the HTTP server, and those it closed at once (at its cap, or short of descriptors). */
  httpConnections: number;
  httpConnectionsRefused: number;
}

// The state-sets' members, in docs/http.md's order. Written as records so that a state or verdict
// added to protocol.ts fails the type check here instead of silently missing from the set.
const STATES = Object.keys({
  STOPPED: 0, STARTING: 0, RUNNING: 0, BACKOFF: 0, STOPPING: 0, EXITED: 0, FATAL: 0, UNKNOWN: 0,
} satisfies Record<StateName, 0>) as StateName[];
const HEALTHS = Object.keys({ starting: 0, healthy: 0, unhealthy: 0 } satisfies Record<HealthName, 0>) as HealthName[];

type MetricType = "gauge" | "counter";
type Sample = { labels: [name: string, value: string][]; value: number };

// Every family of one series per process: its samples for one process (none = absent for it).
const PROGRAM_FAMILIES: [name: string, type: MetricType, help: string, samples: (p: ProcessStatus) => Sample[]][] = [
  ["tsvisor_program_state", "gauge", "1 for the process's current state, 0 for the others.", (p) =>
    STATES.map((state) => ({ labels: [["state", state]], value: p.state === state ? 1 : 0 }))],
  ["tsvisor_program_up", "gauge", "1 while the process is RUNNING, else 0.", (p) => [plain(p.state === "RUNNING" ? 1 : 0)]],
  ["tsvisor_program_restarts_total", "counter", "Automatic restarts since tsvisor started.", (p) => [plain(p.restarts)]],
  ["tsvisor_program_last_exit_code", "gauge", "The last exit's code, or 128 + N for a death by signal N.", (p) =>
    p.last_exit === null ? [] : [plain(shellExitCode(p.last_exit, signalNumber))]],
  // started_at outlives the process in `status`; a start time without a live process would mislead.
  ["tsvisor_program_start_time_seconds", "gauge", "When the live process started, seconds since the epoch.", (p) =>
    p.pid === null || p.started_at === null ? [] : [plain(p.started_at / 1000)]],
  ["tsvisor_program_cpu_seconds_total", "counter", "User + system CPU seconds of the process tree at the last sample.", (p) =>
    p.cpu_seconds === null ? [] : [plain(p.cpu_seconds)]],
  ["tsvisor_program_resident_memory_bytes", "gauge", "Resident memory of the process tree at the last sample, in bytes.", (p) =>
    p.rss_bytes === null ? [] : [plain(p.rss_bytes)]],
  ["tsvisor_program_health", "gauge", "1 for the health check's current verdict, 0 for the others.", (p) =>
    p.health === null ? [] : HEALTHS.map((health) => ({ labels: [["health", health]], value: p.health === health ? 1 : 0 }))],
  ["tsvisor_program_dropped_log_lines_total", "counter", "Output lines dropped (full disk, stuck console reader).", (p) =>
    [plain(p.dropped_log_lines)]],
];

// The exposition text: per-process families (each process in the given order), then tsvisor's own.
export function renderMetrics(processes: readonly ProcessStatus[], daemon: DaemonFigures): string {
  const families = PROGRAM_FAMILIES.map(([name, type, help, samplesOf]) =>
    family(name, type, help, processes.flatMap((p) => samplesOf(p).map((s) => withProcess(p, s)))),
  );
  const dropped = processes.reduce((sum, p) => sum + p.dropped_log_lines, 0);
  families.push(
    family("tsvisor_uptime_seconds", "gauge", "Seconds since tsvisor started.", [plain(daemon.uptimeSeconds)]),
    family("tsvisor_resident_memory_bytes", "gauge", "tsvisor's own resident memory, in bytes.", daemon.rssBytes === null ? [] : [plain(daemon.rssBytes)]),
    family("tsvisor_dropped_log_lines_total", "counter", "Output lines dropped, summed over every process.", [plain(dropped)]),
    family("tsvisor_open_fds", "gauge", "File descriptors tsvisor has open.", [plain(daemon.openFds)]),
    family("tsvisor_max_fds", "gauge", "The most file descriptors tsvisor may have open (its soft RLIMIT_NOFILE).", [plain(daemon.maxFds)]),
    family("tsvisor_http_streams", "gauge", "Event and log streams open on the HTTP server.", [plain(daemon.httpStreams)]),
    family("tsvisor_http_connections", "gauge", "Connections open on the HTTP server.", [plain(daemon.httpConnections)]),
    family("tsvisor_http_connections_refused_total", "counter", "HTTP connections closed at once: at the connection cap, or short of file descriptors.", [plain(daemon.httpConnectionsRefused)]),
    family("tsvisor_build_info", "gauge", "Always 1; the label says which tsvisor answers.", [{ labels: [["version", daemon.version]], value: 1 }]),
  );
  return families.join("");
}

// --- internal ---

const plain = (value: number): Sample => ({ labels: [], value });

// Every per-process series carries process and program first, then its own labels.
const withProcess = (p: ProcessStatus, s: Sample): Sample => ({ labels: [["process", p.name], ["program", p.program], ...s.labels], value: s.value });

// A family with no sample is left out whole, HELP and TYPE included, as client_golang does for a vector
// with no series: "absent" in docs/http.md then means no trace of the name at all. (promtool 2.42
// accepts metadata alone; other parsers and humans reading the page need not guess what it means.)
function family(name: string, type: MetricType, help: string, samples: Sample[]): string {
  if (samples.length === 0) return "";
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
  for (const { labels, value } of samples) {
    const set = labels.length === 0 ? "" : `{${labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(",")}}`;
    lines.push(`${name}${set} ${formatValue(value)}`);
  }
  return `${lines.join("\n")}\n`;
}

// The format's three escapes; the backslash first, or the others' backslashes would be doubled.
const escapeLabelValue = (value: string): string => value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

// JS's own rendering (1, 0.5, 1e+21) is what Go's ParseFloat reads; only the non-finite ones are
// spelt the format's way.
function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "+Inf" : "-Inf";
  return String(value);
}

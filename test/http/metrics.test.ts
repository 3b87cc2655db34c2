// renderMetrics(): docs/http.md's "Metrics" table, line by line, and the whole text through promtool.
import { describe, expect, test } from "bun:test";
import { join, resolve } from "node:path";
import type { ProcessStatus } from "../../src/control/protocol.ts";
import { type DaemonFigures, METRICS_CONTENT_TYPE, renderMetrics } from "../../src/http/metrics.ts";

const REPO = resolve(import.meta.dir, "../..");

// A never-started process of program "web"; each test overrides what it is about.
function status(over: Partial<ProcessStatus>): ProcessStatus {
  return {
    name: "web-0", group: "web", program: "web", state: "STOPPED", pid: null, uptime_ms: null, started_at: null, stopped_at: null,
    restarts: 0, last_exit: null, reason: null, wanted: false, dropped_log_lines: 0, health: null, health_error: null,
    cpu_percent: null, cpu_seconds: null, rss_bytes: null, peak_rss_bytes: null, pss_bytes: null, peak_pss_bytes: null, restarted_because: null, ...over,
  };
}

const DAEMON: DaemonFigures = {
  version: "1.2.3", uptimeSeconds: 42, rssBytes: 31_457_280, openFds: 40, maxFds: 1024, httpStreams: 2, httpConnections: 3, httpConnectionsRefused: 7,
};

const RUNNING = status({
  state: "RUNNING", pid: 1234, uptime_ms: 5000, started_at: 1_700_000_000_250, restarts: 2,
  last_exit: { code: 1, signal: null }, wanted: true, dropped_log_lines: 5, health: "healthy",
  cpu_percent: 12.5, cpu_seconds: 3.75, rss_bytes: 52_428_800, peak_rss_bytes: 60_000_000,
});

// The sample lines of the per-process families (no comments, no daemon series).
const programLines = (text: string) => text.split("\n").filter((l) => l.startsWith("tsvisor_program_"));
// The sample lines of tsvisor's own series.
const daemonLines = (text: string) => text.split("\n").filter((l) => l.startsWith("tsvisor_") && !l.startsWith("tsvisor_program_"));

const L = 'process="web-0",program="web"';
const stateLines = (labels: string, current: string) =>
  ["STOPPED", "STARTING", "RUNNING", "BACKOFF", "STOPPING", "EXITED", "FATAL", "UNKNOWN"].map(
    (s) => `tsvisor_program_state{${labels},state="${s}"} ${s === current ? 1 : 0}`,
  );

describe("each process's series", () => {
  test.each([
    ["a RUNNING process shows its state, up, restarts, last exit, start time, CPU, memory, health and dropped lines", RUNNING, [
      ...stateLines(L, "RUNNING"),
      `tsvisor_program_up{${L}} 1`,
      `tsvisor_program_restarts_total{${L}} 2`,
      `tsvisor_program_last_exit_code{${L}} 1`,
      `tsvisor_program_start_time_seconds{${L}} 1700000000.25`,
      `tsvisor_program_cpu_seconds_total{${L}} 3.75`,
      `tsvisor_program_resident_memory_bytes{${L}} 52428800`,
      `tsvisor_program_health{${L},health="starting"} 0`,
      `tsvisor_program_health{${L},health="healthy"} 1`,
      `tsvisor_program_health{${L},health="unhealthy"} 0`,
      `tsvisor_program_dropped_log_lines_total{${L}} 5`,
    ]],
    ["a never-started STOPPED process has no last exit, start time, CPU, memory or health series", status({}), [
      ...stateLines(L, "STOPPED"),
      `tsvisor_program_up{${L}} 0`,
      `tsvisor_program_restarts_total{${L}} 0`,
      `tsvisor_program_dropped_log_lines_total{${L}} 0`,
    ]],
    ["a process killed by KILL shows last exit code 137 and, with no live process, no start time", status({
      state: "EXITED", started_at: 1_700_000_000_000, stopped_at: 1_700_000_009_000, last_exit: { code: null, signal: "KILL" },
      cpu_seconds: 0.5, rss_bytes: 1024,
    }), [
      ...stateLines(L, "EXITED"),
      `tsvisor_program_up{${L}} 0`,
      `tsvisor_program_restarts_total{${L}} 0`,
      `tsvisor_program_last_exit_code{${L}} 137`,
      `tsvisor_program_cpu_seconds_total{${L}} 0.5`,
      `tsvisor_program_resident_memory_bytes{${L}} 1024`,
      `tsvisor_program_dropped_log_lines_total{${L}} 0`,
    ]],
    ["a process killed by a signal with no name (34) shows 128 + its number", status({
      state: "BACKOFF", last_exit: { code: null, signal: "34" },
    }), [
      ...stateLines(L, "BACKOFF"),
      `tsvisor_program_up{${L}} 0`,
      `tsvisor_program_restarts_total{${L}} 0`,
      `tsvisor_program_last_exit_code{${L}} 162`,
      `tsvisor_program_dropped_log_lines_total{${L}} 0`,
    ]],
    ["a STARTING process whose check has not passed yet shows health starting", status({
      state: "STARTING", pid: 99, started_at: 1_700_000_000_000, health: "starting",
    }), [
      ...stateLines(L, "STARTING"),
      `tsvisor_program_up{${L}} 0`,
      `tsvisor_program_restarts_total{${L}} 0`,
      `tsvisor_program_start_time_seconds{${L}} 1700000000`,
      `tsvisor_program_health{${L},health="starting"} 1`,
      `tsvisor_program_health{${L},health="healthy"} 0`,
      `tsvisor_program_health{${L},health="unhealthy"} 0`,
      `tsvisor_program_dropped_log_lines_total{${L}} 0`,
    ]],
  ] as const)("%s", (_, process, lines) => {
    expect(programLines(renderMetrics([process], DAEMON))).toEqual([...lines]);
  });

  test("label values escape backslash, double quote and newline", () => {
    const weird = status({ name: 'we"b\\0\nx', group: 'a\\"b', program: 'a\\"b' });
    const labels = 'process="we\\"b\\\\0\\nx",program="a\\\\\\"b"';
    expect(programLines(renderMetrics([weird], DAEMON)).filter((l) => !l.startsWith("tsvisor_program_state{"))).toEqual([
      `tsvisor_program_up{${labels}} 0`,
      `tsvisor_program_restarts_total{${labels}} 0`,
      `tsvisor_program_dropped_log_lines_total{${labels}} 0`,
    ]);
  });
});

describe("tsvisor's own series", () => {
  test.each([
    ["uptime, memory, dropped lines, descriptors, streams, connections and build info", DAEMON, [
      "tsvisor_uptime_seconds 42",
      "tsvisor_resident_memory_bytes 31457280",
      "tsvisor_dropped_log_lines_total 0",
      "tsvisor_open_fds 40",
      "tsvisor_max_fds 1024",
      "tsvisor_http_streams 2",
      "tsvisor_http_connections 3",
      "tsvisor_http_connections_refused_total 7",
      'tsvisor_build_info{version="1.2.3"} 1',
    ]],
    ["a fractional uptime as JS writes it; no memory series when tsvisor's RSS is unknown; no descriptor limit is +Inf", { ...DAEMON, version: "0.1.0-dev", uptimeSeconds: 0.125, rssBytes: null, maxFds: Infinity, httpStreams: 0, httpConnections: 0, httpConnectionsRefused: 0 }, [
      "tsvisor_uptime_seconds 0.125",
      "tsvisor_dropped_log_lines_total 0",
      "tsvisor_open_fds 40",
      "tsvisor_max_fds +Inf",
      "tsvisor_http_streams 0",
      "tsvisor_http_connections 0",
      "tsvisor_http_connections_refused_total 0",
      'tsvisor_build_info{version="0.1.0-dev"} 1',
    ]],
  ] as const)("%s", (_, daemon, lines) => {
    expect(daemonLines(renderMetrics([], daemon))).toEqual([...lines]);
  });

  test("tsvisor_dropped_log_lines_total is the sum of every process's dropped lines", () => {
    const processes = [status({ name: "a", dropped_log_lines: 3 }), status({ name: "b" }), status({ name: "c", dropped_log_lines: 4 })];
    expect(daemonLines(renderMetrics(processes, DAEMON))).toContain("tsvisor_dropped_log_lines_total 7");
  });
});

describe("the text's shape", () => {
  test("a RUNNING process renders as exactly this text", () => {
    expect(renderMetrics([RUNNING], DAEMON)).toBe(`# HELP tsvisor_program_state 1 for the process's current state, 0 for the others.
# TYPE tsvisor_program_state gauge
${stateLines(L, "RUNNING").join("\n")}
# HELP tsvisor_program_up 1 while the process is RUNNING, else 0.
# TYPE tsvisor_program_up gauge
tsvisor_program_up{${L}} 1
# HELP tsvisor_program_restarts_total Automatic restarts since tsvisor started.
# TYPE tsvisor_program_restarts_total counter
tsvisor_program_restarts_total{${L}} 2
# HELP tsvisor_program_last_exit_code The last exit's code, or 128 + N for a death by signal N.
# TYPE tsvisor_program_last_exit_code gauge
tsvisor_program_last_exit_code{${L}} 1
# HELP tsvisor_program_start_time_seconds When the live process started, seconds since the epoch.
# TYPE tsvisor_program_start_time_seconds gauge
tsvisor_program_start_time_seconds{${L}} 1700000000.25
# HELP tsvisor_program_cpu_seconds_total User + system CPU seconds of the process tree at the last sample.
# TYPE tsvisor_program_cpu_seconds_total counter
tsvisor_program_cpu_seconds_total{${L}} 3.75
# HELP tsvisor_program_resident_memory_bytes Resident memory of the process tree at the last sample, in bytes.
# TYPE tsvisor_program_resident_memory_bytes gauge
tsvisor_program_resident_memory_bytes{${L}} 52428800
# HELP tsvisor_program_health 1 for the health check's current verdict, 0 for the others.
# TYPE tsvisor_program_health gauge
tsvisor_program_health{${L},health="starting"} 0
tsvisor_program_health{${L},health="healthy"} 1
tsvisor_program_health{${L},health="unhealthy"} 0
# HELP tsvisor_program_dropped_log_lines_total Output lines dropped (full disk, stuck console reader).
# TYPE tsvisor_program_dropped_log_lines_total counter
tsvisor_program_dropped_log_lines_total{${L}} 5
# HELP tsvisor_uptime_seconds Seconds since tsvisor started.
# TYPE tsvisor_uptime_seconds gauge
tsvisor_uptime_seconds 42
# HELP tsvisor_resident_memory_bytes tsvisor's own resident memory, in bytes.
# TYPE tsvisor_resident_memory_bytes gauge
tsvisor_resident_memory_bytes 31457280
# HELP tsvisor_dropped_log_lines_total Output lines dropped, summed over every process.
# TYPE tsvisor_dropped_log_lines_total counter
tsvisor_dropped_log_lines_total 5
# HELP tsvisor_open_fds File descriptors tsvisor has open.
# TYPE tsvisor_open_fds gauge
tsvisor_open_fds 40
# HELP tsvisor_max_fds The most file descriptors tsvisor may have open (its soft RLIMIT_NOFILE).
# TYPE tsvisor_max_fds gauge
tsvisor_max_fds 1024
# HELP tsvisor_http_streams Event and log streams open on the HTTP server.
# TYPE tsvisor_http_streams gauge
tsvisor_http_streams 2
# HELP tsvisor_http_connections Connections open on the HTTP server.
# TYPE tsvisor_http_connections gauge
tsvisor_http_connections 3
# HELP tsvisor_http_connections_refused_total HTTP connections closed at once: at the connection cap, or short of file descriptors.
# TYPE tsvisor_http_connections_refused_total counter
tsvisor_http_connections_refused_total 7
# HELP tsvisor_build_info Always 1; the label says which tsvisor answers.
# TYPE tsvisor_build_info gauge
tsvisor_build_info{version="1.2.3"} 1
`);
  });

  test("a family with no sample is left out whole, HELP and TYPE included", () => {
    const text = renderMetrics([status({ name: "a" }), status({ name: "b" })], { ...DAEMON, rssBytes: null });
    const names = ["tsvisor_program_last_exit_code", "tsvisor_program_start_time_seconds", "tsvisor_program_cpu_seconds_total",
      "tsvisor_program_resident_memory_bytes", "tsvisor_program_health", "tsvisor_resident_memory_bytes"];
    expect(names.filter((name) => text.includes(`${name} `) || text.includes(`${name}{`))).toEqual([]);
  });

  test("with several processes, each family's HELP and TYPE come once, then its samples in the processes' order", () => {
    const text = renderMetrics([status({ name: "web-0" }), status({ name: "web-1" }), status({ name: "worker-0", group: "worker", program: "worker" })], DAEMON);
    const lines = text.split("\n");
    const up = lines.indexOf("# TYPE tsvisor_program_up gauge");
    expect(lines.slice(up - 1, up + 4)).toEqual([
      "# HELP tsvisor_program_up 1 while the process is RUNNING, else 0.",
      "# TYPE tsvisor_program_up gauge",
      'tsvisor_program_up{process="web-0",program="web"} 0',
      'tsvisor_program_up{process="web-1",program="web"} 0',
      'tsvisor_program_up{process="worker-0",program="worker"} 0',
    ]);
    const comments = lines.filter((l) => l.startsWith("#"));
    expect(comments).toEqual([...new Set(comments)]);
  });

  test("the content type is the text format 0.0.4 in UTF-8", () => {
    expect(METRICS_CONTENT_TYPE).toBe("text/plain; version=0.0.4; charset=utf-8");
  });
});

// promtool comes with Debian's `prometheus` package; a clean CI machine may lack it.
const ensured = Bun.spawnSync(["bash", join(REPO, "scripts/ensure-debian-packages.sh"), "prometheus"], { stderr: "pipe" });
if (!ensured.success) throw new Error(`cannot install prometheus (for promtool): ${ensured.stderr.toString()}`);

test("promtool check metrics accepts the text of several processes, with no lint problem", () => {
  const processes = [
    RUNNING,
    status({ name: "web-1", state: "BACKOFF", restarts: 4, last_exit: { code: 2, signal: null }, dropped_log_lines: 1 }),
    status({ name: "worker-0", group: "worker", program: "worker", state: "EXITED", last_exit: { code: null, signal: "KILL" }, started_at: 1_700_000_000_000 }),
    status({ name: "cron-0", group: "cron", program: "cron", state: "RUNNING", pid: 4321, started_at: 1_700_000_100_000, health: "unhealthy", cpu_seconds: 0, rss_bytes: 0 }),
    status({ name: 'odd"\\\nname', group: "odd", program: "odd" }),
    status({ name: "idle-0", group: "idle", program: "idle" }),
  ];
  const check = Bun.spawnSync(["promtool", "check", "metrics"], {
    stdin: Buffer.from(renderMetrics(processes, { ...DAEMON, uptimeSeconds: 1.5, rssBytes: 1 << 20, httpStreams: 1 })),
    stdout: "pipe", stderr: "pipe",
  });
  // Lint problems ("counter metrics should have \"_total\" suffix") come with a non-zero exit: both must be clean.
  expect([check.exitCode, `${check.stdout.toString()}${check.stderr.toString()}`.trim()]).toEqual([0, ""]);
});

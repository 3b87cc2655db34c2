import { describe, expect, test } from "bun:test";
import { describeError, formatAge, formatUptime, renderOutcome, renderStatusTable } from "../../src/cli/_render.ts";
import type { ErrorCode, ProcessStatus } from "../../src/control/protocol.ts";

describe("formatUptime, as supervisorctl prints it", () => {
  test.each([[0, "0:00:00"], [5_400, "0:00:05"], [3_723_000, "1:02:03"], [86_400_000, "1 day, 0:00:00"], [2 * 86_400_000 + 61_000, "2 days, 0:01:01"]])(
    "%p ms -> %p", (ms, text) => expect(formatUptime(ms)).toBe(text));
});

test.each([[999, "0s"], [59_000, "59s"], [60_000, "1m"], [7_200_000, "2h"], [3 * 86_400_000, "3d"], [-5, "0s"]])("formatAge(%p) = %p", (ms, text) => {
  expect(formatAge(ms)).toBe(text);
});

describe("outcomes in supervisorctl's words", () => {
  test.each([
    [{ name: "web", ok: true, state: "RUNNING" }, "start", true, "web: started"],
    [{ name: "web", ok: true, state: "STARTING" }, "start", false, "web: starting"],
    [{ name: "web", ok: true, state: "STOPPED" }, "stop", true, "web: stopped"],
    [{ name: "web", ok: true, state: "RUNNING" }, "restart", true, "web: restarted"],
    [{ name: "web", ok: true, state: "RUNNING" }, "signal", true, "web: signalled"],
    [{ name: "web", ok: false, error: { code: "ALREADY_STARTED" } }, "start", true, "web: ERROR (already started)"],
    [{ name: "web", ok: false, error: { code: "NOT_RUNNING" } }, "stop", true, "web: ERROR (not running)"],
    [{ name: "web", ok: false, error: { code: "START_FAILED", state: "BACKOFF", reason: "exit status 1; not expected" } }, "start", true,
      "web: ERROR (abnormal termination: exit status 1; not expected; now BACKOFF)"],
    [{ name: "web", ok: false, error: { code: "START_FAILED", state: "FATAL", reason: 'spawn error: can\'t find command "nope"; gave up after 1 attempt' } }, "start", true,
      'web: ERROR (spawn error: can\'t find command "nope"; gave up after 1 attempt; now FATAL)'],
    [{ name: "web", ok: false, error: { code: "SHUTTING_DOWN" } }, "start", true, "web: ERROR (tsvisor is shutting down)"],
  ] as const)("%o %s", (outcome, verb, waited, line) => {
    expect(renderOutcome(outcome, verb, waited)).toBe(line);
  });

  test("every error code has words", () => {
    const codes: ErrorCode[] = [
      "BAD_REQUEST", "LINE_TOO_LONG", "UNSUPPORTED_VERSION", "UNKNOWN_OP", "IDLE_TIMEOUT", "NO_SUCH_PROCESS", "NO_SUCH_GROUP", "BAD_SIGNAL",
      "ALREADY_STARTED", "NOT_RUNNING", "START_FAILED", "SHUTTING_DOWN", "CONFIG_INVALID", "INTERNAL", "FELL_BEHIND",
    ];
    expect(codes.filter((code) => !/^[a-z]/.test(describeError({ code })))).toEqual([]);
  });
});

describe("status table", () => {
  const NOW = 1_800_000_000_000;
  const status = (over: Partial<ProcessStatus>): ProcessStatus => ({
    name: "web", group: "web", program: "web", state: "RUNNING", pid: 42, uptime_ms: 65_000, started_at: NOW - 65_000, stopped_at: null,
    restarts: 0, last_exit: null, reason: null, wanted: true, dropped_log_lines: 0, health: null, health_error: null,
    cpu_percent: null, cpu_seconds: null, rss_bytes: null, peak_rss_bytes: null, pss_bytes: null, peak_pss_bytes: null, restarted_because: null, ...over,
  });

  test("one aligned row per process under a header, the reason in INFO", () => {
    const table = renderStatusTable([
      status({}),
      status({ name: "worker-1", restarts: 2, reason: "exit status 1; not expected", last_exit: { code: 1, signal: null } }),
      status({ name: "cron", state: "FATAL", pid: null, uptime_ms: null, stopped_at: NOW - 120_000, reason: "exit status 2; not expected; gave up after 4 attempts" }),
      status({ name: "api", state: "STOPPED", pid: null, uptime_ms: null, stopped_at: NOW - 5_000, reason: "terminated by SIGTERM", wanted: false }),
      status({ name: "manual", state: "STOPPED", pid: null, uptime_ms: null, started_at: null, wanted: false }),
      status({ name: "chatty", dropped_log_lines: 120 }),
      status({ name: "api2", cpu_percent: 12.5, rss_bytes: 90 * 1024 ** 2, pss_bytes: 50 * 1024 ** 2, peak_pss_bytes: 2 * 1024 ** 3, health: "unhealthy", health_error: "HTTP 503" }),
      status({ name: "mem", restarts: 1, rss_bytes: 900 * 1024, pss_bytes: 300 * 1024, peak_pss_bytes: 300 * 1024, health: "healthy", restarted_because: "max_memory: 600.0 MiB above 512.0 MiB in 2 samples in a row" }),
    ], NOW, false);
    expect(table).toBe([
      "NAME      STATE    PID  UPTIME   RESTARTS  CPU    PSS    PEAK  HEALTH     INFO",
      "web       RUNNING  42   0:01:05  0         -      -      -     -",
      "worker-1  RUNNING  42   0:01:05  2         -      -      -     -          last exit: exit status 1; not expected",
      "cron      FATAL    -    -        0         -      -      -     -          exit status 2; not expected; gave up after 4 attempts, 2m ago",
      "api       STOPPED  -    -        0         -      -      -     -          terminated by SIGTERM, 5s ago, stopped by hand",
      "manual    STOPPED  -    -        0         -      -      -     -",
      "chatty    RUNNING  42   0:01:05  0         -      -      -     -          120 log lines dropped",
      "api2      RUNNING  42   0:01:05  0         12.5%  50.0M  2.0G  unhealthy  health check: HTTP 503",
      "mem       RUNNING  42   0:01:05  1         -      300K   300K  healthy    restarted for max_memory: 600.0 MiB above 512.0 MiB in 2 samples in a row",
      "",
    ].join("\n"));
  });

  test("a process of a [groups.NAME] is GROUP:NAME, as supervisorctl shows it; a program's own instances keep their names", () => {
    const table = renderStatusTable([
      status({ name: "php", group: "app", program: "php" }),
      status({ name: "worker-0", group: "worker", program: "worker" }),
    ], NOW, false);
    expect(table.split("\n").map((line) => line.split(" ")[0])).toEqual(["NAME", "app:php", "worker-0", ""]);
  });

  test("colour paints the state only, and only when asked", () => {
    const [, row] = renderStatusTable([status({ state: "FATAL", pid: null, uptime_ms: null })], NOW, true).split("\n");
    expect(row).toBe("web   \u001b[31mFATAL\u001b[0m  -    -       0         -    -    -     -");
  });
});

import { describe, expect, test } from "bun:test";
import { parseHead, sniffProtocol } from "../../src/control/http-connection.ts";
import type { ProcessStatus } from "../../src/control/protocol.ts";
import { formatStopTime, formatTimedelta, processInfo, splitNamespec } from "../../src/control/xmlrpc-words.ts";

const status = (over: Partial<ProcessStatus>): ProcessStatus => ({
  name: "web", group: "web", program: "web", state: "RUNNING", pid: 42, uptime_ms: 0, started_at: 1_000_000_000_000, stopped_at: null, restarts: 0,
  last_exit: null, reason: null, wanted: true, dropped_log_lines: 0, health: null, health_error: null, cpu_percent: null, cpu_seconds: null,
  rss_bytes: null, peak_rss_bytes: null, pss_bytes: null, peak_pss_bytes: null, restarted_because: null, ...over,
});
const logs = { stdout: "/l/web.out.log", stderr: null };

describe("getProcessInfo's struct, as supervisord's rpcinterface.py builds it", () => {
  test("RUNNING: pid and uptime in supervisord's words, times in whole seconds", () => {
    expect(processInfo(status({}), logs, 1_000_000_062_500)).toEqual({
      name: "web", group: "web", start: 1_000_000_000, stop: 0, now: 1_000_000_062, state: 20, statename: "RUNNING", spawnerr: "", exitstatus: 0,
      logfile: "/l/web.out.log", stdout_logfile: "/l/web.out.log", stderr_logfile: "", pid: 42, description: "pid 42, uptime 0:01:02",
    });
  });

  test.each([
    ["BACKOFF after a quick exit", { state: "BACKOFF", pid: null, reason: "exit status 3; not expected" }, 30, "Exited too quickly (process log may have details)"],
    ["FATAL after a spawn error", { state: "FATAL", pid: null, reason: "spawn error: no such file: /x" }, 200, "no such file: /x"],
    ["STOPPED, never started", { state: "STOPPED", pid: null, started_at: null }, 0, "Not started"],
    ["STOPPING", { state: "STOPPING" }, 40, ""],
  ] as const)("%s", (_, over, code, description) => {
    const info = processInfo(status(over as Partial<ProcessStatus>), logs, 1_000_000_062_500);
    expect([info.state, info.description]).toEqual([code, description]);
  });

  test("a death by signal is exitstatus -1 (decode_wait_status)", () => {
    expect(processInfo(status({ state: "STOPPED", pid: null, last_exit: { code: null, signal: "TERM" } }), logs, 0).exitstatus).toBe(-1);
  });
});

test.each([
  [0, "0:00:00"], [62, "0:01:02"], [3600 * 25 + 1, "1 day, 1:00:01"], [86400 * 3, "3 days, 0:00:00"],
])("str(timedelta(seconds=%d)) is %s", (seconds, text) => {
  expect(formatTimedelta(seconds)).toBe(text);
});

test("the stop time reads as strftime('%b %d %I:%M %p')", () => {
  expect([formatStopTime(new Date(2026, 0, 5, 0, 7)), formatStopTime(new Date(2026, 10, 24, 15, 54))]).toEqual(["Jan 05 12:07 AM", "Nov 24 03:54 PM"]);
});

test.each([
  ["web", { group: "web", process: "web" }], ["worker:*", { group: "worker", process: null }], ["worker:", { group: "worker", process: null }],
  ["worker:worker-1", { group: "worker", process: "worker-1" }], ["a:b:c", { group: "a", process: "b:c" }],
])("split_namespec(%p)", (namespec, expected) => {
  expect(splitNamespec(namespec)).toEqual(expected);
});

describe("the control socket's first bytes", () => {
  test.each([
    ["POST /RPC2 HTTP/1.1", "http"], ["GET /", "http"], ["PO", "undecided"], ["", "undecided"], ['{"v":1}', "json"], ["\n", "json"], ["POSTX", "json"], ["\u00ffGET ", "json"],
  ] as const)("%p -> %s", (text, verdict) => {
    expect(sniffProtocol(Buffer.from(text, "latin1"))).toBe(verdict);
  });
});

describe("an HTTP request head", () => {
  test("supervisorctl's", () => {
    const head = parseHead("POST /RPC2 HTTP/1.1\r\nHost: localhost\r\nAccept-Encoding: gzip\r\nContent-Type: text/xml\r\nContent-Length: 120");
    expect("status" in head ? head : [head.method, head.target, head.version, head.length, head.headers.get("host")]).toEqual(["POST", "/RPC2", "1.1", 120, "localhost"]);
  });

  test.each([
    ["GET / HTTP/2.0", 400], ["GET  / HTTP/1.1", 400], ["GET * HTTP/1.1", 400], ["POST / HTTP/1.1\r\nTransfer-Encoding: chunked", 501],
    ["POST / HTTP/1.1\r\nContent-Length: -1", 400], ["POST / HTTP/1.1\r\nContent-Length: 300000", 413], ["GET / HTTP/1.1\r\nBad Header: x", 400],
    ["GET / HTTP/1.1\r\nX: a\u0000b", 400],
  ])("%p is refused with %d", (text, status) => {
    const head = parseHead(text);
    expect("status" in head ? head.status : 200).toBe(status);
  });
});

import { describe, expect, test } from "bun:test";
import { exitedWith, killedBy } from "../../src/supervisor/exit-status.ts";
import { newProcessRecord, type ProcessRecord } from "../../src/supervisor/machine.ts";
import { isOffender, resolveNames } from "../../src/supervisor/operator.ts";
import type { ProcessState } from "../../src/supervisor/states.ts";

// web (numprocs 1), worker-0/worker-1 of [programs.worker], cron; php and the queue-0/queue-1 of
// [programs.queue] in [groups.app]
const PROCESSES = [
  { name: "web", group: "web", programName: "web" }, { name: "worker-0", group: "worker", programName: "worker" },
  { name: "worker-1", group: "worker", programName: "worker" }, { name: "cron", group: "cron", programName: "cron" },
  { name: "php", group: "app", programName: "php" }, { name: "queue-0", group: "app", programName: "queue" },
  { name: "queue-1", group: "app", programName: "queue" },
];

describe("resolveNames", () => {
  test.each([
    [["web"], ["web"]],
    [["all"], ["web", "worker-0", "worker-1", "cron", "php", "queue-0", "queue-1"]],
    [["worker:*"], ["worker-0", "worker-1"]],
    [["worker"], ["worker-0", "worker-1"]],
    [["worker:worker-1"], ["worker-1"]],
    [["cron", "web", "web"], ["web", "cron"]],
    [["worker-1", "worker:*"], ["worker-0", "worker-1"]],
    // a group: GROUP:* and its bare name mean every process of every program in it
    [["app:*"], ["php", "queue-0", "queue-1"]],
    [["app"], ["php", "queue-0", "queue-1"]],
    [["app:php"], ["php"]],
    [["app:queue-1"], ["queue-1"]],
    // a program in a group: by its own name (tsvisor's) and its processes' names
    [["queue"], ["queue-0", "queue-1"]],
    [["php"], ["php"]],
  ])("%p -> %p in config order, each once", (requested, names) => {
    expect(resolveNames(requested, PROCESSES)).toEqual({ ok: true, names });
  });

  test.each([
    [["wbe"], { ok: false, fault: "NO_SUCH_PROCESS", name: "wbe" }],
    [["web", "wbe", "nope"], { ok: false, fault: "NO_SUCH_PROCESS", name: "wbe" }],
    [["wrk:*"], { ok: false, fault: "NO_SUCH_GROUP", name: "wrk:*" }],
    [["web:worker-0"], { ok: false, fault: "NO_SUCH_PROCESS", name: "web:worker-0" }],
    // a program in a group is no group of its own, as in supervisord (supervisorctl's bare php is php:php)
    [["php:php"], { ok: false, fault: "NO_SUCH_PROCESS", name: "php:php" }],
    [["queue:*"], { ok: false, fault: "NO_SUCH_GROUP", name: "queue:*" }],
  ])("%p is refused as a whole: %p", (requested, expected) => {
    expect(resolveNames(requested, PROCESSES)).toEqual(expected as never);
  });
});

describe("isOffender: wanted up and not RUNNING", () => {
  const record = (state: ProcessState, overrides: Partial<ProcessRecord> = {}): ProcessRecord =>
    ({ ...newProcessRecord("web"), state, wantedUp: true, ...overrides });
  test.each<[string, ProcessRecord, boolean]>([
    ["RUNNING", record("RUNNING"), false],
    ["FATAL", record("FATAL"), true],
    ["BACKOFF", record("BACKOFF"), true],
    ["STARTING after a crash", record("STARTING"), true],
    ["EXITED after a crash (autorestart = false)", record("EXITED", { lastExit: exitedWith(1) }), true],
    ["EXITED killed by a signal", record("EXITED", { lastExit: killedBy("KILL") }), true],
    ["EXITED with an expected code (a finished job)", record("EXITED", { lastExit: exitedWith(0) }), false],
    ["STOPPED by hand", record("STOPPED", { wantedUp: false }), false],
    ["never started (autostart = false)", record("STOPPED", { wantedUp: false }), false],
    ["STOPPED by a shutdown", record("STOPPED"), true],
  ])("%s", (_name, r, offender) => {
    expect(isOffender(r, [0])).toBe(offender);
  });
});

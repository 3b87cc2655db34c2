import { expect, test } from "bun:test";
import { signalNumber } from "../../src/os/signals.ts";
import { criticalExitCode, hasEndedForGood } from "../../src/supervisor/critical.ts";
import { exitedWith, killedBy } from "../../src/supervisor/exit-status.ts";
import { newProcessRecord, type ProcessRecord } from "../../src/supervisor/machine.ts";
import type { ProcessState } from "../../src/supervisor/states.ts";

const record = (state: ProcessState, lastExit: ProcessRecord["lastExit"] = null): ProcessRecord => ({ ...newProcessRecord("web"), state, lastExit });

test.each([
  ["RUNNING", "EXITED", true], // exited with no restart coming
  ["STARTING", "FATAL", true],
  ["BACKOFF", "FATAL", true],
  ["RUNNING", "STARTING", false], // EXITED -> STARTING in one step: a restart is coming
  ["STOPPING", "STOPPED", false], // stopped on purpose
  ["BACKOFF", "STOPPED", false],
  ["STARTING", "BACKOFF", false], // will retry
  ["FATAL", "FATAL", false], // no transition
] as const)("%s -> %s ends the program for good: %p", (before, after, ended) => {
  expect(hasEndedForGood(before, record(after))).toBe(ended);
});

test.each([
  [record("EXITED", exitedWith(0)), 0],
  [record("EXITED", exitedWith(42)), 42],
  [record("EXITED", killedBy("KILL")), 137],
  [record("FATAL", exitedWith(3)), 3],
  [record("FATAL", exitedWith(0)), 1], // FATAL is a failure even when the last quick exit said 0
  [record("FATAL", killedBy("SEGV")), 139],
  [record("FATAL", null), 1], // never ran: a spawn error has no exit status
])("critical program %o makes tsvisor exit %p", (rec, code) => {
  expect(criticalExitCode(rec, signalNumber)).toBe(code);
});

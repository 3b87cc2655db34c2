import { expect, test } from "bun:test";
import type { ProcessState } from "../../src/supervisor/states.ts";
import { summariseStates } from "../../src/systemd/status-summary.ts";

const states = (...list: ProcessState[]) => list.map((state) => ({ state }));

test.each([
  [states(), "no processes"],
  [states("RUNNING", "RUNNING", "RUNNING", "RUNNING", "BACKOFF", "RUNNING"), "5 running, 1 backoff"],
  [states("STOPPED", "FATAL", "STARTING", "RUNNING"), "1 running, 1 starting, 1 fatal, 1 stopped"],
  [states("STOPPING", "EXITED"), "1 stopping, 1 exited"],
] as const)("%o -> %p", (processes, summary) => {
  expect(summariseStates(processes)).toBe(summary);
});

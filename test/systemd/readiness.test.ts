import { expect, test } from "bun:test";
import type { ProcessState } from "../../src/supervisor/states.ts";
import { ReadinessLatch } from "../../src/systemd/readiness.ts";

const snap = (states: Record<string, ProcessState>) => Object.entries(states).map(([name, state]) => ({ name, state }));

test("ready once every autostart process has been RUNNING, even if one exited since", () => {
  const latch = new ReadinessLatch(["web", "job"]);
  expect([
    latch.observe(snap({ web: "STARTING", job: "STARTING", manual: "STOPPED" })),
    latch.observe(snap({ web: "STARTING", job: "RUNNING", manual: "STOPPED" })),
    latch.observe(snap({ web: "STARTING", job: "EXITED", manual: "STOPPED" })),
    latch.observe(snap({ web: "RUNNING", job: "EXITED", manual: "STOPPED" })),
    latch.observe(snap({ web: "RUNNING", job: "EXITED", manual: "RUNNING" })),
  ]).toEqual([false, false, false, true, false]);
});

test("a process tsvisor gave up on (FATAL) does not hold readiness back", () => {
  const latch = new ReadinessLatch(["web", "broken"]);
  expect([latch.observe(snap({ web: "RUNNING", broken: "BACKOFF" })), latch.observe(snap({ web: "RUNNING", broken: "FATAL" }))]).toEqual([false, true]);
});

test("BACKOFF and STOPPED are not settled", () => {
  const latch = new ReadinessLatch(["web"]);
  expect([latch.observe(snap({ web: "BACKOFF" })), latch.observe(snap({ web: "STOPPED" }))]).toEqual([false, false]);
});

test("with no autostart process, ready at the first look", () => {
  expect(new ReadinessLatch([]).observe(snap({ manual: "STOPPED" }))).toBe(true);
});

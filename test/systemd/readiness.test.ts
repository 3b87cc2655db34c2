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

// Regression: #19 — READY=1 went out while a program with a health check had not passed it yet.
test("a process with a health check settles at the check's first verdict, not at RUNNING", () => {
  const latch = new ReadinessLatch(["api", "web"]);
  expect([
    latch.observe([{ name: "api", state: "RUNNING", health: "starting" }, { name: "web", state: "RUNNING", health: null }]),
    latch.observe([{ name: "api", state: "RUNNING", health: "healthy" }, { name: "web", state: "RUNNING", health: null }]),
  ]).toEqual([false, true]);
  // an unhealthy verdict (retries used up) settles it too, as FATAL does: STATUS= tells the rest
  const unhealthy = new ReadinessLatch(["api"]);
  expect([unhealthy.observe([{ name: "api", state: "RUNNING", health: "starting" }]), unhealthy.observe([{ name: "api", state: "RUNNING", health: "unhealthy" }])]).toEqual([false, true]);
});

import { expect, test } from "bun:test";
import { newHealth, recordProbe, type Health, type ProbeResult } from "../../src/health/health-state.ts";

const OK: ProbeResult = { ok: true };
const FAIL: ProbeResult = { ok: false, error: "HTTP 503" };
const check = { retries: 3, start_period: 10 };
const T0 = 1_000_000;
const at = (s: Health["status"], failures = 0): Health => ({ status: s, failures, startedAt: T0, lastError: failures ? "HTTP 503" : null });

test.each([
  // [from, result, seconds after start, -> status, failures, becameUnhealthy]
  ["a success while starting makes it healthy at once, even in start_period", at("starting"), OK, 1, "healthy", 0, false],
  ["a failure in start_period does not count", at("starting"), FAIL, 5, "starting", 0, false],
  ["a failure after start_period counts", at("starting"), FAIL, 11, "starting", 1, false],
  ["the retries-th failure in a row makes it unhealthy", at("starting", 2), FAIL, 20, "unhealthy", 3, true],
  ["a healthy program's failure counts even in start_period", at("healthy"), FAIL, 1, "healthy", 1, false],
  ["healthy -> unhealthy after retries failures", at("healthy", 2), FAIL, 30, "unhealthy", 3, true],
  ["an unhealthy program failing again does not become unhealthy twice", at("unhealthy", 3), FAIL, 40, "unhealthy", 4, false],
  ["one success makes an unhealthy program healthy and resets the count", at("unhealthy", 5), OK, 50, "healthy", 0, false],
] as const)("%s", (_name, from, result, seconds, status, failures, became) => {
  const r = recordProbe(from, result, check, T0 + seconds * 1000);
  expect([r.health.status, r.health.failures, r.becameUnhealthy]).toEqual([status, failures, became]);
});

test("a new process starts as starting, and the last error is kept for status", () => {
  const h = newHealth(T0);
  expect(h).toEqual({ status: "starting", failures: 0, startedAt: T0, lastError: null });
  expect(recordProbe(h, FAIL, { retries: 1, start_period: 0 }, T0).health).toEqual({ status: "unhealthy", failures: 1, startedAt: T0, lastError: "HTTP 503" });
});

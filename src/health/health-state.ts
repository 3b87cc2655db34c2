// A program's health as a pure function of (health, probe result, check config, now): starting until
// the first success, healthy after a success, unhealthy after `retries` failures in a row. Failures in
// the first start_period seconds after a start do not count (Docker's --start-period): a slow starter
// is not unhealthy while it warms up, yet one success makes it healthy at once.
import type { HealthCheckConfig } from "../config/schema.ts";

export type HealthStatus = "starting" | "healthy" | "unhealthy";

/** Everything known about one process's health since it was (re)started. */
export interface Health {
  status: HealthStatus;
  /** Failures in a row that count (outside start_period). */
  failures: number;
  /** When the process started: start_period runs from here. */
  startedAt: number;
  /** What the last failed probe said, e.g. "HTTP 503", "connection refused"; null after a success. */
  lastError: string | null;
}

/** One probe's outcome. */
export type ProbeResult = { ok: true } | { ok: false; error: string };

// The health of a process that has just started.
export function newHealth(now: number): Health {
  return { status: "starting", failures: 0, startedAt: now, lastError: null };
}

// Record one probe result; `becameUnhealthy` is true on the one result that crosses into unhealthy.
export function recordProbe(
  h: Health, result: ProbeResult, check: Pick<HealthCheckConfig, "retries" | "start_period">, now: number,
): { health: Health; becameUnhealthy: boolean } {
  if (result.ok) return { health: { ...h, status: "healthy", failures: 0, lastError: null }, becameUnhealthy: false };
  const inStartPeriod = h.status === "starting" && now - h.startedAt < check.start_period * 1000;
  if (inStartPeriod) return { health: { ...h, lastError: result.error }, becameUnhealthy: false };
  const failures = h.failures + 1;
  const unhealthy = failures >= check.retries;
  const status = unhealthy ? "unhealthy" : h.status;
  return { health: { ...h, status, failures, lastError: result.error }, becameUnhealthy: unhealthy && h.status !== "unhealthy" };
}

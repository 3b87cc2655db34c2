// How long a restart waits, and whether an exit restarts at all, as pure functions.
//
// A run is *short* when the process never reached RUNNING (a failed start) or ended sooner than
// backoff_reset after reaching it. Short runs in a row count up; a run of backoff_reset or longer,
// or a start by hand, sets the count back to 0. The n-th short run in a row waits
//   backoff_delay × n                      (default: supervisord's 1 s, 2 s, 3 s, … for failed starts)
//   backoff_delay × backoff_factor^(n-1)   (with backoff_factor: exponential, like Kubernetes' 10 s, 20 s, 40 s …)
// and never more than backoff_max. A failed start waits delay(n), as supervisord's BACKOFF does; an
// exit from RUNNING waits delay(n-1), so one crash restarts at once (supervisord) and only a crash
// loop is paced (supervisord: 3 spawns in 5 s; tsvisor without this: 148).
import type { Autorestart, ProgramConfig } from "../config/schema.ts";
import type { ExitStatus } from "./exit-status.ts";

export type BackoffConfig = Pick<ProgramConfig, "backoff_delay" | "backoff_factor" | "backoff_max">;

// The wait before the restart that follows the n-th short run in a row, in ms; 0 for n <= 0.
export function backoffDelayMs(n: number, cfg: BackoffConfig): number {
  if (n <= 0) return 0;
  const seconds = cfg.backoff_factor === null ? cfg.backoff_delay * n : cfg.backoff_delay * cfg.backoff_factor ** (n - 1);
  return Math.min(seconds, cfg.backoff_max) * 1000;
}

// Has the failed start number `failedStarts` (1, 2, …) used up startretries? Then FATAL.
export function hasUsedUpRetries(failedStarts: number, startretries: ProgramConfig["startretries"]): boolean {
  return startretries !== "unlimited" && failedStarts > startretries;
}

// supervisord: an exit is expected only when it exited with one of exitcodes; a signal death never is.
export function isExpectedExit(status: ExitStatus, exitcodes: readonly number[]): boolean {
  return status.code !== null && exitcodes.includes(status.code);
}

// Whether a process that exited from RUNNING is started again (autorestart).
export function shouldRestart(autorestart: Autorestart, expected: boolean): boolean {
  return autorestart === "unexpected" ? !expected : autorestart;
}

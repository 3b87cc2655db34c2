import type { Autorestart } from "../config/schema.ts";
import type { ExitStatus } from "./exit-status.ts";

// supervisord waits 1 s after the first failed start, 2 s after the second, and so on.
export function retryDelayMs(failedStarts: number): number {
  return failedStarts * 1000;
}

// supervisord: an exit is expected only when it exited with one of exitcodes; a signal death never is.
export function isExpectedExit(status: ExitStatus, exitcodes: readonly number[]): boolean {
  return status.code !== null && exitcodes.includes(status.code);
}

// Whether a process that exited from RUNNING is started again (autorestart).
export function shouldRestart(autorestart: Autorestart, expected: boolean): boolean {
  return autorestart === "unexpected" ? !expected : autorestart;
}

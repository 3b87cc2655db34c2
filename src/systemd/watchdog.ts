// How often to send WATCHDOG=1: half of WATCHDOG_USEC, as sd_watchdog_enabled(3) advises, and only
// when WATCHDOG_PID (if set) names this process — otherwise the watchdog belongs to someone else.
import { TsvisorError } from "../errors.ts";

/** Milliseconds between WATCHDOG=1 pings, or null when systemd asked for no watchdog for this process. */
export function watchdogIntervalMs(env: Record<string, string | undefined>, pid: number): number | null {
  const usec = env.WATCHDOG_USEC;
  if (usec === undefined || usec === "") return null;
  const watchdogPid = env.WATCHDOG_PID;
  if (watchdogPid !== undefined && watchdogPid !== "" && watchdogPid !== String(pid)) return null;
  if (!/^\d+$/.test(usec) || Number(usec) === 0) {
    throw new TsvisorError(
      "WATCHDOG_USEC_INVALID",
      `WATCHDOG_USEC=${JSON.stringify(usec)} is not a positive number of microseconds; the watchdog is off`,
      "systemd sets WATCHDOG_USEC from WatchdogSec=; unset it when starting tsvisor by hand",
    );
  }
  // At least 1 ms: a timer cannot fire more often, and systemd's own minimum is far above that.
  return Math.max(1, Number(usec) / 1000 / 2);
}

// tsvisor's file descriptors, kept so that it can always answer. Bun's listeners (the control socket,
// the HTTP server) retry a failed accept(2) at once: at the RLIMIT_NOFILE limit a waiting connection
// makes tsvisor spin on EMFILE and answer no one (oven-sh/bun#32705). Bun gives no hook to back off
// there, so tsvisor never lets its own use reach the limit: each kind of new descriptor is refused
// while fewer than its reserve are left, the largest reserve for what can wait (a spawn) and the
// smallest for the control socket, so `tsvisor status` and `check` get an answer last of all.
import { readdirSync, readFileSync } from "node:fs";

/** Descriptors that must be left for each kind of new use; below that, it is refused. */
export const FD_RESERVE = {
  /** A program, health check command, hook or event listener: pipes and log files. */
  spawn: 32,
  /** A log's dropped oldest backup held open while a pool thread frees it; refused, the rename frees it in place. */
  heldBackup: 32,
  /** An HTTP connection or log stream. */
  http: 16,
  /** A control socket connection: what is left below it is for reading /proc and files in passing. */
  control: 4,
} as const;

export type FdUse = keyof typeof FD_RESERVE;

/** Descriptors open now, and the most tsvisor may have (its soft RLIMIT_NOFILE). */
export interface FdUsage {
  open: number;
  limit: number;
}

/** Called when a use is first refused (low), and when every use is allowed again (not low). */
export type FdPressureListener = (low: boolean, usage: FdUsage) => void;

// How often a tsvisor short of descriptors looks whether it has enough again.
const RECOVERY_CHECK_MS = 1000;

// Off until a daemon with listeners turns it on: init mode has nothing to keep descriptors for.
let enforced = false;
let listener: FdPressureListener | null = null;
let recoveryTimer: Timer | undefined;
// The last limit read: reading /proc takes a descriptor too, and at the limit there is none for it.
let knownLimit = Infinity;

/** Keep the reserves from now on; `report` hears of the first refusal and of the recovery (one log line each). */
export function enforceFdReserve(report: FdPressureListener): void {
  enforced = true;
  listener = report;
}

/** Descriptors open and the limit; `open` is the limit itself when they cannot even be counted (EMFILE). */
export function fdUsage(): FdUsage {
  try {
    knownLimit = softLimit(readFileSync("/proc/self/limits", "utf8"));
    // readdir holds one descriptor of its own while it reads: not counted
    return { open: readdirSync("/proc/self/fd").length - 1, limit: knownLimit };
  } catch {
    return { open: knownLimit, limit: knownLimit };
  }
}

// Counting reads /proc/self/fd, as long as what it counts: at 1,000 programs (~7,000 descriptors)
// one count per spawn made starting them all quadratic (1,000 programs took 0.40x supervisord's
// start-up where cc9563e took 0.11-0.18x). So a count is reused while it is under a second old and
// far from every reserve: what was allowed since, at the most each use opens, is taken off the room it
// showed. Near a reserve every question counts again, so a refusal always rests on a fresh count; the
// descriptors closed since are not credited, which only makes the estimate cautious.
const COUNT_FRESH_MS = 1000;
const MOST_A_USE_OPENS: Record<FdUse, number> = { spawn: 8, heldBackup: 1, http: 1, control: 1 }; // a spawn: two pipes, two log files
let counted: { usage: FdUsage; at: number; handedOut: number } | null = null;

function estimatedUsage(): FdUsage {
  const now = performance.now();
  if (counted !== null && now - counted.at < COUNT_FRESH_MS) {
    const open = counted.usage.open + counted.handedOut;
    if (counted.usage.limit - open >= 2 * FD_RESERVE.spawn) return { open, limit: counted.usage.limit };
  }
  counted = { usage: fdUsage(), at: now, handedOut: 0 };
  return counted.usage;
}

/**
 * null when tsvisor may open one more descriptor for `use`; otherwise the usage that refuses it. The
 * first refusal is reported, and a timer then watches for the recovery.
 */
export function fdShortageFor(use: FdUse): FdUsage | null {
  if (!enforced) return null;
  const usage = estimatedUsage();
  if (usage.limit - usage.open >= FD_RESERVE[use]) {
    if (counted !== null) counted.handedOut += MOST_A_USE_OPENS[use];
    return null;
  }
  if (recoveryTimer === undefined) {
    listener?.(true, usage);
    recoveryTimer = setInterval(checkRecovery, RECOVERY_CHECK_MS);
    recoveryTimer.unref();
  }
  return usage;
}

/** True from a refusal until the recovery: what holds descriptors it could do without lets them go. */
export const fdsRunningShort = (): boolean => recoveryTimer !== undefined;

// Recovered when even a spawn would be allowed again.
function checkRecovery(): void {
  const usage = fdUsage();
  if (usage.limit - usage.open < FD_RESERVE.spawn) return;
  clearInterval(recoveryTimer);
  recoveryTimer = undefined;
  listener?.(false, usage);
}

/** The soft limit in /proc/PID/limits ("Max open files  1024  524288  files"); Infinity for "unlimited". */
export function softLimit(limits: string): number {
  const line = limits.split("\n").find((l) => l.startsWith("Max open files"));
  const soft = Number(line?.slice("Max open files".length).trim().split(/\s+/)[0]);
  return Number.isFinite(soft) ? soft : Infinity;
}

import { constants } from "node:os";
import { realtimeName, realtimeNumber } from "./realtime-signals.ts";

// Signal names without the SIG prefix ("TERM") are what config files and the CLI use, as supervisord does.
// A Map: names arrive from configs and requests, and none may find a property of Object.prototype.
const SIGNAL_NUMBERS: ReadonlyMap<string, number> = new Map(Object.entries(constants.signals as Record<string, number>));

/** The signals a program may be stopped with (supervisord's list for `stopsignal`). */
export const STOP_SIGNALS = ["TERM", "INT", "QUIT", "HUP", "KILL", "USR1", "USR2"] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

// Normalise "sigterm", "SIGTERM" and "TERM" to "TERM"; returns null for anything that is not a signal.
export function normalizeSignalName(input: string): string | null {
  const upper = input.trim().toUpperCase();
  const bare = upper.startsWith("SIG") ? upper.slice(3) : upper;
  if (SIGNAL_NUMBERS.has(`SIG${bare}`)) return bare;
  const realtime = realtimeNumber(bare); // "RTMAX-28" -> "RTMIN+2": one name per signal
  return realtime === null ? null : realtimeName(realtime);
}

// "TERM" -> 15; "34" -> 34 (the inverse of signalName(), which leaves an unnamed signal a number).
export function signalNumber(name: string): number {
  if (/^\d+$/.test(name)) return Number(name);
  const n = SIGNAL_NUMBERS.get(`SIG${name}`) ?? realtimeNumber(name);
  if (n === undefined || n === null) throw new Error(`unknown signal name ${JSON.stringify(name)}`);
  return n;
}

// 15 -> "TERM", 36 -> "RTMIN+2" (realtime-signals.ts); a number that is no signal stays a number.
export function signalName(n: number): string {
  for (const [name, value] of SIGNAL_NUMBERS) if (value === n) return name.slice(3);
  return realtimeName(n) ?? String(n);
}

/**
 * Forwardable too, though Bun's process.on cannot catch them (os/unnamed-signals.ts does): STKFLT and
 * the real-time signals ("RTMIN", "RTMIN+3", "RTMAX-2", "RTMAX"), as normalizeSignalName() names them.
 */
export function isForwardableUnnamed(name: string): boolean {
  return name === "STKFLT" || realtimeNumber(name) !== null;
}

/**
 * Every signal tsvisor can catch with process.on and pass on: init mode forwards all of them to CMD, run mode those of
 * `[supervisor] forward_signals`. Left out, with tini's reasons where tini leaves them out too:
 * KILL and STOP cannot be caught; CHLD drives reaping; ILL TRAP ABRT BUS FPE SEGV SYS are faults of
 * tsvisor itself; TTIN and TTOU are what a background tsvisor gets from the terminal; PIPE and XFSZ
 * would be tsvisor's own write errors (Bun ignores both); PWR is used by Bun's runtime.
 */
export const FORWARDABLE_SIGNALS = [
  "HUP", "INT", "QUIT", "USR1", "USR2", "ALRM", "TERM", "CONT", "TSTP", "URG", "XCPU", "VTALRM", "PROF", "WINCH", "IO",
] as const;

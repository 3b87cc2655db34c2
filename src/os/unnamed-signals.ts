// The signals Bun's process.on cannot catch: its name table has no SIGSTKFLT and no real-time signal,
// so `process.on("SIGRTMIN")` does nothing and, with no handler, such a signal kills tsvisor (and then
// its programs, through their parent-death signal). A handler in C (signal-handlers.c) writes each
// one's number to a pipe, which the JavaScript thread reads: the self-pipe trick.
import { libc, SIG_IGN } from "./libc.ts";
import { catchIntoPipe } from "./native-signal-handlers.ts";
import { openPipe, setNonBlocking } from "./pipe.ts";
import { realtimeRange } from "./realtime-signals.ts";
import { signalName, signalNumber } from "./signals.ts";

/** STKFLT, then RTMIN to RTMAX, as names ("STKFLT", "RTMIN", "RTMIN+1", ... "RTMAX"). */
export function signalsBunCannotCatch(): string[] {
  const range = realtimeRange();
  const realtime = range === null ? [] : Array.from({ length: range.max - range.min + 1 }, (_, i) => signalName(range.min + i));
  return ["STKFLT", ...realtime];
}

/**
 * Catch every signal of signalsBunCannotCatch(): `onSignal` runs on the JavaScript thread with its name,
 * once per arrival (real-time signals queue; two STKFLT in a row may merge, as any standard signal).
 * Where the C handler cannot be had they are ignored instead, so that they cannot kill tsvisor, and
 * the result says why (the caller logs it).
 */
export function catchUnnamedSignals(onSignal: (name: string) => void): { ok: true } | { ok: false; reason: string } {
  const names = signalsBunCannotCatch();
  const pipe = openPipe();
  setNonBlocking(pipe.write); // never block in a signal handler: a full pipe drops the signal instead
  const failed = names.filter((name) => !catchIntoPipe(signalNumber(name), pipe.write));
  if (failed.length > 0) {
    for (const name of failed) libc().signal(signalNumber(name), SIG_IGN);
    return { ok: false, reason: `${failed.map((n) => `SIG${n}`).join(" ")} cannot be caught here (no TinyCC for the C handler), so they are ignored` };
  }
  void readSignals(pipe.read, onSignal);
  return { ok: true };
}

// Each byte on the pipe is one signal's number. Bun's stream waits for the pipe in its own event loop:
// no thread, nothing done while no signal comes.
async function readSignals(fd: number, onSignal: (name: string) => void): Promise<void> {
  for await (const chunk of Bun.file(fd).stream()) for (const n of chunk) onSignal(signalName(n));
}

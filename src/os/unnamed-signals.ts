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
 * Ignore every signal of signalsBunCannotCatch(): cheap, and enough to keep them from killing tsvisor
 * until catchUnnamedSignals() has compiled its handler (init mode defers that: ~20 ms of start-up).
 * An ignored signal does not stay ignored in the children: Bun.spawn resets every signal to its default.
 */
export function ignoreUnnamedSignals(): void {
  for (const name of signalsBunCannotCatch()) libc().signal(signalNumber(name), SIG_IGN);
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
    ignoreUnnamedSignals(); // ignored rather than lethal
    const which = failed.length === names.length ? "SIGSTKFLT and the real-time signals" : failed.map((n) => `SIG${n}`).join(" ");
    return { ok: false, reason: `${which} cannot be caught here (no TinyCC to compile the C handler), so they are ignored` };
  }
  void readSignals(pipe.read, onSignal);
  return { ok: true };
}

// Each byte on the pipe is one signal's number. Bun's stream waits for the pipe in its own event loop:
// no thread, nothing done while no signal comes.
async function readSignals(fd: number, onSignal: (name: string) => void): Promise<void> {
  for await (const chunk of Bun.file(fd).stream()) for (const n of chunk) onSignal(signalName(n));
}

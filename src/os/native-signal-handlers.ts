// The handlers of signal-handlers.c, compiled once on first use (os/tiny-cc.ts). Each function returns
// false when they cannot be had here (no TinyCC, TSVISOR_NO_NATIVE=1) or the kernel refused: the
// caller then falls back to what JavaScript can do, and says so.
import { type Library, ptr } from "bun:ffi";
import { compileC } from "./tiny-cc.ts";
import source from "./signal-handlers.c" with { type: "text" };

const SYMBOLS = {
  catch_into_pipe: { args: ["i32", "i32"], returns: "i32" },
  report_external_abort: { args: ["ptr", "u64"], returns: "i32" },
} as const;

// Referenced for the life of the process: a handler's code must outlive every signal.
let library: Library<typeof SYMBOLS> | null | undefined;
const keptLines: Buffer[] = [];

function handlers(): Library<typeof SYMBOLS>["symbols"] | null {
  if (library === undefined) library = compileC("signal-handlers.c", source, SYMBOLS, ["write", "getpid", "kill", "raise", "sigaction", "__errno_location"]);
  return library?.symbols ?? null;
}

/** Catch `signal` by writing its number, one byte, to `pipeFd` (non-blocking), from any thread. */
export function catchIntoPipe(signal: number, pipeFd: number): boolean {
  const symbols = handlers();
  return symbols !== null && symbols.catch_into_pipe(signal, pipeFd) === 0;
}

/**
 * On a SIGABRT sent by another process, write `line` to stderr and dump core as SIGABRT's default
 * does, with no JavaScript involved (the thread may be stuck: that is why systemd's watchdog sent it);
 * tsvisor's own abort() still reaches the handler that was there before (Bun's crash report).
 */
export function reportExternalAbort(line: string): boolean {
  const symbols = handlers();
  if (symbols === null) return false;
  const bytes = Buffer.from(line);
  keptLines.push(bytes); // the handler reads it at any later time
  return symbols.report_external_abort(ptr(bytes), bytes.length) === 0;
}

// C compiled at run time by Bun's built-in TinyCC (bun:ffi cc), for the few things JavaScript cannot
// do or cannot do fast: prefixing lines at memcpy speed (logs/prefix-lines.c), signal handlers that run
// while the JavaScript thread is busy or cannot name the signal (os/signal-handlers.c). cc is
// experimental and a machine may lack what it needs, so every caller keeps a path without it.
import { type Library, cc, dlopen, FFIType, ptr } from "bun:ffi";
import { closeSync, writeSync } from "node:fs";
import { LIBC } from "./libc-path.ts";

type Symbols = Parameters<typeof cc>[0]["symbols"];

const MFD_CLOEXEC = 1; // no program spawned meanwhile may inherit it

/**
 * `source` compiled with its `symbols`, or null when that cannot be done here (no TinyCC, no libc
 * memfd_create, no /proc). TSVISOR_NO_NATIVE=1 forces null, so that tests can take the other path.
 * The result must stay referenced for as long as its code may run: a signal handler, forever.
 */
export function compileC<S extends Symbols>(name: string, source: string, symbols: S): Library<S> | null {
  if (process.env.TSVISOR_NO_NATIVE) return null;
  // tcc cannot read files inside the compiled executable, so the source goes through a memfd (no
  // writable disk needed).
  let fd = -1;
  try {
    const { memfd_create } = dlopen(LIBC, { memfd_create: { args: [FFIType.cstring, FFIType.u32], returns: FFIType.i32 } }).symbols;
    fd = memfd_create(ptr(Buffer.from(`tsvisor-${name}\0`)), MFD_CLOEXEC);
    if (fd < 0) return null;
    writeSync(fd, source);
    return cc({ source: `/proc/self/fd/${fd}`, symbols }) as Library<S>;
  } catch {
    return null;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

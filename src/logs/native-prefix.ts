// Loads prefix-lines.c through Bun's built-in TinyCC (bun:ffi cc), or returns null so the caller uses
// the JavaScript path: cc is experimental, and a machine may lack what it needs. tcc cannot read
// files inside the compiled executable, so the source goes through a memfd (no writable disk needed).
import { cc, dlopen, FFIType, ptr } from "bun:ffi";
import { closeSync, writeSync } from "node:fs";
import { LIBC } from "../os/libc-path.ts";
import source from "./prefix-lines.c" with { type: "text" };

export interface NativePrefix {
  countNewlines(src: Uint8Array): number;
  prefixLines(src: Uint8Array, prefix: Uint8Array, atLineStart: boolean, out: Uint8Array): number;
}

let loaded: NativePrefix | null | undefined;
const MFD_CLOEXEC = 1; // no program spawned meanwhile may inherit it

/** The compiled helpers, or null when they cannot be had here (TSVISOR_NO_NATIVE=1 forces null, for tests). */
export function nativePrefix(): NativePrefix | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  if (process.env.TSVISOR_NO_NATIVE) return loaded;
  let fd = -1;
  try {
    const { memfd_create } = dlopen(LIBC, { memfd_create: { args: [FFIType.cstring, FFIType.u32], returns: FFIType.i32 } }).symbols;
    fd = memfd_create(ptr(Buffer.from("tsvisor-prefix-lines.c\0")), MFD_CLOEXEC);
    if (fd < 0) return loaded;
    writeSync(fd, source);
    const { symbols } = cc({
      source: `/proc/self/fd/${fd}`,
      symbols: {
        count_newlines: { args: ["ptr", "u64"], returns: "u64" },
        prefix_lines: { args: ["ptr", "u64", "ptr", "u64", "i32", "ptr"], returns: "u64" },
      },
    });
    loaded = {
      countNewlines: (src) => (src.length === 0 ? 0 : Number(symbols.count_newlines(ptr(src), src.length))),
      prefixLines: (src, prefix, atLineStart, out) =>
        src.length === 0 ? 0 : Number(symbols.prefix_lines(ptr(src), src.length, ptr(prefix), prefix.length, atLineStart ? 1 : 0, ptr(out))),
    };
  } catch {
    loaded = null; // no libc memfd_create, no TinyCC, no /proc: the JavaScript path does the same, slower
  } finally {
    if (fd >= 0) closeSync(fd);
  }
  return loaded;
}

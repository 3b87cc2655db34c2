// Loads prefix-lines.c through Bun's built-in TinyCC (os/tiny-cc.ts), or returns null so the caller
// uses the JavaScript path: cc is experimental, and a machine may lack what it needs.
import { ptr } from "bun:ffi";
import { compileC } from "../os/tiny-cc.ts";
import source from "./prefix-lines.c" with { type: "text" };

export interface NativePrefix {
  countNewlines(src: Uint8Array): number;
  prefixLines(src: Uint8Array, prefix: Uint8Array, atLineStart: boolean, out: Uint8Array): number;
}

let loaded: NativePrefix | null | undefined;

/** The compiled helpers, or null when they cannot be had here (TSVISOR_NO_NATIVE=1 forces null, for tests). */
export function nativePrefix(): NativePrefix | null {
  if (loaded !== undefined) return loaded;
  const library = compileC("prefix-lines.c", source, {
    count_newlines: { args: ["ptr", "u64"], returns: "u64" },
    prefix_lines: { args: ["ptr", "u64", "ptr", "u64", "i32", "ptr"], returns: "u64" },
  }, ["memchr", "memcpy"]);
  if (library === null) return (loaded = null); // the JavaScript path does the same, slower
  const { symbols } = library;
  loaded = {
    countNewlines: (src) => (src.length === 0 ? 0 : Number(symbols.count_newlines(ptr(src), src.length))),
    prefixLines: (src, prefix, atLineStart, out) =>
      src.length === 0 ? 0 : Number(symbols.prefix_lines(ptr(src), src.length, ptr(prefix), prefix.length, atLineStart ? 1 : 0, ptr(out))),
  };
  return loaded;
}

// C compiled at run time by Bun's built-in TinyCC (bun:ffi cc), for the few things JavaScript cannot
// do or cannot do fast: prefixing lines at memcpy speed (logs/prefix-lines.c), signal handlers that run
// while the JavaScript thread is busy or cannot name the signal (os/signal-handlers.c). cc is
// experimental and a machine may lack what it needs, so every caller keeps a path without it.
//
// Linking: TinyCC links against libc the way a C compiler does, through libc.so and crt*.o, which
// only a libc development package installs. Slim and distroless images and minimal hosts have the
// shared libc alone, and there cc failed (tsvisor then fell back, and under a booted systemd lost its
// watchdog line to Bun's crash banner). So the code is compiled with -nostdlib, and each libc function
// it calls is reached through a pointer that is set, before any of its code runs, to the address the
// running process's own dynamic linker has for it (dlsym): the libc tsvisor itself uses.
import { type Library, cc, dlopen, FFIType, ptr } from "bun:ffi";
import { closeSync, writeSync } from "node:fs";
import { LIBC } from "./libc-path.ts";

type Symbols = Parameters<typeof cc>[0]["symbols"];

const MFD_CLOEXEC = 1; // no program spawned meanwhile may inherit it
const LINK = "tsvisor_link_libc";

/**
 * `source` compiled with its `symbols`, or null when that cannot be done here (no TinyCC, no libc
 * memfd_create, no /proc, a libc function missing). `libc` names the C library's functions the
 * source declares and calls (no #include: prototypes written out). TSVISOR_NO_NATIVE=1 forces null,
 * so that tests can take the other path. The result must stay referenced for as long as its code
 * may run: a signal handler, forever.
 */
export function compileC<S extends Symbols>(name: string, source: string, symbols: S, libc: readonly string[] = []): Library<S> | null {
  if (process.env.TSVISOR_NO_NATIVE) return null;
  // tcc cannot read files inside the compiled executable, so the source goes through a memfd (no
  // writable disk needed).
  let fd = -1;
  try {
    const addresses = libcAddresses(libc);
    if (addresses === null) return null;
    const { memfd_create } = dlopen(LIBC, { memfd_create: { args: [FFIType.cstring, FFIType.u32], returns: FFIType.i32 } }).symbols;
    fd = memfd_create(ptr(Buffer.from(`tsvisor-${name}\0`)), MFD_CLOEXEC);
    if (fd < 0) return null;
    writeSync(fd, linkedSource(source, libc));
    const library = cc({ source: `/proc/self/fd/${fd}`, flags: ["-nostdlib"], symbols: { ...symbols, [LINK]: { args: [FFIType.ptr], returns: FFIType.void } } });
    (library.symbols as unknown as Record<typeof LINK, (table: number) => void>)[LINK](ptr(addresses));
    return library as unknown as Library<S>;
  } catch {
    return null;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

// Each libc name becomes a pointer (`write` -> `(*tsvisor_libc_write)`, so the source's prototype
// declares that pointer and its calls go through it), set by tsvisor_link_libc from a table.
function linkedSource(source: string, libc: readonly string[]): string {
  const pointer = (fn: string) => `tsvisor_libc_${fn}`;
  const defines = libc.map((fn) => `#define ${fn} (*${pointer(fn)})\n`).join("");
  const sets = libc.map((fn, i) => `  *(void **)&${pointer(fn)} = table[${i}];\n`).join("");
  return `${defines}#line 1\n${source}\nvoid ${LINK}(void **table) {\n${sets}}\n`;
}

// The address of each libc function in this process, as its dynamic linker resolves it; null when one is missing.
function libcAddresses(libc: readonly string[]): BigUint64Array | null {
  if (libc.length === 0) return new BigUint64Array(1);
  const { dlsym } = dlopen(LIBC, { dlsym: { args: [FFIType.ptr, FFIType.cstring], returns: FFIType.ptr } }).symbols;
  const table = new BigUint64Array(libc.length);
  for (const [i, fn] of libc.entries()) {
    const address = dlsym(null, ptr(Buffer.from(`${fn}\0`))); // RTLD_DEFAULT: the process's own symbols
    if (address === null || address === 0) return null;
    table[i] = BigInt(address);
  }
  return table;
}

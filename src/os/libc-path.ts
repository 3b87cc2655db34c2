// The C library's name for bun:ffi's dlopen: the one this process runs on. glibc's soname, or musl's
// loader (Alpine), which is the libc itself. Decided by what the process has mapped, not by which
// loader exists on disk: a glibc machine with Debian's `musl` package installed has
// /lib/ld-musl-x86_64.so.1 too, and dlopen()ing that into a glibc tsvisor gave it a second libc
// whose dlsym() knows none of the process's symbols.
import { existsSync, readFileSync } from "node:fs";

const MUSL_ARCH: Record<string, string> = { x64: "x86_64", arm64: "aarch64" };

export const LIBC = (() => {
  const arch = MUSL_ARCH[process.arch];
  const musl = arch === undefined ? null : `/lib/ld-musl-${arch}.so.1`;
  if (musl === null) return "libc.so.6";
  try {
    return readFileSync("/proc/self/maps", "utf8").includes(`/ld-musl-${arch}.so.1`) ? musl : "libc.so.6";
  } catch {
    return existsSync(musl) ? musl : "libc.so.6"; // no /proc: the loader present is the best guess
  }
})();

// The C library's name for bun:ffi's dlopen: glibc's soname, or musl's (Alpine), whose loader is the
// libc itself. (Issue 4's os/libc.ts may take this over.)
import { existsSync } from "node:fs";

const MUSL_ARCH: Record<string, string> = { x64: "x86_64", arm64: "aarch64" };

export const LIBC = (() => {
  const arch = MUSL_ARCH[process.arch];
  return arch !== undefined && existsSync(`/lib/ld-musl-${arch}.so.1`) ? `/lib/ld-musl-${arch}.so.1` : "libc.so.6";
})();

// os/libc-path.ts names the C library this process runs on, whatever else is installed: with Debian's
// `musl` package, /lib/ld-musl-x86_64.so.1 exists on a glibc machine, and dlopen()ing it gave tsvisor
// a second libc whose dlsym() knew none of its symbols (the C helpers then failed to link).
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { LIBC } from "../../src/os/libc-path.ts";

test("a glibc process names glibc's libc even where musl's loader is installed too", () => {
  const ensured = Bun.spawnSync(["bash", join(import.meta.dir, "../../scripts/ensure-debian-packages.sh"), "musl"], { stderr: "pipe" });
  expect(ensured.exitCode).toBe(0);
  const runsOnMusl = readFileSync("/proc/self/maps", "utf8").includes("/ld-musl-");
  expect([runsOnMusl, LIBC]).toEqual([false, "libc.so.6"]);
});

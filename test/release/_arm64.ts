// How the arm64 glibc executables run on this x64 machine: under qemu-user, with Debian's arm64 glibc
// (libc6-arm64-cross, installed under /usr/aarch64-linux-gnu) made visible where the executable's own
// loader path (/lib/ld-linux-aarch64.so.1) and glibc's multiarch search path (/lib/aarch64-linux-gnu)
// name it. Not with qemu's `-L /usr/aarch64-linux-gnu`: qemu then remaps every absolute path that
// also exists under the prefix, "/" first, so tsvisor's safe walk from "/" (os/safe-open.ts) started
// inside /usr/aarch64-linux-gnu, made its log directory there and could not find its own socket.
import { mkdtempSync, mkdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureDebianPackages } from "../infra/debian-packages.ts";

const CROSS_LIB = "/usr/aarch64-linux-gnu/lib";
const LOADER = "ld-linux-aarch64.so.1";

/**
 * A command prefix that runs an arm64 executable on this machine: a private mount namespace where
 * /usr/lib (so /lib) also holds the loader and aarch64-linux-gnu/ (an overlay of two links), then
 * qemu-aarch64. The same pid runs the executable. Dispose to remove the overlay's directories.
 */
export async function arm64OnThisMachine(): Promise<{ command: string[]; [Symbol.dispose](): void }> {
  await ensureDebianPackages("qemu-user", "libc6-arm64-cross");
  const dir = mkdtempSync(join(tmpdir(), "tsvisor-arm64-"));
  const [upper, work] = [join(dir, "upper"), join(dir, "work")];
  mkdirSync(upper);
  mkdirSync(work);
  symlinkSync(join(CROSS_LIB, LOADER), join(upper, LOADER));
  symlinkSync(CROSS_LIB, join(upper, "aarch64-linux-gnu"));
  const overlay = `mount -t overlay overlay -o lowerdir=/usr/lib,upperdir=${upper},workdir=${work} /usr/lib`;
  return {
    command: ["unshare", "--mount", "sh", "-c", `${overlay} && exec qemu-aarch64 "$@"`, "sh"],
    [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * `docker run` flags that run an arm64 executable in an x64 image: qemu-aarch64-static (a static
 * binary, so it runs in any image) as the entrypoint, the arm64 glibc mounted at its own paths.
 */
export async function arm64InContainerFlags(): Promise<string[]> {
  await ensureDebianPackages("qemu-user-static", "libc6-arm64-cross");
  return [
    "-v", "/usr/bin/qemu-aarch64-static:/usr/bin/qemu-aarch64-static:ro",
    "-v", `${CROSS_LIB}:/lib/aarch64-linux-gnu:ro`,
    "-v", `${join(CROSS_LIB, LOADER)}:/lib/${LOADER}:ro`,
    "--entrypoint", "/usr/bin/qemu-aarch64-static",
  ];
}

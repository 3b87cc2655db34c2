// When a page of a file mapping is touched, the kernel maps not that page alone but the 64 KiB around
// it that are in the page cache ("fault-around"): cheaper faults for a program that reads its code
// once, in order. For the executable's pages that startup-pages.ts lets go, it is the opposite: an idle
// daemon touches a page here and there, and each brings back 16. With 1 program, the code an idle
// tsvisor ran in a minute came back as 13 MiB; mapped page by page, 1–2 MiB (docs/performance.md).
//
// No madvise() flag turns fault-around off for a mapping (MADV_RANDOM does not, measured on 6.18); what
// does is a userfaultfd registration in write-protect mode (the kernel skips fault-around for such a
// mapping). In its asynchronous mode (UFFD_FEATURE_WP_ASYNC, Linux 6.7) the kernel resolves any write
// fault itself, so nobody need read the descriptor: it only has to stay open, as closing it ends the
// registration. Nothing is write-protected, and the code is never written, so nothing else changes.
// Where the kernel is older, or a seccomp profile forbids userfaultfd (Docker's default, without
// CAP_SYS_PTRACE), or it is unprivileged and the kernel predates UFFD_USER_MODE_ONLY, it fails and the
// pages come back 64 KiB at a time, as before.
import { ptr } from "bun:ffi";
import { closeSync } from "node:fs";
import { errno, libc } from "./libc.ts";

/** An address range: [start, end). */
export interface Range {
  start: bigint;
  end: bigint;
}

// userfaultfd(2)'s syscall number by process.arch (the two architectures tsvisor is released for)
const SYS_USERFAULTFD: Partial<Record<string, number>> = { x64: 323, arm64: 282 };
// its flags: O_CLOEXEC (no program inherits it), O_NONBLOCK, and UFFD_USER_MODE_ONLY (the only mode an
// unprivileged process may ask for under vm.unprivileged_userfaultfd = 0; kernel faults are not ours)
const UFFD_FLAGS = 0o2000000 | 0o4000 | 1;
const UFFD_API = 0xaan;
const UFFD_FEATURE_WP_ASYNC = 1n << 15n;
const UFFDIO_REGISTER_MODE_WP = 2n;
// _IOWR(0xAA, nr, size): the same encoding on x86_64 and arm64
const UFFDIO_API = 0xc018aa3fn; // struct uffdio_api { u64 api, features, ioctls }
const UFFDIO_REGISTER = 0xc020aa00n; // struct uffdio_register { u64 start, len, mode, ioctls }

// What the one try found: `failure` null when the registration holds. Its descriptor then stays open
// for the life of the process, never closed, as closing it would end the registration.
let tried: { failure: string | null } | undefined;

/**
 * Have the kernel map `ranges` one page per fault from now on, for the life of the process. Returns
 * null once it holds, or why it cannot here (then nothing has changed). Only the first call acts; later
 * ones return what it did.
 */
export function mapPageByPage(ranges: readonly Range[]): string | null {
  tried ??= { failure: tryRegister(ranges) };
  return tried.failure;
}

function tryRegister(ranges: readonly Range[]): string | null {
  const syscallNumber = SYS_USERFAULTFD[process.arch];
  if (syscallNumber === undefined) return `no userfaultfd syscall number known for ${process.arch}`;
  const fd = libc().syscall(syscallNumber, UFFD_FLAGS, null, 0, null, 0);
  if (fd < 0) return `userfaultfd: errno ${errno()}`;
  const why = register(fd, ranges);
  if (why !== null) {
    closeSync(fd); // ends whatever part was registered
    return why;
  }
  return null;
}

function register(fd: number, ranges: readonly Range[]): string | null {
  const c = libc();
  const api = new BigUint64Array([UFFD_API, UFFD_FEATURE_WP_ASYNC, 0n]);
  if (c.ioctl(fd, UFFDIO_API, ptr(api)) !== 0) return `UFFDIO_API with WP_ASYNC: errno ${errno()} (Linux 6.7 or later has it)`;
  for (const { start, end } of ranges) {
    const request = new BigUint64Array([start, end - start, UFFDIO_REGISTER_MODE_WP, 0n]);
    if (c.ioctl(fd, UFFDIO_REGISTER, ptr(request)) !== 0) return `UFFDIO_REGISTER of ${start.toString(16)}-${end.toString(16)}: errno ${errno()}`;
  }
  return null;
}

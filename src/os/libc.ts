// The libc functions that Bun's and Node's APIs lack, bound through bun:ffi: a table of symbols and
// the constants they take, nothing else. Callers in os/ give them meaning (reaper.ts, exec-child.ts,
// safe-open.ts).
import { type Library, dlopen, FFIType, read } from "bun:ffi";
import { constants } from "node:os";
import { TsvisorError } from "../errors.ts";

// glibc first (Debian, Ubuntu, RHEL images), then musl (Alpine), then the generic name.
const LIBC_FILES = ["libc.so.6", "libc.musl-x86_64.so.1", "libc.musl-aarch64.so.1", "libc.so"];

const { i32, u32, i64, u64, ptr } = FFIType;
const SYMBOLS = {
  waitpid: { args: [i32, ptr, i32], returns: i32 },
  // which child has ended, without collecting it (WNOWAIT): os/reaper.ts's own children
  waitid: { args: [i32, i32, ptr, i32], returns: i32 },
  prctl: { args: [i32, u64, u64, u64, u64], returns: i32 },
  getpgrp: { args: [], returns: i32 },
  setpgid: { args: [i32, i32], returns: i32 },
  tcgetpgrp: { args: [i32], returns: i32 },
  tcsetpgrp: { args: [i32, i32], returns: i32 },
  // the handler argument and result are pointers; only SIG_DFL (0) and SIG_IGN (1) are ever passed
  signal: { args: [i32, u64], returns: u64 },
  sigprocmask: { args: [i32, ptr, ptr], returns: i32 },
  execvp: { args: [ptr, ptr], returns: i32 },
  // tsvisor executing itself again (os/gc-timer-off.ts), with the environment setenv/unsetenv changed
  execv: { args: [ptr, ptr], returns: i32 },
  // F_GETFD/F_SETFD (close-on-exec), F_GETFL/F_SETFL and F_SETPIPE_SZ (os/pipe.ts), and F_ADD_SEALS
  // (os/pdeathsig-exec.ts)
  fcntl: { args: [i32, i32, i32], returns: i32 },
  setenv: { args: [ptr, ptr, i32], returns: i32 },
  unsetenv: { args: [ptr], returns: i32 },
  // the stack size limit, which bounds what exec takes (os/native-spawn.ts)
  getrlimit: { args: [i32, ptr], returns: i32 },
  // the real-time signals as this C library numbers them (glibc 34-64, musl 35-64: each keeps some for itself)
  __libc_current_sigrtmin: { args: [], returns: i32 },
  __libc_current_sigrtmax: { args: [], returns: i32 },
  __errno_location: { args: [], returns: ptr },
  // the *at() calls work relative to a directory fd, so a directory swapped for a link after it was
  // opened cannot redirect them (openat's mode is variadic: passed as a plain 4th argument, as C does)
  openat: { args: [i32, ptr, i32, u32], returns: i32 },
  mkdirat: { args: [i32, ptr, u32], returns: i32 },
  renameat: { args: [i32, ptr, i32, ptr], returns: i32 },
  // renameat2(2), through syscall(2) (musl has no wrapper before 1.2.5), with renameat2's arguments;
  // every one passed as 64 bits, as a variadic call would. int result: 0, or -1 with errno.
  syscall: { args: [i64, i64, ptr, i64, ptr, i64], returns: i32 },
  unlinkat: { args: [i32, ptr, i32], returns: i32 },
  readlinkat: { args: [i32, ptr, ptr, u64], returns: i64 },
  // init mode's exit without Bun's exit steps, which write back the terminal's settings (init.ts)
  _exit: { args: [i32], returns: FFIType.void },
  // a whole-file lock the kernel drops when the holder ends, however it ends (os/file-lock.ts)
  flock: { args: [i32, i32], returns: i32 },
  // the parent-death exec's sealed file (os/pdeathsig-exec.ts); fcntl above adds its seals
  memfd_create: { args: [ptr, u32], returns: i32 },
  // start-up's pages of the executable, let go once it is over (os/startup-pages.ts)
  madvise: { args: [u64, u64, i32], returns: i32 },
  // userfaultfd's requests (os/page-by-page.ts): the request number, and a pointer to its struct
  ioctl: { args: [i32, u64, ptr], returns: i32 },
  // a program's output pipe (os/pipe.ts): made, and read into one reused buffer; ssize_t taken as 32
  // bits: no read asks for 2 GiB, and a number costs nothing where a BigInt is allocated
  pipe2: { args: [ptr, i32], returns: i32 },
  read: { args: [i32, ptr, u64], returns: i32 },
  // a unix socket connected by hand, to ask the kernel who listens on it (os/unix-peer.ts)
  socket: { args: [i32, i32, i32], returns: i32 },
  connect: { args: [i32, ptr, u32], returns: i32 },
  getsockopt: { args: [i32, i32, i32, ptr, ptr], returns: i32 },
  // which program's output can be read (os/epoll.ts)
  epoll_create1: { args: [i32], returns: i32 },
  epoll_ctl: { args: [i32, i32, i32, ptr], returns: i32 },
  epoll_wait: { args: [i32, ptr, i32, i32], returns: i32 },
} as const;

export const WNOHANG = 1;
export const RLIMIT_STACK = 3;
export const P_ALL = 0;
export const WEXITED = 4;
export const WNOWAIT = 0x01000000;
/** Where siginfo_t keeps si_pid on 64-bit Linux (after si_signo, si_errno, si_code and padding). */
export const SIGINFO_PID_OFFSET = 16;
export const PR_SET_CHILD_SUBREAPER = 36;
export const PR_GET_CHILD_SUBREAPER = 37;
export const SIG_DFL = 0n;
export const SIG_IGN = 1n;
export const SIG_SETMASK = 2;
export const F_GETFD = 1;
export const F_SETFD = 2;
export const FD_CLOEXEC = 1;
export const LOCK_EX = 2;
export const LOCK_NB = 4;
/** sizeof(sigset_t) in glibc (musl's is 128 too). */
export const SIGSET_BYTES = 128;
export const ERRNO = { ENOENT: 2, ESRCH: 3, EACCES: 13, ECHILD: 10, EEXIST: 17, ENOTDIR: 20, EINVAL: 22, ENOTTY: 25, ENXIO: 6, ELOOP: 40, EWOULDBLOCK: 11, ENOSYS: 38 } as const;
/** renameat2's syscall number by process.arch (the two architectures tsvisor is released for). */
export const SYS_RENAMEAT2: Partial<Record<string, number>> = { x64: 316, arm64: 276 };
export const RENAME_NOREPLACE = 1;
export const AT_FDCWD = -100;
// open(2) flags that node:fs's constants lack; the same value on x86_64 and arm64 (asm-generic).
export const O_PATH = 0o10000000;
export const O_CLOEXEC = 0o2000000;

type Libc = Library<typeof SYMBOLS>["symbols"];
let opened: Libc | null = null;

// libc's symbols, opened on first use so that commands which never need them do not pay for dlopen.
export function libc(): Libc {
  if (opened) return opened;
  const failures: string[] = [];
  for (const file of LIBC_FILES) {
    try {
      opened = dlopen(file, SYMBOLS).symbols;
      return opened;
    } catch (error) {
      failures.push(`${file}: ${(error as Error).message}`);
    }
  }
  throw new TsvisorError("LIBC_UNAVAILABLE", `unable to load libc through bun:ffi (${failures.join("; ")})`,
    "tsvisor needs a glibc or musl libc in the image for zombie reaping and init mode");
}

const ERRNO_NAMES = new Map(Object.entries(constants.errno as Record<string, number>).map(([name, n]) => [n, name]));

/** An errno's name ("ETXTBSY"), or "errno N" for a number Node does not name. */
export function errnoName(n: number): string {
  return ERRNO_NAMES.get(n) ?? `errno ${n}`;
}

// errno of the last failed libc call; read at once after the call, before any other call can change it.
export function errno(): number {
  const location = libc().__errno_location();
  return location === null ? 0 : read.i32(location, 0);
}

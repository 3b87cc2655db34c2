// Pipes for a child's output, made here rather than by Bun.spawn so that tsvisor can read them with
// plain non-blocking read(2)s into one reused buffer (Bun's ReadableStream allocates a new buffer per
// chunk: measured at 2-3x the cost of the read itself), give them a 1 MiB buffer, and hand one pipe
// to both stdout and stderr for an exact 2>&1. libc's pipe2 and fcntl through bun:ffi, as Bun has no pipe().
// Also what makes tsvisor's own stdout and stderr non-blocking for the console mirror (logs/console-mirror.ts).
import { ptr } from "bun:ffi";
import { constants, openSync } from "node:fs";
import { TsvisorError } from "../errors.ts";
import { ERRNO, O_CLOEXEC, errno, libc } from "./libc.ts";

const O_NONBLOCK = 0o4000;
const F_GETFL = 3;
const F_SETFL = 4;
const F_SETPIPE_SZ = 1031;
/** The most an unprivileged process may ask for (/proc/sys/fs/pipe-max-size's default). */
export const PIPE_BYTES = 1024 * 1024;

/** Make writes to `fd` return EAGAIN instead of waiting (for tsvisor's stdout/stderr when they are pipes). */
export function setNonBlocking(fd: number): void {
  const c = libc();
  c.fcntl(fd, F_SETFL, c.fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
}

/** Undo setNonBlocking(). */
export function setBlocking(fd: number): void {
  const c = libc();
  c.fcntl(fd, F_SETFL, c.fcntl(fd, F_GETFL, 0) & ~O_NONBLOCK);
}

/** Grow the buffer of the pipe `fd` belongs to, where the kernel allows (best effort). */
export function growPipe(fd: number): void {
  libc().fcntl(fd, F_SETPIPE_SZ, PIPE_BYTES);
}

/**
 * A new pipe: `read` non-blocking (tsvisor's end), `write` blocking (the child's stdout/stderr), both
 * close-on-exec so no other child inherits them; the buffer grown to PIPE_BYTES where the kernel allows.
 */
export function openPipe(): { read: number; write: number } {
  const fds = new Int32Array(2);
  if (libc().pipe2(ptr(fds), O_CLOEXEC) !== 0) throw new TsvisorError("SPAWN_FAILED", "can't create a pipe for the program's output (too many open files?)");
  const [read, write] = [fds[0]!, fds[1]!];
  setNonBlocking(read);
  growPipe(read); // best effort: a smaller pipe only means more wakeups
  return { read, write };
}

/**
 * read(2) from the non-blocking pipe `fd` into `buffer`: the count read, 0 at its end, -1 when it is
 * empty for now. Any other error ends the pipe as EOF would: nothing more can come from it. Through
 * libc rather than readSync, which throws for an empty pipe, and a pipe is found empty once for every
 * time it is read (an Error and its stack a wakeup).
 */
export function readPipe(fd: number, buffer: Uint8Array): number {
  const n = libc().read(fd, ptr(buffer), buffer.length);
  if (n >= 0) return n;
  return errno() === ERRNO.EWOULDBLOCK ? -1 : 0; // EWOULDBLOCK is EAGAIN
}

/**
 * The file behind `fd` (a terminal tsvisor shares with its shell) opened again: a file description of
 * tsvisor's own, which can be made non-blocking without the shell's becoming so. Write-only, never a
 * controlling terminal, not inherited by a child; null when that cannot be done (no /proc, a revoked
 * terminal, another user's).
 */
export function openOwnDescription(fd: number): number | null {
  try {
    return openSync(`/proc/self/fd/${fd}`, constants.O_WRONLY | constants.O_NOCTTY | constants.O_NONBLOCK | O_CLOEXEC);
  } catch {
    return null;
  }
}

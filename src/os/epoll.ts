// epoll(7) through bun:ffi, for fd-watcher.ts (which arms descriptors from the main thread) and
// poll-worker.ts (which waits on the helper thread). Every watch is one-shot: a descriptor reported
// once is not reported again until it is armed again, and arming re-checks it at once (a pipe that
// filled before the arm is reported without waiting for more), so no wakeup is lost between a read
// and the next arm.
import { ptr } from "bun:ffi";
import { O_CLOEXEC, libc } from "./libc.ts";

export const EPOLLIN = 0x1;
export const EPOLLOUT = 0x4;
const EPOLLONESHOT = 1 << 30;
const EPOLL_CTL_ADD = 1;
const EPOLL_CTL_MOD = 3;

// struct epoll_event { uint32_t events; epoll_data_t data; } is packed on x86-64 only; `data` holds
// the descriptor's number (its low 32 bits, little-endian on both).
const EVENT_BYTES = process.arch === "x64" ? 12 : 16;
const DATA_OFFSET = process.arch === "x64" ? 4 : 8;

/** A new epoll instance (close-on-exec: no child inherits it). */
export function createEpoll(): number {
  const epfd = libc().epoll_create1(O_CLOEXEC); // EPOLL_CLOEXEC is O_CLOEXEC
  if (epfd < 0) throw new Error("epoll_create1 failed (too many open files?)");
  return epfd;
}

const request = new DataView(new ArrayBuffer(EVENT_BYTES));

/**
 * Report `fd` once when it is ready for `events` (EPOLLIN or EPOLLOUT; a hang-up or error counts).
 * False when epoll cannot watch it: a regular file (always ready) or a closed descriptor.
 */
export function armOnce(epfd: number, fd: number, events: number): boolean {
  const c = libc();
  request.setUint32(0, events | EPOLLONESHOT, true);
  request.setUint32(DATA_OFFSET, fd, true);
  request.setUint32(DATA_OFFSET + 4, 0, true);
  const control = (op: number) => c.epoll_ctl(epfd, op, fd, ptr(request)) === 0;
  // Arming again (once per read) is a MOD; a new pipe, or a number whose pipe was closed (which left
  // epoll by itself) and came back for another, is not in the instance yet: that MOD fails, once.
  return control(EPOLL_CTL_MOD) || control(EPOLL_CTL_ADD);
}

/** A buffer for waitReady: up to `max` reports at once. */
export function readyBuffer(max: number): DataView {
  return new DataView(new ArrayBuffer(max * EVENT_BYTES));
}

/** Block until a descriptor armed on `epfd` is ready; its number and any others ready with it. */
export function waitReady(epfd: number, view: DataView): number[] {
  const count = libc().epoll_wait(epfd, ptr(view), view.byteLength / EVENT_BYTES, -1);
  const ready: number[] = [];
  for (let i = 0; i < count; i++) ready.push(view.getInt32(i * EVENT_BYTES + DATA_OFFSET, true));
  return ready; // -1 (EINTR: a signal reached this thread) reports nothing
}

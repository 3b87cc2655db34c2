// Tells the main thread when a file descriptor can be read or written, without doing it: Bun has no
// such call, and its own readers allocate a buffer per chunk. The main thread arms descriptors on one
// epoll instance (epoll.ts); one helper thread (poll-worker.ts) blocked in epoll_wait reports those
// that are ready, so an idle tsvisor wakes for nothing and a ready pipe costs the same with 1 or 1,000
// programs. One-shot: after the callback the fd is not watched until it is armed again (once the
// caller has read it down to EAGAIN).
import { EPOLLIN, EPOLLOUT, armOnce, createEpoll } from "./epoll.ts";
import type { PollReport, PollRequest } from "./poll-worker.ts";

/** How soon a descriptor epoll would not take is tried again. */
const ARM_RETRY_MS = 10;

const callbacks = new Map<number, () => void>();
let epfd: number | null = null;
// In the compiled executable every build entrypoint sits at its path below src/ (package.json "build"
// lists os/poll-worker.ts); from source, next to this file.
const WORKER_ENTRY = import.meta.url.includes("/$bunfs/") ? "./os/poll-worker.ts" : new URL("./poll-worker.ts", import.meta.url).href;

/** Call `onReadable` once, when `fd` has data or has hung up; arm it again after reading. */
export function armReadable(fd: number, onReadable: () => void): void {
  arm(fd, EPOLLIN, onReadable);
}

/** Call `onWritable` once, when `fd` (a full pipe) takes data again or its reader is gone. */
export function armWritable(fd: number, onWritable: () => void): void {
  arm(fd, EPOLLOUT, onWritable);
}

/**
 * Stop watching `fd`, which its owner is about to close: its callback is not called, even for a report
 * already on its way. (Closing the descriptor takes it out of epoll by itself.)
 */
export function forget(fd: number): void {
  callbacks.delete(fd);
}

function arm(fd: number, events: number, callback: () => void): void {
  callbacks.set(fd, callback);
  epfd ??= startWorker();
  // What epoll cannot watch (a regular file, which is always ready; a descriptor closed under us; no
  // room for another watch, max_user_watches) is reported after a while, as if it were ready: the
  // caller's read or write then says what it is. A while, not at once: a pipe that could not be armed
  // is then read every ARM_RETRY_MS, not in a loop that takes a core.
  if (!armOnce(epfd, fd, events)) setTimeout(() => report([fd]), ARM_RETRY_MS);
}

function report(ready: number[]): void {
  for (const fd of ready) {
    const callback = callbacks.get(fd);
    callbacks.delete(fd);
    callback?.();
  }
}

function startWorker(): number {
  const epoll = createEpoll();
  const w = new Worker(WORKER_ENTRY);
  w.onerror = (event) => {
    throw new Error(`tsvisor's poll helper thread failed: ${event.message}`); // a bug, or a build without the worker entrypoint
  };
  w.unref(); // the helper never keeps tsvisor alive by itself
  w.onmessage = (event: MessageEvent<PollReport>) => report(event.data.ready);
  w.postMessage({ epoll } satisfies PollRequest);
  return epoll;
}

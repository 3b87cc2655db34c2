// The helper thread behind fd-watcher.ts: blocks in poll(2) on the file descriptors it is asked to
// watch, and tells the main thread which became readable or writable (or hung up). One-shot: a reported fd is not
// watched again until the main thread, having read it, arms it again. A byte on the wake pipe makes
// poll return so that new requests are taken in. Runs as a Worker (an entrypoint of the build).
import { dlopen, FFIType, ptr } from "bun:ffi";
import { readSync } from "node:fs";
import { LIBC } from "./libc-path.ts";

declare const self: Worker;

/** Messages from the main thread. */
export type PollRequest = { wake: number } | { arm: number; events: number };
/** Messages to the main thread. */
export type PollReport = { ready: number[] };

export const POLLIN = 0x1;
export const POLLOUT = 0x4;
const POLLFD_BYTES = 8; // struct pollfd { int fd; short events; short revents; }
const { poll } = dlopen(LIBC, { poll: { args: [FFIType.ptr, FFIType.u64, FFIType.i32], returns: FFIType.i32 } }).symbols;

let wakeFd: number | null = null;
const armed = new Map<number, number>(); // fd -> events
const scratch = new Uint8Array(256);

self.onmessage = (event: MessageEvent<PollRequest>) => {
  const request = event.data;
  if ("wake" in request) {
    wakeFd = request.wake;
    void run();
  } else {
    armed.set(request.arm, request.events);
  }
};

async function run(): Promise<void> {
  for (;;) {
    const fds = [wakeFd!, ...armed.keys()];
    const table = new DataView(new ArrayBuffer(fds.length * POLLFD_BYTES));
    fds.forEach((fd, i) => {
      table.setInt32(i * POLLFD_BYTES, fd, true);
      table.setInt16(i * POLLFD_BYTES + 4, i === 0 ? POLLIN : armed.get(fd)!, true);
    });
    // Blocks this thread only; EINTR (a signal) just comes round again.
    if (poll(ptr(table), fds.length, -1) > 0) {
      const ready: number[] = [];
      for (let i = 0; i < fds.length; i++) {
        if (table.getInt16(i * POLLFD_BYTES + 6, true) === 0) continue; // any event (HUP, ERR, NVAL too) means: go and try
        if (i === 0) drainWakePipe();
        else {
          armed.delete(fds[i]!);
          ready.push(fds[i]!);
        }
      }
      if (ready.length > 0) postMessage({ ready } satisfies PollReport);
    }
    await new Promise((resolve) => setImmediate(resolve)); // take in the requests that woke us
  }
}

function drainWakePipe(): void {
  try {
    while (readSync(wakeFd!, scratch, 0, scratch.length, null) > 0);
  } catch {
    // EAGAIN: empty
  }
}

// Tells the main thread when a file descriptor can be read or written, without doing it: Bun has no
// such call, and its own readers allocate a buffer per chunk. One helper thread (poll-worker.ts) blocked
// in poll(2) watches every fd, so an idle tsvisor wakes for nothing. One-shot: after the callback the
// fd is not watched until it is armed again (once the caller has read it down to EAGAIN).
import { writeSync } from "node:fs";
import { openPipe, setNonBlocking } from "./pipe.ts";
import type { PollReport, PollRequest } from "./poll-worker.ts";

// poll(2)'s event bits (poll-worker.ts is not imported for them: that would load it on this thread).
const POLLIN = 0x1;
const POLLOUT = 0x4;

const callbacks = new Map<number, () => void>();
let worker: Worker | null = null;
let wakeWrite = -1;
const WAKE = new Uint8Array([1]);
// In the compiled executable every build entrypoint sits at its path below src/ (package.json "build"
// lists os/poll-worker.ts); from source, next to this file.
const WORKER_ENTRY = import.meta.url.includes("/$bunfs/") ? "./os/poll-worker.ts" : new URL("./poll-worker.ts", import.meta.url).href;

/** Call `onReadable` once, when `fd` has data or has hung up; arm it again after reading. */
export function armReadable(fd: number, onReadable: () => void): void {
  callbacks.set(fd, onReadable);
  send({ arm: fd, events: POLLIN });
}

/** Call `onWritable` once, when `fd` (a full pipe) takes data again or its reader is gone. */
export function armWritable(fd: number, onWritable: () => void): void {
  callbacks.set(fd, onWritable);
  send({ arm: fd, events: POLLOUT });
}

function send(request: PollRequest): void {
  worker ??= startWorker();
  worker.postMessage(request);
  try {
    writeSync(wakeWrite, WAKE); // poll returns and the worker takes the request in
  } catch {
    // EAGAIN: the wake pipe is full, so the worker is awake already
  }
}

function startWorker(): Worker {
  const wake = openPipe();
  setNonBlocking(wake.write);
  wakeWrite = wake.write;
  const w = new Worker(WORKER_ENTRY);
  w.onerror = (event) => {
    throw new Error(`tsvisor's poll helper thread failed: ${event.message}`); // a bug, or a build without the worker entrypoint
  };
  w.unref(); // the helper never keeps tsvisor alive by itself
  w.onmessage = (event: MessageEvent<PollReport>) => {
    for (const fd of event.data.ready) {
      const callback = callbacks.get(fd);
      callbacks.delete(fd);
      callback?.();
    }
  };
  w.postMessage({ wake: wake.read } satisfies PollRequest);
  return w;
}

// The helper thread behind fd-watcher.ts: blocks in epoll_wait(2) on the instance the main thread arms
// descriptors on, and tells the main thread which became readable or writable (or hung up). The main
// thread arms with epoll_ctl itself, which takes effect even while this thread waits, so nothing ever
// has to wake this thread but a ready descriptor: one wakeup here and one message per report. Runs as
// a Worker (an entrypoint of the build) and never returns to its event loop once started.
import { readyBuffer, waitReady } from "./epoll.ts";

declare const self: Worker;

/** The message from the main thread: the epoll instance to wait on. */
export type PollRequest = { epoll: number };
/** Messages to the main thread. */
export type PollReport = { ready: number[] };

/** The most reports taken from one wait; more stay ready for the next. */
const MAX_REPORTS = 256;

self.onmessage = (event: MessageEvent<PollRequest>) => {
  const buffer = readyBuffer(MAX_REPORTS);
  for (;;) {
    const ready = waitReady(event.data.epoll, buffer);
    if (ready.length > 0) postMessage({ ready } satisfies PollReport);
  }
};

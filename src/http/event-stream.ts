// A Server-Sent Events response (text/event-stream) fed by a live source: messages out as they come,
// a keep-alive comment while none do, and an end for a reader that falls too far behind — a slow
// client is told why and dropped, never waited for (as control/connection.ts does for `events -f`).
import { CLOSE_GRACE_MS, MAX_STREAM_QUEUED_BYTES } from "../control/connection.ts";
import type { HttpErrorBody } from "./status-codes.ts";

/** One message: `event` names it (a listener's type), `data` is its text. */
export interface StreamMessage {
  event?: string;
  data: string;
}

/** Gets the function that sends a message and the one that ends the stream; returns the one that stops the source. */
export type StreamSource = (send: (message: StreamMessage) => void, end: () => void) => () => void;

// A comment line this often keeps a proxy (and Bun's own idle timeout) from closing a quiet stream,
// and finds a reader that has gone without a word.
export const KEEP_ALIVE_MS = 15_000;

const encoder = new TextEncoder();

// The response, with `onEnd` called once whichever side ends it.
export function eventStreamResponse(source: StreamSource, onEnd: () => void, keepAliveMs = KEEP_ALIVE_MS): Response {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let stopSource: (() => void) | null = null;
  let ended = false;
  let cutTimer: Timer | undefined;
  // `why`: a last `end` message says it (past the cap: it is small) after what is queued; a reader that
  // has not taken it all within the grace is cut (the body errors), not kept alive while it does not read.
  const end = (why: HttpErrorBody | null = null) => {
    if (ended) return;
    ended = true;
    clearInterval(keepAlive);
    stopSource?.();
    onEnd();
    try {
      if (why !== null) {
        controller.enqueue(encoder.encode(encodeMessage({ event: "end", data: JSON.stringify({ error: why }) })));
        cutTimer = setTimeout(() => cut(controller), CLOSE_GRACE_MS);
      }
      controller.close();
    } catch {
      // already closed by the reader going away
    }
  };
  const write = (text: string) => {
    if (ended) return;
    controller.enqueue(encoder.encode(text));
    // desiredSize counts the bytes queued beyond what the socket has taken
    if ((controller.desiredSize ?? 0) <= 0) end({ code: "FELL_BEHIND", limit: MAX_STREAM_QUEUED_BYTES });
  };
  const keepAlive = setInterval(() => write(": keep-alive\n\n"), keepAliveMs);
  const body = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
        write(": stream start\n\n"); // headers and a first byte at once, so a client knows it is connected
        stopSource = source((message) => write(encodeMessage(message)), () => end());
        if (ended) stopSource();
      },
      cancel: () => {
        clearTimeout(cutTimer);
        end();
      },
    },
    { highWaterMark: MAX_STREAM_QUEUED_BYTES, size: (chunk) => chunk?.byteLength ?? 0 },
  );
  return new Response(body, {
    headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", "x-accel-buffering": "no" },
  });
}

// Error a body whose reader did not take its end in time; a body already read to its end stays as it is.
function cut(controller: ReadableStreamDefaultController<Uint8Array>): void {
  try {
    controller.error(new Error("the reader fell too far behind"));
  } catch {
    // closed and read to the end
  }
}

// "event: X\ndata: line\ndata: line\n\n"; a CR or LF inside data starts another data line (the format
// has no escape), which the reader joins with "\n".
export function encodeMessage(message: StreamMessage): string {
  const event = message.event === undefined ? "" : `event: ${message.event.replace(/[\r\n]/g, " ")}\n`;
  return `${event}${message.data.split(/\r\n|\r|\n/).map((line) => `data: ${line}\n`).join("")}\n`;
}

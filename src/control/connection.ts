// One client connection of the control socket: bytes -> request lines -> replies, with the limits
// that keep a bad client from hurting anyone else: a 64 KiB line cap, an idle timeout, caps on
// replies and events the client does not read (a dropped follower is told why), and writes that
// never block (Bun's socket.write is unbuffered).
import type { Socket } from "bun";
import { MAX_LINE_BYTES, encodeLine, errorResponse, type ErrorBody, type EventLine, type RequestId, type Response } from "./protocol.ts";
import { WriteQueue } from "./write-queue.ts";

/** Replies queued for a client that does not read beyond this are dropped with the connection. */
const MAX_QUEUED_BYTES = 8 * 1024 * 1024;
/** A stream (events -f) whose reader falls this far behind is dropped: it must never slow the daemon. */
export const MAX_STREAM_QUEUED_BYTES = 1024 * 1024;
/** How long a connection being closed has to take what is queued and its last line (why) before it is cut. */
export const CLOSE_GRACE_MS = 10_000;

/** Begins a stream once its reply is out: gets the function that sends a line, returns the one that ends the stream. */
export type StreamStarter = (send: (line: EventLine) => void) => () => void;
const NEWLINE = 0x0a;
const utf8 = new TextDecoder("utf-8", { fatal: true });

export interface ConnectionOptions {
  /** Close a connection that has sent no complete request for this long (and has none in progress). */
  idleMs: number;
  /** Handle one complete request line; the reply is written when it resolves, then the stream it asked for (if any) begins. */
  handleLine: (line: string, follow: (start: StreamStarter) => void) => Promise<Response>;
}

export class Connection {
  private input: Uint8Array[] = [];
  private inputBytes = 0;
  private readonly output: WriteQueue;
  private inFlight = 0;
  private idleTimer: Timer | undefined;
  private closeTimer: Timer | undefined;
  private closing = false;
  private closed = false;
  /** Ends the stream this connection follows (events -f); null when none. */
  private stopStream: (() => void) | null = null;

  constructor(private readonly socket: Socket<unknown>, private readonly options: ConnectionOptions) {
    this.output = new WriteQueue(socket);
    this.armIdleTimer();
  }

  /** Bytes arrived: split off every complete line and handle each; refuse a line over the cap. */
  receive(chunk: Uint8Array): void {
    if (this.closing) return;
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE); nl >= 0; nl = chunk.indexOf(NEWLINE, start)) {
      const tail = chunk.subarray(start, nl);
      if (this.inputBytes + tail.length + 1 > MAX_LINE_BYTES) return this.refuse({ code: "LINE_TOO_LONG", limit: MAX_LINE_BYTES });
      const line = this.input.length === 0 ? tail : concat([...this.input, tail], this.inputBytes + tail.length);
      this.input = [];
      this.inputBytes = 0;
      start = nl + 1;
      this.handle(line);
      if (this.closing) return;
    }
    const rest = chunk.subarray(start);
    if (rest.length === 0) return;
    // A line is refused as soon as it is too long, not when (if ever) its newline arrives.
    if (this.inputBytes + rest.length >= MAX_LINE_BYTES) return this.refuse({ code: "LINE_TOO_LONG", limit: MAX_LINE_BYTES });
    this.input.push(rest.slice()); // Bun reuses the chunk's memory after the callback
    this.inputBytes += rest.length;
  }

  /** The socket can take more: write what is queued. */
  drain(): void {
    if (this.closed) return;
    if (!this.output.flush()) return this.gone();
    if (this.closing && this.output.empty) {
      this.socket.end();
      this.gone();
    }
  }

  /** The client went away (or the socket failed): drop everything, answer nothing more. */
  gone(): void {
    this.closed = true;
    this.closing = true;
    this.stopStream?.();
    this.stopStream = null;
    clearTimeout(this.idleTimer);
    clearTimeout(this.closeTimer);
    this.input = [];
    this.output.clear();
  }

  private handle(bytes: Uint8Array): void {
    clearTimeout(this.idleTimer);
    let line: string;
    try {
      line = utf8.decode(bytes);
    } catch {
      return this.send(errorResponse(null, { code: "BAD_REQUEST" }));
    }
    if (line.trim() === "") return this.armIdleTimer(); // a blank line is no request (handy with socat)
    this.inFlight++;
    let stream: StreamStarter | null = null;
    void this.options.handleLine(line, (start) => (stream = start)).then((reply) => {
      this.inFlight--;
      this.send(reply);
      if (stream === null || this.closed) return;
      // a following connection stays open with no idle timeout until the client goes
      clearTimeout(this.idleTimer);
      this.stopStream?.();
      this.stopStream = stream((event) => this.sendStreamLine(event));
    });
  }

  // One line of the stream. A reader more than MAX_STREAM_QUEUED_BYTES behind gets what is queued and
  // then a line saying so, past the cap (it is small), and is sent nothing more.
  private sendStreamLine(line: EventLine): void {
    if (this.closing) return;
    this.output.push(new TextEncoder().encode(encodeLine(line)));
    if (this.output.bytes <= MAX_STREAM_QUEUED_BYTES) return this.drain();
    this.refuse({ code: "FELL_BEHIND", limit: MAX_STREAM_QUEUED_BYTES }, line.id);
  }

  private send(reply: Response): void {
    if (this.closed) return;
    this.output.push(new TextEncoder().encode(encodeLine(reply)));
    if (this.output.bytes > MAX_QUEUED_BYTES) {
      this.socket.terminate();
      return this.gone();
    }
    this.drain();
    if (this.inFlight === 0 && !this.closing && this.stopStream === null) this.armIdleTimer();
  }

  // Answer with an error, then close once the answer is out; a reader that does not take it in time is cut.
  private refuse(error: ErrorBody, id: RequestId | null = null): void {
    this.stopStream?.();
    this.stopStream = null;
    this.send(errorResponse(id, error));
    if (this.closed) return; // the queue was over its cap: cut already
    this.closing = true;
    this.input = [];
    clearTimeout(this.idleTimer);
    this.closeTimer = setTimeout(() => {
      this.socket.terminate();
      this.gone();
    }, CLOSE_GRACE_MS);
    this.drain();
  }

  private armIdleTimer(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.inFlight === 0) this.refuse({ code: "IDLE_TIMEOUT" });
    }, this.options.idleMs);
  }
}

function concat(parts: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

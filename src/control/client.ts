// The client side of the control socket: connect, send one request, await the reply with its id.
// It imports only the protocol, so `tsvisor check` (a health probe run every few seconds) loads
// nothing else.
import type { FdSocketOptions, Socket, SocketHandler } from "bun";
import { RAISE_FD_LIMIT, TsvisorError } from "../errors.ts";
import { PROTOCOL_VERSION, decodeEventLine, decodeResponse, encodeLine, hasResultFields, type ErrorBody, type EventLine, type Op, type Request, type Response } from "./protocol.ts";

export interface RequestOptions {
  /** Give up when no reply has come after this long; none by default (a start may take startsecs). */
  timeoutMs?: number;
  /** After the reply, wait until the daemon closes the connection (it does so when it exits). */
  awaitClose?: boolean;
  /**
   * `events` with follow: the reply resolves as usual, the connection stays open, and each later event
   * goes to onEvent. onClose gets why the daemon ended the stream (FELL_BEHIND), or null when it just
   * closed the connection (it exited).
   */
  stream?: { onEvent: (line: EventLine) => void; onClose: (ended: ErrorBody | null) => void };
  /**
   * A socket already connected to `path` (os/unix-peer.ts, which learns who listens there) to send the
   * request over, instead of connecting anew; it is closed with the connection.
   */
  fd?: number;
}

// Send `request` to the daemon at `path`; throws TsvisorError("UNREACHABLE") when there is no daemon
// to talk to, "BUSY" when it refuses the connection, or "BAD_REPLY" when what answers does not speak
// the protocol.
export function sendRequest<O extends Op>(path: string, request: Extract<Request, { op: O }>, options: RequestOptions = {}): Promise<Response<O>> {
  const id = 1;
  const line = encodeLine({ ...request, v: PROTOCOL_VERSION, id });
  return new Promise((resolve, reject) => {
    let received = "";
    // One decoder for the connection: a character whose bytes a chunk boundary splits is decoded whole
    // with the next chunk (decoded chunk by chunk it became two U+FFFD, in `events -f` of non-ASCII output).
    const decoder = new TextDecoder();
    let reply: Response<O> | null = null;
    let ended: ErrorBody | null = null;
    const onEnd = (error: ErrorBody) => void (ended = error);
    let timer: Timer | undefined;
    const finish = (error: Error | null) => {
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(reply!);
    };
    const { timeoutMs } = options;
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => finish(unreachable(path, `no reply within ${timeoutMs / 1000}s`, "the daemon may be overloaded or hung")), timeoutMs);
    }
    const handlers: SocketHandler = {
      open(socket) {
        socket.write(line);
      },
      data(socket, chunk) {
        if (reply && !options.stream) return;
        received += decoder.decode(chunk, { stream: true });
        if (reply) return void (received = forwardEvents(received, options.stream!.onEvent, onEnd));
        const end = received.indexOf("\n");
        if (end < 0) return;
        const decoded = decodeResponse(received.slice(0, end));
        // finish before end(): end() may run close() at once, which would settle first with "closed"
        if (decoded === null || (decoded.id !== id && decoded.id !== null) || !hasResultFields(request.op, decoded)) {
          finish(new TsvisorError("BAD_REPLY", `${path} answered something that is not a tsvisor reply: ${JSON.stringify(received.slice(0, Math.min(end, 80)))}`));
          return void socket.end();
        }
        if (!decoded.ok && decoded.error.code === "BUSY") {
          finish(busy(path, decoded.error));
          return void socket.end();
        }
        reply = decoded as Response<O>;
        if (options.stream) {
          received = forwardEvents(received.slice(end + 1), options.stream.onEvent, onEnd);
          return finish(null);
        }
        if (!options.awaitClose) {
          socket.end();
          finish(null);
        }
      },
      close() {
        if (reply && options.stream) return options.stream.onClose(ended);
        if (reply) return finish(null);
        finish(unreachable(path, "the connection closed before a reply came", "the daemon may have exited; see its log"));
      },
      error(_socket, error) {
        // A daemon that closes a connection it has not read from resets it: it refused it (BUSY) and
        // its answer was lost, or it is exiting.
        if (reply === null && (error as NodeJS.ErrnoException).code === "ECONNRESET") return finish(busy(path, null));
        finish(unreachable(path, error.message));
      },
    };
    (options.fd === undefined ? Bun.connect({ unix: path, socket: handlers }) : connectFd({ fd: options.fd, socket: handlers }))
      .catch((error: NodeJS.ErrnoException) => finish(cannotConnect(path, error)));
  });
}

// Bun.connect({ fd }) adopts a socket connected elsewhere; bun-types declares its options
// (FdSocketOptions) but no overload of connect that takes them.
const connectFd = Bun.connect as unknown as (options: FdSocketOptions) => Promise<Socket>;

/** Why a connection to the daemon at `path` failed, in words: UNREACHABLE, or BUSY for a reset. */
export function cannotConnect(path: string, error: NodeJS.ErrnoException): TsvisorError {
  if (error.code === "ECONNRESET") return busy(path, null);
  return unreachable(path, describeConnectError(error), connectHint(error));
}

// Every whole line of `text`: an event to onEvent, an error that ends the stream to onEnd (any other
// line is skipped: a newer daemon's line is no reason to fail); returns the partial rest.
function forwardEvents(text: string, onEvent: (line: EventLine) => void, onEnd: (error: ErrorBody) => void): string {
  const lines = text.split("\n");
  const rest = lines.pop()!;
  for (const line of lines) {
    const event = decodeEventLine(line);
    if (event) {
      onEvent(event);
      continue;
    }
    const response = decodeResponse(line);
    if (response !== null && !response.ok) onEnd(response.error);
  }
  return rest;
}

function unreachable(path: string, why: string, hint?: string): TsvisorError {
  return new TsvisorError("UNREACHABLE", `cannot reach tsvisor at ${path}: ${why}`, hint);
}

function busy(path: string, error: ErrorBody | null): TsvisorError {
  if (error === null) {
    return new TsvisorError("BUSY", `tsvisor at ${path} closed the connection without answering: it is busy (at its connection limit, or short of file descriptors) or exiting`, "try again in a moment; its log says which");
  }
  if (error.reason === "file_descriptors") {
    return new TsvisorError("BUSY", `tsvisor at ${path} is busy: it is short of file descriptors and keeps the last few for itself`,
      `see its log ("file descriptors: …") and ${RAISE_FD_LIMIT}`);
  }
  return new TsvisorError("BUSY", `tsvisor at ${path} is busy: ${error.limit ?? "the most"} connections are open, the most it takes`,
    "try again in a moment; if it stays busy, look for a client that opens connections and keeps them (tsvisor events -f, a script in a loop)");
}

function describeConnectError(error: NodeJS.ErrnoException): string {
  if (error.code === "ENOENT") return "no such socket";
  if (error.code === "ECONNREFUSED") return "nothing is listening (a stale socket, or not a socket)";
  if (error.code === "EACCES" || error.code === "EPERM") return "permission denied";
  // a unix socket's queue of connections not yet accepted is full
  if (error.code === "EAGAIN") return "it accepts no connection (its queue is full): it is busy or hung";
  return error.code ? `${error.code}: ${error.message}` : error.message;
}

function connectHint(error: NodeJS.ErrnoException): string {
  if (error.code === "EACCES" || error.code === "EPERM") {
    return "the socket is owner-only by default: run as its owner, or widen it with socket_mode and socket_owner in [supervisor]";
  }
  if (error.code === "EAGAIN") return "try again in a moment; if it stays so, see its log and its CPU use";
  return "is `tsvisor run` running? Pass --socket PATH or set TSVISOR_SOCKET if it uses another socket";
}

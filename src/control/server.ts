// The control socket: claim the path (refuse a live tsvisor's, replace a stale file), bind it
// owner-only, widen it only as configured, and hand each connection's lines to dispatch.ts — or, when
// its first bytes are an HTTP request line, its requests to the HTTP handler (supervisorctl's XML-RPC).
import type { Socket } from "bun";
import { TsvisorError } from "../errors.ts";
import { fdShortageFor } from "../os/fd-budget.ts";
import { bindOwnerOnly, claimSocketPath, describeSocketError, setSocketAccess } from "../os/unix-socket-file.ts";
import { connectToPeer } from "../os/unix-peer.ts";
import { sendRequest } from "./client.ts";
import { Connection } from "./connection.ts";
import { type HttpHandler, HttpConnection, sniffProtocol } from "./http-connection.ts";
import { handleLine, type ControlDeps } from "./dispatch.ts";
import { encodeLine, errorResponse, type ErrorBody } from "./protocol.ts";

export interface ControlServerOptions {
  path: string;
  /** File mode of the socket, e.g. 0o600. */
  mode: number;
  /** Numeric owner to give the socket; null keeps tsvisor's. */
  owner: { uid: number; gid: number } | null;
  deps: ControlDeps;
  /** Close a connection with no complete request for this long. */
  idleMs?: number;
  /** Answers a connection that speaks HTTP (loaded at its first use); none: such a connection is read as JSON lines. */
  http?: () => Promise<HttpHandler>;
}

export interface ControlServer {
  readonly path: string;
  /** A socket file nobody listened on (left by a killed tsvisor) was removed to bind: the daemon logs it. */
  readonly replacedStale: boolean;
  /** Stop listening, drop every connection and remove the socket file. */
  close(): void;
}

const DEFAULT_IDLE_MS = 10_000;
// Beyond this many open connections a new one is refused (BUSY): file descriptors are for programs.
const MAX_CONNECTIONS = 512;
// sun_path holds 108 bytes, the terminating NUL included.
const MAX_PATH_BYTES = 107;

export async function startControlServer(options: ControlServerOptions): Promise<ControlServer> {
  const { path } = options;
  if (Buffer.byteLength(path) > MAX_PATH_BYTES) {
    throw bindError(path, `the path is ${Buffer.byteLength(path)} bytes long; a unix socket path may have at most ${MAX_PATH_BYTES}`);
  }
  const replacedStale = await claimPath(path);
  const connections = new Set<SniffingConnection>();
  const idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
  let listener: ReturnType<typeof Bun.listen<SniffingConnection | undefined>>;
  const { http } = options;
  try {
    listener = bindOwnerOnly(() => Bun.listen<SniffingConnection | undefined>({
      unix: path,
      socket: {
        open(socket) {
          const busy: ErrorBody | null = connections.size >= MAX_CONNECTIONS ? { code: "BUSY", reason: "connections", limit: MAX_CONNECTIONS }
            : fdShortageFor("control") !== null ? { code: "BUSY", reason: "file_descriptors" } : null;
          if (busy !== null) return refuse(socket, busy);
          const json = () => new Connection(socket, { idleMs, handleLine: (line, follow) => handleLine(line, options.deps, follow) });
          socket.data = new SniffingConnection(json, http ? () => new HttpConnection(socket, { idleMs, handler: http }) : null);
          connections.add(socket.data);
        },
        data: (socket, chunk) => socket.data?.receive(chunk),
        drain: (socket) => socket.data?.drain(),
        close(socket) {
          if (!socket.data) return;
          socket.data.gone();
          connections.delete(socket.data);
        },
        error(socket) {
          socket.data?.gone();
        },
      },
    }));
  } catch (error) {
    throw bindError(path, describeSocketError(error as NodeJS.ErrnoException));
  }
  try {
    setSocketAccess(path, options.mode, options.owner);
  } catch (error) {
    listener.stop(true);
    throw bindError(path, `cannot set its owner or mode: ${(error as Error).message}`);
  }
  return {
    path,
    replacedStale,
    close() {
      for (const connection of connections) connection.gone();
      listener.stop(true); // also removes the socket file
    },
  };
}

// How long a refused client has to read why before its connection is cut.
const REFUSAL_GRACE_MS = 1000;

// Say why, so the client can tell "busy" from "gone". Its request is never read, and closing a unix
// socket with unread input resets it, which can beat the answer to the client: so only this side is
// shut, and the client closes once it has read the line (or is cut off after a grace).
function refuse(socket: Socket<SniffingConnection | undefined>, error: ErrorBody): void {
  socket.write(encodeLine(errorResponse(null, error)));
  socket.shutdown();
  setTimeout(() => socket.terminate(), REFUSAL_GRACE_MS).unref();
}

// Free, or a stale socket (left by a killed tsvisor, now removed: true): bind. A live tsvisor's
// socket, or anything that is not a socket: refuse, remove nothing.
async function claimPath(path: string): Promise<boolean> {
  const state = await claimSocketPath(path).catch((error: Error) => {
    throw bindError(path, error.message);
  });
  if (state === "free" || state === "stale-removed") return state === "stale-removed";
  if (state === "not-a-socket") throw bindError(path, "the path exists and is not a socket", "remove it, or choose another path with [supervisor] socket");
  throw bindError(path, `in use by ${await describeListener(path)}`, "stop it first, or pass --socket PATH");
}

// Who holds the socket, as the kernel says (the pid a reply gives is only what the holder claims): its
// pid, its user when not tsvisor's, and whether it answers as a tsvisor does.
async function describeListener(path: string): Promise<string> {
  let connection;
  try {
    connection = connectToPeer(path);
  } catch {
    return "another program";
  }
  const { pid, uid } = connection.peer;
  const tsvisor = await sendRequest(path, { op: "version" }, { timeoutMs: 2000, fd: connection.fd }).then((reply) => reply.ok, () => false);
  const user = uid === (process.geteuid?.() ?? 0) ? "" : ` (uid ${uid}, not tsvisor's user)`;
  return `${tsvisor ? "tsvisor" : "another program"} pid ${pid}${user}`;
}

function bindError(path: string, why: string, hint = "set another path with [supervisor] socket, --socket or TSVISOR_SOCKET"): TsvisorError {
  return new TsvisorError("SOCKET_UNAVAILABLE", `fatal: unable to bind ${path}: ${why}`, hint);
}

// A connection whose protocol its first bytes tell: a JSON-lines one from the start (its idle timeout
// runs, so a client that says nothing is still told), handed to HTTP when a request line begins it.
class SniffingConnection {
  private current: Connection | HttpConnection;
  private first: Uint8Array | null = new Uint8Array();

  constructor(json: () => Connection, private readonly http: (() => HttpConnection) | null) {
    this.current = json();
  }

  receive(chunk: Uint8Array): void {
    if (this.first === null) return this.current.receive(chunk);
    const bytes = this.first.length === 0 ? chunk : Buffer.concat([this.first, chunk]);
    const verdict = this.http === null ? "json" : sniffProtocol(bytes);
    if (verdict === "undecided") {
      this.first = bytes.slice(); // Bun reuses the chunk's memory after the callback
      return;
    }
    this.first = null;
    if (verdict === "http") {
      this.current.gone();
      this.current = this.http!();
    }
    this.current.receive(bytes);
  }

  drain(): void {
    this.current.drain();
  }

  gone(): void {
    this.current.gone();
  }
}

// The HTTP server of [http] (docs/http.md): bind the configured TCP address or unix socket, cap its
// connections, route, guard, answer through api.ts. Off unless configured; a bug in a handler answers
// 500 and the daemon goes on. node:http rather than Bun.serve: Bun.serve has no connection cap and no
// hook on a new connection, and a flood of idle connections took a tsvisor to its descriptor limit.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { ConsolaInstance } from "consola";
import type { HttpConfig } from "../config/schema.ts";
import { formatHostPort } from "../config/values.ts";
import { TsvisorError } from "../errors.ts";
import { fdShortageFor } from "../os/fd-budget.ts";
import { bindOwnerOnly, claimSocketPath, describeSocketError, setSocketAccess } from "../os/unix-socket-file.ts";
import { type ApiDeps, type HttpCounters, OUTPUT_NEEDS_TOKEN, answer, errorResponse } from "./api.ts";
import { grantsOf, hasCredentials, refusal, type GuardSettings } from "./request-guard.ts";
import { isSupervisordRoute, matchRoute, type Route } from "./routes.ts";
import type { HttpErrorBody } from "./status-codes.ts";
import { isStream, requestUrl, sendFetchResponse, toFetchRequest } from "./web-bridge.ts";

export interface HttpServerOptions {
  config: HttpConfig;
  deps: Omit<ApiDeps, "access" | "counters">;
  logger: ConsolaInstance;
}

export interface HttpServer {
  /** "http://127.0.0.1:9001/" or "unix:/run/tsvisor-http.sock". */
  readonly url: string;
  /**
   * A reload's [http]: the token (read again from token_file) and read_only apply from now on, and every
   * open stream ends (its reader comes back under the new rules). Returns the keys whose new values wait
   * for a restart (listen, socket_mode).
   */
  reload(next: HttpConfig): string[];
  /** Stop listening, end every open stream, close every connection. */
  close(): void;
}

/** Connections open at once; one more is closed at once and counted (tsvisor_http_connections_refused_total). */
export const MAX_CONNECTIONS = 256;
// No byte either way for this long closes a connection (a stream turns it off and sends keep-alives).
const IDLE_TIMEOUT_MS = 10_000;
// A request's headers, and the whole request, must arrive within these (a client that trickles them
// holds a connection otherwise).
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;
// Longer headers are refused (431) before any handler runs.
const MAX_HEADER_BYTES = 16 * 1024;
// Headers on every answer: no page of ours is sniffed into another type.
const COMMON_HEADERS = { "x-content-type-options": "nosniff" };

export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const { logger } = options;
  let config = options.config;
  const { listen } = config;
  const guardOf = (c: HttpConfig): GuardSettings => ({
    token: c.token, basic: c.username !== null && c.password !== null ? { username: c.username, password: c.password } : null, readOnly: c.read_only, tcp: listen.type === "tcp",
  });
  let guard = guardOf(config);
  const counters: HttpCounters = { streams: 0, connections: 0, refused: 0 };
  const deps: ApiDeps = { ...options.deps, access: () => ({ grants: grantsOf(guard), tokenRequired: hasCredentials(guard), refusal: refusalReason(guard) }), counters };
  const streams = new Set<AbortController>();
  const where = listen.type === "unix" ? listen.path : formatHostPort(listen.host, listen.port);

  const handle = async (req: IncomingMessage, url: URL): Promise<Response> => {
    const method = req.method ?? "GET";
    const match = matchRoute(method, url.pathname);
    if ("error" in match) {
      return match.error === "METHOD_NOT_ALLOWED"
        ? errorResponse({ code: "METHOD_NOT_ALLOWED", message: `use ${match.allow}` }, { allow: match.allow })
        : errorResponse({ code: "NOT_FOUND", message: `no endpoint ${url.pathname}; see docs/http.md` });
    }
    const h = req.headers;
    const refused = refusal({ method, authorization: h.authorization ?? null, host: h.host ?? null, origin: h.origin ?? null }, match.route, guard);
    if (refused !== null) return errorResponse(refusalBody(refused, match.route), refused === "UNAUTHORIZED" ? { "www-authenticate": challengeFor(match.route) } : {});
    return answer(match.route, toFetchRequest(req, url), url, deps);
  };

  const serveOne = async (req: IncomingMessage, res: ServerResponse) => {
    let response: Response;
    try {
      // Host and target come from the client: an empty Host or an "*" target is its mistake, not tsvisor's.
      const url = requestUrl(req);
      response = url === null
        ? errorResponse({ code: "BAD_REQUEST", field: "url", message: "the Host header and the request target make no valid URL" })
        : await handle(req, url);
    } catch (error) {
      // the client went away while its body was read ("aborted", ECONNRESET): its own doing, no one to answer
      if (req.destroyed || res.destroyed || req.socket.destroyed) {
        logger.debug(`http: a client went away during its request: ${(error as Error).message}`);
        return void res.destroy();
      }
      logger.error(`http: ${(error as Error).stack ?? String(error)}`);
      response = errorResponse({ code: "INTERNAL", message: (error as Error).message });
    }
    for (const [name, value] of Object.entries(COMMON_HEADERS)) response.headers.set(name, value);
    if (isStream(response)) {
      // a stream lives until its reader goes: the idle timeout would cut it between keep-alives
      req.socket.setTimeout(0);
      // and its going must be seen. A stream is a GET, whose body nobody reads: left unread, a body
      // (declared longer than sent) fills its buffer and the server stops reading the connection, so
      // the client's close went unseen until a keep-alive write failed, 15–30 s on. Read and dropped.
      req.resume();
    }
    // a body left unread (refused before it was read, or past the limit) must not be taken for the next request
    if (!req.complete) response.headers.set("connection", "close");
    await sendFetchResponse(response, res, req.method === "HEAD", streams).catch(() => res.destroy());
  };

  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => void serveOne(req, res));
  // The cap is enforced where the connection is accepted (a refusal costs nothing): closing idle ones
  // to make room instead let a flood that reopens what is closed keep the main thread busy (the
  // control socket went unanswered for 5 s under it). So a local flood can fill the cap: docs/security.md.
  Object.assign(server, { maxConnections: MAX_CONNECTIONS, timeout: IDLE_TIMEOUT_MS, headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, keepAliveTimeout: IDLE_TIMEOUT_MS });
  server.on("drop", () => counters.refused++);
  server.on("connection", (socket: Socket) => {
    // the descriptors kept for the control socket are not for HTTP clients
    if (fdShortageFor("http") !== null) {
      counters.refused++;
      return void socket.destroy();
    }
    counters.connections++;
    socket.once("close", () => counters.connections--);
  });

  if (listen.type === "unix") {
    const state = await claimSocketPath(listen.path).catch((error: Error) => {
      throw listenError(where, error.message);
    });
    if (state === "in-use") throw listenError(where, "another server listens on it", "stop it first, or choose another [http] listen path");
    if (state === "not-a-socket") throw listenError(where, "the path exists and is not a socket", "remove it, or choose another [http] listen path");
    if (state === "stale-removed") logger.info(`http: took over ${listen.path}: a stale socket nobody listened on (left by a killed server) was removed`);
    try {
      await listenOn(server, (done) => bindOwnerOnly(() => server.listen(listen.path, done)));
      setSocketAccess(listen.path, config.socket_mode, null);
    } catch (error) {
      throw listenError(where, describeSocketError(error as NodeJS.ErrnoException));
    }
  } else {
    try {
      await listenOn(server, (done) => server.listen(listen.port, listen.host, done));
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      throw listenError(where, e.code === "EADDRINUSE" ? "the address is in use" : e.code === "EADDRNOTAVAIL" ? "no interface of this machine has that address" : e.message);
    }
  }

  const port = listen.type === "tcp" ? (server.address() as { port: number }).port : 0;
  const url = listen.type === "unix" ? `unix:${listen.path}` : `http://${formatHostPort(listen.host, port)}/`;
  logAccess(logger, `http: listening on ${url}`, config);
  const endStreams = () => {
    for (const stream of streams) stream.abort();
  };
  return {
    url,
    reload(next) {
      const waiting = [...(Bun.deepEquals(next.listen, config.listen) ? [] : ["listen"]), ...(next.socket_mode === config.socket_mode ? [] : ["socket_mode"])];
      const nextGuard = guardOf(next);
      if (!Bun.deepEquals(nextGuard, guard)) {
        guard = nextGuard;
        endStreams();
        logAccess(logger, `reload: http: ${next.token !== config.token ? (next.token === null ? "token removed" : "new token") : "access changed"} on ${url}`, next);
      }
      config = { ...next, listen: config.listen, socket_mode: config.socket_mode };
      return waiting;
    },
    close() {
      endStreams();
      server.close();
      server.closeAllConnections();
    },
  };
}

// Who may do what through this server, in the start-up line: a TCP server without credentials (a token,
// or supervisord's username and password) is open to every local user, so it says so at WARN.
function logAccess(logger: ConsolaInstance, what: string, config: HttpConfig): void {
  const readOnly = config.read_only ? ", read-only" : "";
  const endpoints = "dashboard /, API /api/v1, metrics /metrics";
  const basic = config.username !== null && config.password !== null;
  const required = config.token !== null && basic ? "token or username and password" : config.token !== null ? "token" : basic ? "username and password" : null;
  if (required !== null) return logger.info(`${what} (${required} required${readOnly}): ${endpoints}`);
  if (config.listen.type === "unix") return logger.info(`${what} (no token: socket mode ${config.socket_mode.toString(8).padStart(4, "0")}${readOnly}): ${endpoints}`);
  logger.warn(`${what} without a token, so read-only: every local user may read status, check, state events and /metrics there; actions and programs' logs need a token (set [http] token_file): ${endpoints}`);
}

// supervisorctl and XML-RPC clients speak Basic auth only; the API's clients send the token as Bearer.
function challengeFor(route: Route): string {
  return isSupervisordRoute(route) ? 'Basic realm="tsvisor"' : 'Bearer realm="tsvisor"';
}

// Why an XML-RPC action is refused when the grants refuse it (it is judged once its method is known).
function refusalReason(guard: GuardSettings): string {
  if (guard.readOnly) return "this server is read-only ([http] read_only = true)";
  return "this server listens on TCP without credentials, so it is read-only: set [http] username and password, or a token";
}

// The words a refusal carries where the code alone would leave the reader guessing.
function refusalBody(code: Exclude<ReturnType<typeof refusal>, null>, route: Route): HttpErrorBody {
  if (code !== "TOKEN_REQUIRED") return { code };
  if (route.kind === "logs" || route.kind === "logtail" || route.kind === "mainlogtail") return { code, message: OUTPUT_NEEDS_TOKEN };
  return { code, message: "this server listens on TCP without a token, so it is read-only: actions need a token (set [http] token_file)" };
}

// Listen, resolving once bound; a bind error (EADDRINUSE…) comes as an "error" event, rejected here.
function listenOn(server: Server, listen: (done: () => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    listen(() => {
      server.off("error", reject);
      resolve();
    });
  });
}

function listenError(where: string, why: string, hint = "change [http] listen, or remove [http] to serve no HTTP"): TsvisorError {
  return new TsvisorError("HTTP_UNAVAILABLE", `fatal: unable to listen on ${where}: ${why}`, hint);
}

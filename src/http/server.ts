// The HTTP server of [http] (docs/http.md): bind the configured TCP address or unix socket, route,
// guard, answer through api.ts. Off unless configured; a bug in a handler answers 500 and the
// daemon goes on.
import type { Server } from "bun";
import type { ConsolaInstance } from "consola";
import type { HttpConfig } from "../config/schema.ts";
import { formatHostPort } from "../config/values.ts";
import { TsvisorError } from "../errors.ts";
import { bindOwnerOnly, claimSocketPath, describeSocketError, setSocketAccess } from "../os/unix-socket-file.ts";
import { type ApiDeps, answer, errorResponse } from "./api.ts";
import { refusal, type GuardSettings } from "./request-guard.ts";
import { matchRoute } from "./routes.ts";

export interface HttpServerOptions {
  config: HttpConfig;
  deps: Omit<ApiDeps, "readOnly" | "tokenRequired" | "streams">;
  logger: ConsolaInstance;
}

export interface HttpServer {
  /** "http://127.0.0.1:9001/" or "unix:/run/tsvisor-http.sock". */
  readonly url: string;
  /** Stop listening and end every open stream. */
  close(): void;
}

// Seconds a TCP connection may stay silent (a stream turns its own timeout off and sends keep-alives);
// Bun's types offer no idle timeout on a unix socket, whose default is the same 10 s.
const IDLE_TIMEOUT_S = 10;
// Bun refuses a larger body before the handler sees it (413 without a body); api.ts answers the
// ones between MAX_BODY_BYTES and this with a JSON 413.
const HARD_BODY_LIMIT = 1024 * 1024;
// Headers on every answer: no page of ours is sniffed into another type.
const COMMON_HEADERS = { "x-content-type-options": "nosniff" };

export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const { config, logger } = options;
  const { listen } = config;
  const guard: GuardSettings = { token: config.token, readOnly: config.read_only, tcp: listen.type === "tcp" };
  const deps: ApiDeps = { ...options.deps, readOnly: config.read_only, tokenRequired: config.token !== null, streams: { open: 0 } };
  const where = listen.type === "unix" ? listen.path : formatHostPort(listen.host, listen.port);

  const handle = async (request: Request, server: Server<undefined>): Promise<Response> => {
    // Bun builds the URL from the Host header and the request target: a client can make it invalid
    // (an empty Host, an "*" target), and that is the client's mistake, not tsvisor's.
    if (!URL.canParse(request.url)) return errorResponse({ code: "BAD_REQUEST", field: "url", message: "the Host header and the request target make no valid URL" });
    const url = new URL(request.url);
    const match = matchRoute(request.method, url.pathname);
    if ("error" in match) {
      return match.error === "METHOD_NOT_ALLOWED"
        ? errorResponse({ code: "METHOD_NOT_ALLOWED", message: `use ${match.allow}` }, { allow: match.allow })
        : errorResponse({ code: "NOT_FOUND", message: `no endpoint ${url.pathname}; see docs/http.md` });
    }
    const h = request.headers;
    const refused = refusal({ method: request.method, authorization: h.get("authorization"), host: h.get("host"), origin: h.get("origin") }, match.route, guard);
    if (refused !== null) return errorResponse({ code: refused }, refused === "UNAUTHORIZED" ? { "www-authenticate": 'Bearer realm="tsvisor"' } : {});
    const response = await answer(match.route, request, url, deps);
    // a stream lives until its reader goes: Bun's idle timeout would cut it between keep-alives
    if (response.headers.get("content-type")?.startsWith("text/event-stream")) server.timeout(request, 0);
    return response;
  };

  const handlers = {
    maxRequestBodySize: HARD_BODY_LIMIT,
    fetch: async (request: Request, server: Server<undefined>) => withCommonHeaders(await handle(request, server)),
    error(error: Error) {
      logger.error(`http: ${error.stack ?? error.message}`);
      return withCommonHeaders(errorResponse({ code: "INTERNAL", message: error.message }));
    },
  };
  const serve = (): Server<undefined> =>
    listen.type === "unix" ? Bun.serve({ unix: listen.path, ...handlers }) : Bun.serve({ hostname: listen.host, port: listen.port, idleTimeout: IDLE_TIMEOUT_S, ...handlers });

  let server: Server<undefined>;
  if (listen.type === "unix") {
    const state = await claimSocketPath(listen.path).catch((error: Error) => {
      throw listenError(where, error.message);
    });
    if (state === "in-use") throw listenError(where, "another server listens on it", "stop it first, or choose another [http] listen path");
    if (state === "not-a-socket") throw listenError(where, "the path exists and is not a socket", "remove it, or choose another [http] listen path");
    try {
      server = bindOwnerOnly(serve);
      setSocketAccess(listen.path, config.socket_mode, null);
    } catch (error) {
      throw listenError(where, describeSocketError(error as NodeJS.ErrnoException));
    }
  } else {
    try {
      server = serve();
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      throw listenError(where, e.code === "EADDRINUSE" ? "the address is in use" : e.code === "EADDRNOTAVAIL" ? "no interface of this machine has that address" : e.message);
    }
  }

  const url = listen.type === "unix" ? `unix:${listen.path}` : `http://${formatHostPort(listen.host, server.port!)}/`;
  const access = config.token !== null ? "token required" : listen.type === "unix" ? `no token: socket mode ${config.socket_mode.toString(8).padStart(4, "0")}` : "no token: loopback only";
  const notes = [access, ...(config.read_only ? ["read-only"] : [])];
  logger.info(`http: listening on ${url} (${notes.join(", ")}): dashboard /, API /api/v1, metrics /metrics`);
  return {
    url,
    close: () => void server.stop(true),
  };
}

function withCommonHeaders(response: Response): Response {
  for (const [name, value] of Object.entries(COMMON_HEADERS)) response.headers.set(name, value);
  return response;
}

function listenError(where: string, why: string, hint = "change [http] listen, or remove [http] to serve no HTTP"): TsvisorError {
  return new TsvisorError("HTTP_UNAVAILABLE", `fatal: unable to listen on ${where}: ${why}`, hint);
}

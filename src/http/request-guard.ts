// Who may ask what (docs/http.md "Security"): the token, the Host of a token-less server, the Origin
// of an action, read-only mode, and what a TCP server without a token keeps to itself; pure, headers
// in, the refusal (or null) out.
import { createHash, timingSafeEqual } from "node:crypto";
import { isLoopbackHost } from "../config/loopback.ts";
import type { Route } from "./routes.ts";
import type { HttpOnlyCode } from "./status-codes.ts";

export interface GuardSettings {
  token: string | null;
  readOnly: boolean;
  /** Listening on TCP (a unix socket's file mode is its lock, and its Host header means nothing). */
  tcp: boolean;
}

/** What a client that got past the token may do and see. */
export interface Grants {
  /** start, stop, restart, signal. */
  actions: boolean;
  /** Programs' output: their logs and PROCESS_LOG_* events. */
  output: boolean;
}

// A TCP port without a token is open to every local user (docs/security.md "The HTTP API"): it shows
// what `ps` shows anyone anyway (names, pids, states, health, metrics), never acts, and never hands out
// output that the log files' modes keep from those users. A unix socket's file mode says who may connect.
export function grantsOf(settings: GuardSettings): Grants {
  const proven = settings.token !== null || !settings.tcp;
  return { actions: proven && !settings.readOnly, output: proven };
}

/** The parts of a request the guard reads. */
export interface GuardedRequest {
  method: string;
  authorization: string | null;
  host: string | null;
  origin: string | null;
}

// null when the request may go on; otherwise the code to refuse it with.
export function refusal(request: GuardedRequest, route: Route, settings: GuardSettings): HttpOnlyCode | null {
  // Without a token only loopback can connect, but a browser can be made to connect there from a
  // page whose name resolves to 127.0.0.1 (DNS rebinding): such a request names the page's host.
  if (settings.token === null && settings.tcp && request.host !== null && !isLoopbackHost(hostOf(request.host))) return "FORBIDDEN_HOST";
  // The page holds no data: it asks for the token itself.
  if (settings.token !== null && route.kind !== "dashboard" && !hasToken(request.authorization, settings.token)) return "UNAUTHORIZED";
  if (request.method === "POST" && request.origin !== null && !isSameOrigin(request.origin, request.host)) return "CROSS_ORIGIN";
  if (settings.readOnly && route.kind === "action") return "READ_ONLY";
  const grants = grantsOf(settings);
  if ((route.kind === "action" && !grants.actions) || (route.kind === "logs" && !grants.output)) return "TOKEN_REQUIRED";
  return null;
}

// "Bearer TOKEN" with the right token, compared in constant time (digests have equal lengths).
function hasToken(authorization: string | null, token: string): boolean {
  const match = authorization === null ? null : /^Bearer +(\S+) *$/i.exec(authorization);
  if (match === null) return false;
  const digest = (text: string) => createHash("sha256").update(text).digest();
  return timingSafeEqual(digest(match[1]!), digest(token));
}

// A browser sends Origin on every cross-origin POST; the page served by this server has the origin
// of the Host it was loaded from.
function isSameOrigin(origin: string, host: string | null): boolean {
  if (host === null || !URL.canParse(origin)) return false; // "null" (a sandboxed frame, a file:// page) is no origin of ours
  return new URL(origin).host.toLowerCase() === host.toLowerCase();
}

// "127.0.0.1:9001" -> "127.0.0.1", "[::1]:9001" -> "::1", "localhost" -> "localhost".
function hostOf(hostHeader: string): string {
  const bracketed = /^\[([^\]]*)\](?::\d+)?$/.exec(hostHeader);
  if (bracketed) return bracketed[1]!;
  return hostHeader.replace(/:\d+$/, "");
}

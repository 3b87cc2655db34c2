// Who may ask what (docs/http.md "Security"): the token or supervisord's username and password, the
// Host of a server without either, the Origin of an action, read-only mode, and what a TCP server
// without credentials keeps to itself; pure, headers in, the refusal (or null) out.
import { isLoopbackHost } from "../config/loopback.ts";
import { type BasicCredentials, hasBasicCredentials, hasTokenAsPassword, sameText } from "./basic-auth.ts";
import type { Route } from "./routes.ts";
import type { HttpOnlyCode } from "./status-codes.ts";

export interface GuardSettings {
  token: string | null;
  /** supervisord's username and password ([http] username/password); null: none. Either these or the token proves a client. */
  basic: BasicCredentials | null;
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

// A TCP port without credentials is open to every local user (docs/security.md "The HTTP API"): it shows
// what `ps` shows anyone anyway (names, pids, states, health, metrics), never acts, and never hands out
// output that the log files' modes keep from those users. A unix socket's file mode says who may connect.
export function grantsOf(settings: GuardSettings): Grants {
  const proven = hasCredentials(settings) || !settings.tcp;
  return { actions: proven && !settings.readOnly, output: proven };
}

/** Does every request (but the page) have to prove who sends it? */
export const hasCredentials = (settings: Pick<GuardSettings, "token" | "basic">): boolean => settings.token !== null || settings.basic !== null;

// The proof a request carries: `Authorization: Bearer TOKEN`, or Basic with the username and password,
// or Basic with the token as password (supervisorctl and supervisord's clients can send only Basic).
export function isAuthenticated(authorization: string | null, settings: Pick<GuardSettings, "token" | "basic">): boolean {
  const { token, basic } = settings;
  if (token !== null && (hasBearer(authorization, token) || hasTokenAsPassword(authorization, token))) return true;
  return basic !== null && hasBasicCredentials(authorization, basic);
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
  if (!hasCredentials(settings) && settings.tcp && request.host !== null && !isLoopbackHost(hostOf(request.host))) return "FORBIDDEN_HOST";
  // The page holds no data: it asks for the token itself.
  if (hasCredentials(settings) && route.kind !== "dashboard" && !isAuthenticated(request.authorization, settings)) return "UNAUTHORIZED";
  // XML-RPC too: a page can POST XML as text/plain without asking first, so its Origin is what tells
  if (request.method === "POST" && request.origin !== null && !isSameOrigin(request.origin, request.host)) return "CROSS_ORIGIN";
  if (settings.readOnly && route.kind === "action") return "READ_ONLY";
  const grants = grantsOf(settings);
  // an XML-RPC call is judged once its method is known (http/supervisord-endpoints.ts)
  const output = route.kind === "logs" || route.kind === "logtail" || route.kind === "mainlogtail";
  if ((route.kind === "action" && !grants.actions) || (output && !grants.output)) return "TOKEN_REQUIRED";
  return null;
}

// "Bearer TOKEN" with the right token, compared in constant time.
function hasBearer(authorization: string | null, token: string): boolean {
  const match = authorization === null ? null : /^Bearer +(\S+) *$/i.exec(authorization);
  return match !== null && sameText(match[1]!, token);
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

// The HTTP API's endpoints as a table: (method, path) -> which one, with NAME decoded; pure, so every
// route and every refusal (404, 405) is tested without a server.

export type Action = "start" | "stop" | "restart" | "signal";
const ACTIONS: readonly string[] = ["start", "stop", "restart", "signal"] satisfies Action[];

export type Route =
  | { kind: "dashboard" }
  | { kind: "about" }
  | { kind: "programs" }
  | { kind: "program"; name: string }
  | { kind: "action"; name: string; action: Action }
  | { kind: "logs"; name: string }
  | { kind: "history"; name: string }
  | { kind: "check" }
  | { kind: "events" }
  | { kind: "metrics" }
  // supervisord's own endpoints (docs/supervisord.md): XML-RPC, and the log tails `supervisorctl tail -f` reads
  | { kind: "rpc" }
  | { kind: "logtail"; name: string; stream: "stdout" | "stderr" }
  | { kind: "mainlogtail" };

/** The routes of supervisord's endpoints, which the control socket serves too. */
export type SupervisordRoute = Extract<Route, { kind: "rpc" | "logtail" | "mainlogtail" }>;
export const isSupervisordRoute = (route: Route): route is SupervisordRoute => route.kind === "rpc" || route.kind === "logtail" || route.kind === "mainlogtail";

export type RouteMatch = { route: Route } | { error: "NOT_FOUND" } | { error: "METHOD_NOT_ALLOWED"; allow: string };

// A path -> the route and the one method it answers to; null when no endpoint has that path.
function routeOf(path: string): { route: Route; method: "GET" | "POST" } | null {
  switch (path) {
    case "/": return { route: { kind: "dashboard" }, method: "GET" };
    case "/metrics": return { route: { kind: "metrics" }, method: "GET" };
    case "/api/v1": return { route: { kind: "about" }, method: "GET" };
    case "/api/v1/programs": return { route: { kind: "programs" }, method: "GET" };
    case "/api/v1/check": return { route: { kind: "check" }, method: "GET" };
    case "/api/v1/events": return { route: { kind: "events" }, method: "GET" };
    case "/RPC2": return { route: { kind: "rpc" }, method: "POST" };
    case "/mainlogtail": return { route: { kind: "mainlogtail" }, method: "GET" };
    default:
  }
  if (path.startsWith("/logtail/")) return logtailRoute(path.slice("/logtail/".length));
  const parts = path.split("/"); // "", "api", "v1", "programs", NAME, [what]
  if (parts.length < 5 || parts.length > 6 || parts.slice(0, 4).join("/") !== "/api/v1/programs") return null;
  const name = decodeName(parts[4]!);
  if (name === null) return null;
  const what = parts[5];
  if (what === undefined) return { route: { kind: "program", name }, method: "GET" };
  if (what === "logs") return { route: { kind: "logs", name }, method: "GET" };
  if (what === "history") return { route: { kind: "history", name }, method: "GET" };
  if (ACTIONS.includes(what)) return { route: { kind: "action", name, action: what as Action }, method: "POST" };
  return null;
}

// Which endpoint a request is for. A trailing slash is tolerated ("/api/v1/programs/" is the list).
export function matchRoute(method: string, pathname: string): RouteMatch {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, "") : pathname;
  const found = routeOf(path);
  if (found === null) return { error: "NOT_FOUND" };
  // HEAD is GET without the body (RFC 9110); Bun leaves the body out itself.
  if (method === found.method || (method === "HEAD" && found.method === "GET")) return { route: found.route };
  return { error: "METHOD_NOT_ALLOWED", allow: found.method === "GET" ? "GET, HEAD" : "POST" };
}

// supervisorctl's "/logtail/NAME/stdout" (NAME a namespec, "group:name"); no channel means stdout.
function logtailRoute(rest: string): { route: Route; method: "GET" } | null {
  const [segment, stream = "stdout", ...more] = rest.split("/");
  const name = decodeName(segment!);
  if (name === null || more.length > 0 || (stream !== "stdout" && stream !== "stderr")) return null;
  return { route: { kind: "logtail", name, stream }, method: "GET" };
}

// "worker%3A%2A" -> "worker:*"; null for an empty name or broken %-encoding.
function decodeName(segment: string): string | null {
  try {
    const name = decodeURIComponent(segment);
    return name === "" || name.includes("/") ? null : name;
  } catch {
    return null;
  }
}

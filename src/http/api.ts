// The answer to each endpoint: a route and its request -> the control protocol's request, handled by
// control/dispatch.ts exactly as one from the socket (one meaning, one set of errors), -> an HTTP
// response with the status of docs/http.md. Logs, metrics and the page are HTTP's own.
import type { ProcessSpec } from "../config/schema.ts";
import { type ControlDeps, handleRequest } from "../control/dispatch.ts";
import type { StreamStarter } from "../control/connection.ts";
import { MAX_LINE_BYTES, type Outcome, type Request as ControlRequest, type Response as ControlResponse } from "../control/protocol.ts";
import { EVENT_TYPES, UNNAMED_DEFAULT_TYPES, expandEventName } from "../events/event-types.ts";
import { fdShortageFor, fdUsage } from "../os/fd-budget.ts";
import { readRssBytes } from "../os/procfs.ts";
import { dashboardResponse } from "./dashboard.ts";
import { eventStreamResponse } from "./event-stream.ts";
import { isLogLookupError, logStream, logText, parseFlag, parseLogQuery } from "./log-view.ts";
import { METRICS_CONTENT_TYPE, renderMetrics } from "./metrics.ts";
import { readAtMost } from "./request-body.ts";
import type { Grants } from "./request-guard.ts";
import { supervisordAnswer } from "./supervisord-endpoints.ts";
import type { Action, Route } from "./routes.ts";
import { HTTP_STATUS, type HttpErrorBody } from "./status-codes.ts";

/** Longest request body accepted: the socket's line limit, for the same requests. */
export const MAX_BODY_BYTES = MAX_LINE_BYTES;
/** Event and log streams open at once; one more is refused (each holds a subscription or a file). */
export const MAX_STREAMS = 64;

/** What the HTTP API needs from the daemon. */
export interface ApiDeps {
  control: ControlDeps;
  /** The current specs, for log file paths (they change with a reload). */
  processes: () => readonly ProcessSpec[];
  /** What clients may do and see now (a reload may change it). */
  access: () => { grants: Grants; tokenRequired: boolean; refusal: string };
  /** The server's own figures; `streams` is counted against MAX_STREAMS here. */
  counters: HttpCounters;
}

/** What the HTTP server counts, for /metrics. */
export interface HttpCounters {
  /** Event and log streams open. */
  streams: number;
  /** Connections open. */
  connections: number;
  /** Connections closed at once: at the connection cap, or short of file descriptors. */
  refused: number;
}

// The response to a request the guard has let through.
export async function answer(route: Route, request: Request, url: URL, deps: ApiDeps): Promise<Response> {
  switch (route.kind) {
    case "dashboard":
      return dashboardResponse(request.headers.get("accept-encoding"));
    case "about": {
      const r = await control({ op: "version" } as const, deps);
      const { grants, tokenRequired } = deps.access();
      return r.ok ? json(200, { ...r.result, read_only: !grants.actions, token_required: tokenRequired, logs: grants.output }) : reply(r);
    }
    case "programs":
      return reply(await control({ op: "status" }, deps));
    case "program":
      return reply(await control({ op: "status", names: [route.name] }, deps));
    case "check": {
      const r = await control({ op: "check" } as const, deps);
      return r.ok ? json(r.result.healthy ? 200 : 503, r.result) : reply(r);
    }
    case "action":
      return action(route.name, route.action, request, url, deps);
    case "events":
      return events(url.searchParams, deps);
    case "logs":
      return logs(route.name, url.searchParams, deps);
    case "history": {
      const since = Number(url.searchParams.get("since") ?? 0);
      if (!Number.isFinite(since) || since < 0) return errorResponse({ code: "BAD_REQUEST", field: "since", message: "since must be a time in milliseconds since the epoch (a number >= 0)" });
      return reply(await control({ op: "history", names: [route.name], since }, deps));
    }
    case "metrics": {
      const r = await control({ op: "status" } as const, deps);
      if (!r.ok) return reply(r);
      const { streams, connections, refused } = deps.counters;
      const fds = fdUsage();
      const text = renderMetrics(r.result.processes, {
        version: deps.control.version, uptimeSeconds: process.uptime(), rssBytes: readRssBytes("self"), openFds: fds.open, maxFds: fds.limit,
        httpStreams: streams, httpConnections: connections, httpConnectionsRefused: refused,
      });
      return new Response(text, { headers: { "content-type": METRICS_CONTENT_TYPE, "cache-control": "no-store" } });
    }
    case "rpc":
    case "logtail":
    case "mainlogtail": {
      const { grants, refusal } = deps.access();
      const streams = { get open() { return deps.counters.streams; }, set open(n: number) { deps.counters.streams = n; }, max: MAX_STREAMS };
      return supervisordAnswer(route, request, { control: deps.control, grants, refusal, streams });
    }
    default:
      return route satisfies never;
  }
}

/** An error response: the status its code has, and `{"error": …}`. */
export function errorResponse(error: HttpErrorBody, headers: Record<string, string> = {}): Response {
  return json(HTTP_STATUS[error.code], { error }, headers);
}

// POST …/start|stop|restart|signal: `wait` and `signal` from the JSON body or the query.
async function action(name: string, kind: Action, request: Request, url: URL, deps: ApiDeps): Promise<Response> {
  const body = await readJsonBody(request);
  if ("code" in body) return errorResponse(body);
  const query = url.searchParams;
  let controlRequest: ControlRequest;
  if (kind === "signal") {
    const signal = body.value.signal ?? query.get("signal");
    if (typeof signal !== "string" || signal === "") return errorResponse({ code: "BAD_REQUEST", field: "signal", message: 'name the signal: {"signal": "HUP"}' });
    controlRequest = { op: "signal", names: [name], signal };
  } else {
    const wait = "wait" in body.value ? body.value.wait : parseFlag(query.get("wait"), true);
    if (typeof wait !== "boolean") return errorResponse({ code: "BAD_REQUEST", field: "wait", message: "wait must be true or false" });
    controlRequest = { op: kind, names: [name], wait };
  }
  const r = await control(controlRequest, deps);
  if (!r.ok) return reply(r);
  const { outcomes } = r.result as { outcomes: Outcome[] };
  const failed = outcomes.find((o) => !o.ok);
  if (failed === undefined || failed.ok) return json(200, { outcomes });
  return json(HTTP_STATUS[failed.error.code], { outcomes, error: { ...failed.error, name: failed.name } });
}

// GET /api/v1/events: the recent events, then (follow, the default) each new one as an SSE message.
async function events(query: URLSearchParams, deps: ApiDeps): Promise<Response> {
  const followed = parseFlag(query.get("follow"), true);
  if (followed === null) return errorResponse({ code: "BAD_REQUEST", field: "follow", message: "follow must be true or false" });
  const list = (key: string) => query.get(key)?.split(",").map((s) => s.trim()).filter(Boolean);
  const names = list("names");
  let types = list("types");
  if (!deps.access().grants.output) {
    const allowed = withoutOutputEvents(types);
    if (allowed === null) return errorResponse({ code: "TOKEN_REQUIRED", field: "types", message: OUTPUT_NEEDS_TOKEN });
    types = allowed;
  }
  const request: ControlRequest = { op: "events", ...(names?.length ? { names } : {}), ...(types?.length ? { types } : {}), follow: followed };
  if (!followed) return reply(await control(request, deps));
  if (deps.counters.streams >= MAX_STREAMS) return errorResponse({ code: "TOO_MANY_STREAMS", limit: MAX_STREAMS });
  let starter: StreamStarter | null = null;
  const r = await control(request, deps, (start) => (starter = start));
  if (!r.ok || starter === null) return reply(r);
  const start: StreamStarter = starter;
  deps.counters.streams++;
  const message = (event: { type: string }) => ({ event: event.type, data: JSON.stringify(event) });
  return eventStreamResponse((send) => {
    for (const event of (r.result as { events: { type: string }[] }).events) send(message(event));
    return start((line) => send(message(line.event)));
  }, () => deps.counters.streams--);
}

/** Why a TCP server without a token keeps programs' output to itself. */
export const OUTPUT_NEEDS_TOKEN = "programs' output (logs, PROCESS_LOG events) is served over TCP only with a token: set [http] token_file";

// Output events carry what programs print, which their log files keep from other users.
const isOutputEvent = (type: string) => type.startsWith("PROCESS_LOG_");
const NOT_OUTPUT_EVENTS = EVENT_TYPES.filter((type) => !isOutputEvent(type));

// The `types` of a client that may not see output: every type (none named, or EVENT) means every other
// type; naming PROCESS_LOG or one of its types is refused (null). Unknown names go on to be refused as such.
function withoutOutputEvents(types: string[] | undefined): string[] | null {
  if (types === undefined || types.length === 0) return UNNAMED_DEFAULT_TYPES.filter((type) => !isOutputEvent(type));
  if (types.some((name) => name !== "EVENT" && expandEventName(name)?.some(isOutputEvent))) return null;
  return types.flatMap((name) => (name === "EVENT" ? NOT_OUTPUT_EVENTS : [name]));
}

// GET /api/v1/programs/NAME/logs: text, or with follow an SSE stream.
function logs(name: string, query: URLSearchParams, deps: ApiDeps): Response {
  const parsed = parseLogQuery(query);
  if ("code" in parsed) return errorResponse(parsed);
  try {
    if (!parsed.follow) return new Response(logText(deps.processes(), name, parsed), { headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" } });
    if (deps.counters.streams >= MAX_STREAMS) return errorResponse({ code: "TOO_MANY_STREAMS", limit: MAX_STREAMS });
    // a follow keeps its file open: not out of the descriptors kept for the control socket
    if (fdShortageFor("http") !== null) return errorResponse({ code: "BUSY", reason: "file_descriptors" });
    const response = logStream(deps.processes(), name, parsed, () => deps.counters.streams--);
    deps.counters.streams++;
    return response;
  } catch (error) {
    if (!isLogLookupError(error)) throw error;
    return errorResponse({ code: error.code as "NO_SUCH_PROCESS" | "NO_LOG", name, message: error.message });
  }
}

// A body of at most MAX_BODY_BYTES that is a JSON object; no body at all is {}.
async function readJsonBody(request: Request): Promise<{ value: Record<string, unknown> } | HttpErrorBody> {
  const length = request.headers.get("content-length");
  if (length !== null && Number(length) > MAX_BODY_BYTES) return { code: "BODY_TOO_LARGE", limit: MAX_BODY_BYTES };
  if (request.body === null || length === "0") return { value: {} };
  const type = request.headers.get("content-type");
  const bytes = await readAtMost(request.body, MAX_BODY_BYTES);
  if (bytes === null) return { code: "BODY_TOO_LARGE", limit: MAX_BODY_BYTES };
  if (bytes.length === 0) return { value: {} };
  if (type === null || !/^application\/json\s*(;|$)/i.test(type)) {
    return { code: "UNSUPPORTED_MEDIA_TYPE", message: `a body must be application/json; got ${type === null ? "no Content-Type" : JSON.stringify(type)}` };
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    return { code: "BAD_REQUEST", field: "body", message: "the body is not JSON" };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return { code: "BAD_REQUEST", field: "body", message: "the body must be a JSON object" };
  return { value: value as Record<string, unknown> };
}


let nextId = 1;
// One request through the same dispatch as the socket's.
function control<R extends ControlRequest>(request: R, deps: ApiDeps, follow?: (start: StreamStarter) => void): Promise<ControlResponse<R["op"]>> {
  return handleRequest(request, `http-${nextId++}`, deps.control, follow) as Promise<ControlResponse<R["op"]>>;
}

// The protocol's reply -> 200 with its result, or the status of its error code.
function reply(r: ControlResponse): Response {
  return r.ok ? json(200, r.result) : errorResponse(r.error);
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers },
  });
}

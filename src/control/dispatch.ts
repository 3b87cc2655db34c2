// One decoded request -> one call on the supervisor (or the daemon) -> the reply. Faults become
// protocol error codes here; words are left to the CLI.
import { TsvisorError } from "../errors.ts";
import type { EventBus } from "../events/event-bus.ts";
import { concernsNames, type TsvisorEvent } from "../events/event.ts";
import { expandEventName } from "../events/event-types.ts";
import type { StreamStarter } from "./connection.ts";
import { toHistory } from "./history-result.ts";
import type { Outcome as SupervisorOutcome } from "../supervisor/operator.ts";
import { RUNNING_STATES, STOPPED_STATES } from "../supervisor/states.ts";
import type { ProcessView, Supervisor } from "../supervisor/supervisor.ts";
import {
  PROTOCOL_VERSION, decodeRequest, errorResponse, type ErrorBody, type ErrorCode, type Outcome, type ProcessStatus,
  type Request, type RequestId, type Response, type Results,
} from "./protocol.ts";

/** What the daemon lends the control socket. */
export interface ControlDeps {
  supervisor: Supervisor;
  /** Event history and live events, for `tsvisor events`. */
  events: EventBus;
  /** tsvisor's version, for `tsvisor version`. */
  version: string;
  /** Re-read the config and apply the difference (SIGHUP's job); throws TsvisorError on failure. */
  reload: () => Promise<Results["reload"]>;
  /** Begin stopping everything and exit, as SIGTERM does. */
  shutdown: () => void;
  /** Reopen every log file at its configured path, as SIGUSR2 does; returns how many. */
  reopenLogs: () => number;
}

// Errors a reload may throw that the protocol names; anything else is a bug (INTERNAL).
const RELOAD_ERRORS: Record<string, ErrorCode> = {
  CONFIG_INVALID: "CONFIG_INVALID",
  CONFIG_NOT_FOUND: "CONFIG_INVALID", // the file was removed or renamed since tsvisor started
  CONFIG_UNTRUSTED: "CONFIG_INVALID", // ./tsvisor.toml's owner or mode changed since tsvisor started
  SHUTTING_DOWN: "SHUTTING_DOWN",
};

// A request line -> its reply; never throws (a bug becomes an INTERNAL reply, the daemon goes on).
export async function handleLine(line: string, deps: ControlDeps, follow: (start: StreamStarter) => void = () => {}): Promise<Response> {
  const decoded = decodeRequest(line);
  if ("error" in decoded) return errorResponse(decoded.id, decoded.error);
  return handleRequest(decoded.request, decoded.id, deps, follow);
}

// A decoded request -> its reply, for the socket and the HTTP API alike (one meaning, one set of
// errors); never throws. `follow` receives the stream an `events` request with follow asks for.
export async function handleRequest(request: Request, id: RequestId, deps: ControlDeps, follow: (start: StreamStarter) => void = () => {}): Promise<Response> {
  try {
    const answer = request.op === "events" ? handleEvents(request, id, deps, follow) : await handle(request, deps);
    return "error" in answer ? errorResponse(id, answer.error) : { v: PROTOCOL_VERSION, id, ok: true, result: answer.result };
  } catch (error) {
    const code = error instanceof TsvisorError ? RELOAD_ERRORS[error.code] : undefined;
    if (code !== undefined) return errorResponse(id, { code, message: (error as Error).message });
    return errorResponse(id, { code: "INTERNAL", message: error instanceof Error ? error.message : String(error) });
  }
}

type Answer = { result: Results[keyof Results] } | { error: ErrorBody };

async function handle(request: Exclude<Request, { op: "events" }>, deps: ControlDeps): Promise<Answer> {
  const { supervisor } = deps;
  switch (request.op) {
    case "version":
      return { result: { version: deps.version, protocol: PROTOCOL_VERSION, pid: process.pid } };
    case "shutdown":
      deps.shutdown();
      return { result: {} };
    case "reopen_logs":
      return { result: { files: deps.reopenLogs() } };
    case "reload":
      return { result: await deps.reload() };
    default:
  }
  const resolved = supervisor.resolveNames(request.names ?? ["all"]);
  if (!resolved.ok) return { error: { code: resolved.fault, name: resolved.name } };
  const { names } = resolved;
  switch (request.op) {
    case "status":
      return { result: { processes: supervisor.view(names).map(toStatus) } };
    case "history":
      return { result: { processes: supervisor.history(names, request.since ?? 0).map(toHistory) } };
    case "check": {
      // Without names (or with "all") a liveness question: every process that should run does, and a
      // stop by hand is not a fault. A process named is a readiness question (Kubernetes readiness
      // probes ask it so): it must be RUNNING, and healthy when it has a health check.
      const readiness = request.names !== undefined && !(request.names.length === 1 && request.names[0] === "all");
      const views = supervisor.view(names).filter((v) => readiness || v.record.wantedUp);
      const offenders = views.filter((v) => (readiness ? !isReady(v) : v.offender)).map(({ record: r, health, healthError }) =>
        health === "unhealthy" && r.state === "RUNNING"
          ? { name: r.name, state: r.state, reason: healthError, health }
          : { name: r.name, state: r.state, reason: r.reason });
      return { result: { healthy: offenders.length === 0, checked: views.length, offenders } };
    }
    case "start": {
      const wanted = selectsMany(request.names) ? names.filter((n) => !RUNNING_STATES.includes(stateOf(supervisor, n))) : names;
      return { result: { outcomes: (await supervisor.startProcesses(wanted, request.wait ?? true)).map(toOutcome) } };
    }
    case "stop": {
      const wanted = selectsMany(request.names) ? names.filter((n) => !STOPPED_STATES.includes(stateOf(supervisor, n))) : names;
      return { result: { outcomes: (await supervisor.stopProcesses(wanted, request.wait ?? true)).map(toOutcome) } };
    }
    case "restart":
      return { result: { outcomes: (await supervisor.restartProcesses(names, request.wait ?? true)).map(toOutcome) } };
    case "signal": {
      const outcomes = supervisor.signalProcesses(names, request.signal);
      if (outcomes === null) return { error: { code: "BAD_SIGNAL", signal: request.signal } };
      return { result: { outcomes: outcomes.map(toOutcome) } };
    }
    default:
      return request satisfies never;
  }
}

// `events`: the recent ones that match, and with follow a stream of the new ones from the reply on.
function handleEvents(request: Extract<Request, { op: "events" }>, id: RequestId, deps: ControlDeps, follow: (start: StreamStarter) => void): Answer {
  const types = new Set<string>();
  for (const name of request.types ?? ["EVENT"]) {
    const expanded = expandEventName(name);
    if (expanded === null) return { error: { code: "NO_SUCH_EVENT_TYPE", name } };
    for (const type of expanded) types.add(type);
  }
  const names = request.names ?? [];
  if (names.length > 0) {
    const resolved = deps.supervisor.resolveNames(names);
    if (!resolved.ok) return { error: { code: resolved.fault, name: resolved.name } };
  }
  const wanted = (e: TsvisorEvent) => types.has(e.type) && (names.length === 0 || concernsNames(e, names));
  if (request.follow) {
    follow((send) => deps.events.subscribe((event) => {
      if (wanted(event)) send({ v: PROTOCOL_VERSION, id, event });
    }));
  }
  return { result: { events: deps.events.recent().filter(wanted) } };
}

function toStatus(v: ProcessView): ProcessStatus {
  const { record: r } = v;
  return {
    name: r.name, group: v.group, state: r.state, pid: r.pid, uptime_ms: v.uptimeMs, started_at: r.startedAt, stopped_at: r.stoppedAt,
    restarts: r.restarts, last_exit: r.lastExit, reason: r.reason, wanted: r.wantedUp, dropped_log_lines: v.droppedLogLines,
    health: v.health, health_error: v.healthError, cpu_percent: v.cpuPercent === null ? null : Math.round(v.cpuPercent * 10) / 10,
    cpu_seconds: v.cpuSeconds,
    rss_bytes: v.rssBytes, peak_rss_bytes: v.peakRssBytes, pss_bytes: v.pssBytes, peak_pss_bytes: v.peakPssBytes, restarted_because: v.restartedBecause,
  };
}

function toOutcome(o: SupervisorOutcome): Outcome {
  if (o.fault === null) return { name: o.name, ok: true, state: o.state };
  return { name: o.name, ok: false, error: { code: o.fault, state: o.state, reason: o.reason } };
}

// `stop all`, `start worker:*`: as supervisord's start/stopAllProcesses and start/stopProcessGroup,
// they act on the processes that need it; one already there is left out, not an error (exit 0).
const selectsMany = (names: readonly string[] | undefined): boolean =>
  names === undefined || (names.length > 0 && names.every((n) => n === "all" || n.endsWith(":*")));

const stateOf = (supervisor: Supervisor, name: string) => supervisor.view([name])[0]!.record.state;

// Ready for traffic: RUNNING, and healthy when it has a health check (not while its first probe is due).
const isReady = (v: ProcessView): boolean => v.record.state === "RUNNING" && (v.health === null || v.health === "healthy");

// The per-process state machine: a pure function of (process, event, program, now) that returns the
// next process record and the actions to perform. It performs nothing itself — supervisor.ts spawns,
// signals and arms timers — so every transition is testable without an OS (unlike supervisord's
// transition(), which forks). States and edges are supervisord's (process.py).
import type { ProgramConfig } from "../config/schema.ts";
import type { ExitStatus } from "./exit-status.ts";
import {
  beginStop, cancel, exitFromRunning, exitWhileStarting, failStart, log, runningLog, setTimer, settleStop, startSpawn, startWanted,
  stopLeftovers, to, wantedAfterStop,
} from "./machine-steps.ts";
import type { ProcessState } from "./states.ts";

/** Everything the supervisor knows about one process, between events. */
export interface ProcessRecord {
  name: string;
  state: ProcessState;
  /** PID of the live process, null when there is none. */
  pid: number | null;
  /** Failed starts in a row (supervisord's `backoff`, for startretries); reset when the process reaches RUNNING. */
  backoff: number;
  /** Short runs in a row (failed starts, exits sooner than backoff_reset after RUNNING): sets the restart delay (backoff.ts). */
  shortRuns: number;
  /** `now` of the last transition into RUNNING; null while not RUNNING. */
  runningAt: number | null;
  /** Automatic restarts since tsvisor started (autorestart or retry after BACKOFF). */
  restarts: number;
  /** `now` of the last successful spawn. */
  startedAt: number | null;
  /** `now` of the last transition into a state with no process. */
  stoppedAt: number | null;
  lastExit: ExitStatus | null;
  /** Why the process is in its state, in words: "exit status 1; not expected", "spawn error: …". */
  reason: string | null;
  /**
   * Why it is STOPPING: asked to stop, max_runtime reached (then the exit counts as any exit), or its
   * process ended by itself and left processes behind that tsvisor stops first (stop_descendants).
   */
  stopCause: "request" | "max_runtime" | "exit" | null;
  /** How its process ended while the processes it left behind are being stopped; the exit counts once they are gone. */
  pendingExit: { status: ExitStatus; failedStart: boolean } | null;
  /** Set when tsvisor is shutting down: no exit leads to a restart any more. */
  noRestart: boolean;
  /**
   * Someone wants it up: every start sets it (autostart or by hand), a stop by hand clears it, a
   * shutdown leaves it. `tsvisor check` counts a process that is wanted up and not RUNNING.
   */
  wantedUp: boolean;
}

/** Timers a process can have armed, at most one of each. */
export type TimerName = "startsecs" | "backoff" | "stopwait" | "max_runtime";

export type ProcessEvent =
  | { type: "start" } // an operator or autostart wants it up
  | { type: "stop"; byHand?: boolean } // an operator (byHand) or shutdown wants it down
  | { type: "shutdown" } // tsvisor is going down: no more restarts
  | { type: "spawned"; pid: number }
  | { type: "spawnFailed"; error: string }
  // its process ended; `leftovers`: pids of what it left behind, to stop before the exit counts (stop_descendants)
  | { type: "exited"; status: ExitStatus; leftovers?: readonly number[]; /** the command's exec failed, in words (os/spawn.ts) */ execFailure?: string }
  | { type: "leftoversGone" } // every process it left behind has ended
  | { type: "timer"; timer: TimerName };

export type LogLevel = "debug" | "info" | "warn" | "error";

export type Action =
  | { type: "transition"; from: ProcessState; to: ProcessState }
  | { type: "spawn" }
  | { type: "signal"; signal: string; group: boolean }
  | { type: "signalLeftovers"; signal: string } // to every process the ended one left behind
  | { type: "setTimer"; timer: TimerName; ms: number }
  | { type: "cancelTimer"; timer: TimerName }
  | { type: "log"; level: LogLevel; message: string };

export interface Step {
  proc: ProcessRecord;
  actions: Action[];
}

type Handler<E extends ProcessEvent["type"]> = (
  p: ProcessRecord,
  e: Extract<ProcessEvent, { type: E }>,
  cfg: ProgramConfig,
  now: number,
) => Step;

/**
 * An edge of the state graph, in the words docs/states.md and the dashboard's help view show:
 * "FROM -> TO: cause". A row may take several hops in one event (STARTING -> BACKOFF -> FATAL).
 */
export type EdgeLabel = `${ProcessState} -> ${ProcessState}: ${string}`;

/** One row of the table: the edges its handler may take, and the handler. */
interface Row<E extends ProcessEvent["type"]> {
  edges: readonly EdgeLabel[];
  on: Handler<E>;
}
type RowTable = { [S in ProcessState]?: { [E in ProcessEvent["type"]]?: Row<E> } };

// A row: its handler, with the edges it may take written beside it (test/supervisor/state-graph.test.ts
// checks them against what the handler does, so the drawn graph cannot drift from the code).
const row = <E extends ProcessEvent["type"]>(edges: readonly EdgeLabel[], on: Handler<E>): Row<E> => ({ edges, on });

// What follows an exit from RUNNING (exitFromRunning), wherever the exit is handled.
const AFTER_EXIT: readonly EdgeLabel[] = [
  "EXITED -> STARTING: autorestart",
  "EXITED -> BACKOFF: autorestart, a second short run in a row",
];
// What follows a failed start (failStart), wherever it is noticed.
const AFTER_FAILED_START: readonly EdgeLabel[] = [
  "BACKOFF -> FATAL: startretries used up",
  "BACKOFF -> STOPPED: tsvisor is shutting down",
];

// A new process record, as tsvisor first sees a configured program.
export function newProcessRecord(name: string): ProcessRecord {
  return {
    name, state: "STOPPED", pid: null, backoff: 0, shortRuns: 0, runningAt: null, restarts: 0, startedAt: null, stoppedAt: null,
    lastExit: null, reason: null, stopCause: null, pendingExit: null, noRestart: false, wantedUp: false,
  };
}

// One row per (state, event), each with the edges it takes, labelled as supervisord labels them in
// process.py. Unlisted pairs keep the state.
const TRANSITIONS: RowTable = {
  STOPPED: {
    start: row(["STOPPED -> STARTING: start (autostart or by hand)"], (p) => startWanted(p)),
  },
  EXITED: {
    start: row(["EXITED -> STARTING: start by hand"], (p) => startWanted(p)),
  },
  FATAL: {
    start: row(["FATAL -> STARTING: start by hand"], (p) => startWanted(p)),
  },
  UNKNOWN: {
    start: row(["UNKNOWN -> STARTING: start by hand"], (p) => startWanted(p)),
  },
  STARTING: {
    spawned: row(["STARTING -> RUNNING: spawned, startsecs = 0"], (p, e, cfg, now) => {
      const armed: Action[] = [log("info", `spawned: ${p.name} (pid ${e.pid})`)];
      if (cfg.max_runtime !== null) armed.push(setTimer("max_runtime", cfg.max_runtime * 1000));
      const started = { ...p, pid: e.pid, startedAt: now };
      if (cfg.startsecs === 0) return to("RUNNING", started, { backoff: 0, runningAt: now }, [runningLog(p, cfg)], armed);
      return { proc: started, actions: [...armed, setTimer("startsecs", cfg.startsecs * 1000)] };
    }),
    spawnFailed: row(["STARTING -> BACKOFF: could not be executed", ...AFTER_FAILED_START], (p, e, cfg) =>
      failStart(p, cfg, `spawn error: ${e.error}`, [log("error", `spawnerr: ${p.name}: ${e.error}`)])),
    timer: row(["STARTING -> RUNNING: stayed up startsecs", "STARTING -> STOPPING: max_runtime reached"], (p, e, cfg, now) => {
      if (e.timer === "startsecs") return to("RUNNING", p, { backoff: 0, runningAt: now }, [runningLog(p, cfg)]);
      if (e.timer === "max_runtime") return beginStop(p, cfg, "max_runtime");
      return ignored(p, e);
    }),
    exited: row([
      "STARTING -> STOPPING: ended, leaving processes behind",
      "STARTING -> BACKOFF: exited before startsecs", ...AFTER_FAILED_START,
      // the exit can arrive before the startsecs timer fires although startsecs has passed
      "STARTING -> RUNNING: stayed up startsecs", "RUNNING -> EXITED: exited", ...AFTER_EXIT,
    ], (p, e, cfg, now) => {
      // an exec that failed after the spawn returned: a spawn error, as one found before it is
      if (e.execFailure !== undefined) return failStart(p, cfg, `spawn error: ${e.execFailure}`, [...cancel("startsecs", "max_runtime"), log("error", `spawnerr: ${p.name}: ${e.execFailure}`)]);
      const failedStart = p.startedAt === null || now - p.startedAt < cfg.startsecs * 1000;
      if (e.leftovers?.length) return stopLeftovers(p, e.status, e.leftovers, failedStart, cfg, cancel("startsecs", "max_runtime"));
      return exitWhileStarting(p, e.status, failedStart, cfg, now, cancel("startsecs", "max_runtime"));
    }),
    stop: row(["STARTING -> STOPPING: stop"], (p, e, cfg) => beginStop(p, cfg, "request", wantedAfterStop(p, e))),
    shutdown: row([], (p) => ({ proc: { ...p, noRestart: true }, actions: [] })),
  },
  RUNNING: {
    exited: row(["RUNNING -> STOPPING: ended, leaving processes behind", "RUNNING -> EXITED: exited", ...AFTER_EXIT], (p, e, cfg, now) => {
      // startsecs = 0 made it RUNNING before its exec failed: the exit goes on as any, with the reason logged
      const said = e.execFailure === undefined ? [] : [log("error", `spawnerr: ${p.name}: ${e.execFailure}`)];
      return e.leftovers?.length
        ? stopLeftovers(p, e.status, e.leftovers, false, cfg, [...said, ...cancel("max_runtime")])
        : exitFromRunning(p, e.status, cfg, now, [...said, ...cancel("max_runtime")]);
    }),
    stop: row(["RUNNING -> STOPPING: stop"], (p, e, cfg) => beginStop(p, cfg, "request", wantedAfterStop(p, e))),
    timer: row(["RUNNING -> STOPPING: max_runtime reached"], (p, e, cfg) => {
      if (e.timer !== "max_runtime") return ignored(p, e);
      const step = beginStop(p, cfg, "max_runtime");
      return { proc: step.proc, actions: [log("info", `max_runtime: ${p.name} ran for ${cfg.max_runtime}s; stopping it`), ...step.actions] };
    }),
    shutdown: row([], (p) => ({ proc: { ...p, noRestart: true }, actions: [] })),
  },
  BACKOFF: {
    timer: row(["BACKOFF -> STARTING: the retry delay has passed"], (p, e) =>
      (e.timer === "backoff" ? startSpawn(p, { restarts: p.restarts + 1, reason: p.reason }) : ignored(p, e))),
    stop: row(["BACKOFF -> STOPPED: stop"], (p, e, _cfg, now) => to("STOPPED", p, { stoppedAt: now, wantedUp: wantedAfterStop(p, e) }, cancel("backoff"))),
    shutdown: row(["BACKOFF -> STOPPED: tsvisor is shutting down"], (p, _e, _cfg, now) => to("STOPPED", p, { noRestart: true, stoppedAt: now }, cancel("backoff"))),
  },
  STOPPING: {
    // an exit that leaves processes behind keeps it STOPPING: they get the stop signal and stopwaitsecs of their own
    exited: row(["STOPPING -> STOPPED: stopped", "STOPPING -> EXITED: the stop for max_runtime ended", ...AFTER_EXIT], (p, e, cfg, now) => {
      if (e.leftovers?.length) return stopLeftovers(p, e.status, e.leftovers, false, cfg, cancel("stopwait"));
      return settleStop(p, e.status, false, cfg, now, cancel("stopwait"));
    }),
    // the processes it left behind are gone: now its exit counts
    leftoversGone: row([
      "STOPPING -> STOPPED: stopped", "STOPPING -> EXITED: what it left behind is gone", ...AFTER_EXIT,
      "STOPPING -> BACKOFF: what a failed start left behind is gone", ...AFTER_FAILED_START,
    ], (p, e, cfg, now) => {
      if (p.pendingExit === null) return ignored(p, e);
      const { status, failedStart } = p.pendingExit;
      return settleStop({ ...p, pendingExit: null }, status, failedStart, cfg, now, cancel("stopwait"));
    }),
    timer: row([], (p, e, cfg) => {
      if (e.timer !== "stopwait") return ignored(p, e);
      if (p.pid === null) {
        // its own process has ended; what it left behind has not: SIGKILL, again every stopwaitsecs
        return {
          proc: p,
          actions: [
            log("warn", `killing: what ${p.name} left behind with SIGKILL, still running ${cfg.stopwaitsecs}s after SIG${cfg.stopsignal}`),
            { type: "signalLeftovers", signal: "KILL" },
            setTimer("stopwait", cfg.stopwaitsecs * 1000),
          ],
        };
      }
      // still STOPPING: escalate to SIGKILL, and again every stopwaitsecs until the exit arrives
      return {
        proc: p,
        actions: [
          log("warn", `killing: ${p.name} (pid ${p.pid}) with SIGKILL, still running ${cfg.stopwaitsecs}s after SIG${cfg.stopsignal}`),
          { type: "signal", signal: "KILL", group: cfg.killasgroup },
          setTimer("stopwait", cfg.stopwaitsecs * 1000),
        ],
      };
    }),
    // still STOPPING, now on request: the exit ends in STOPPED even when max_runtime began the stop
    stop: row([], (p, e) => ({ proc: { ...p, stopCause: "request", wantedUp: wantedAfterStop(p, e) }, actions: [] })),
    shutdown: row([], (p) => ({ proc: { ...p, noRestart: true }, actions: [] })),
  },
};

/** An edge of the state graph: a hop `from` -> `to` that the row (`state`, `event`) may take, and why. */
export interface StateEdge {
  state: ProcessState;
  event: ProcessEvent["type"];
  from: ProcessState;
  to: ProcessState;
  cause: string;
}

/** Every edge the table declares, row by row in table order: what docs/states.md draws. */
export const STATE_EDGES: readonly StateEdge[] = Object.entries(TRANSITIONS).flatMap(([state, rows]) =>
  Object.entries(rows as Record<string, Row<ProcessEvent["type"]>>).flatMap(([event, r]) => r.edges.map((label) => {
    const [, from, to, cause] = /^(\S+) -> (\S+): (.+)$/.exec(label)!;
    return { state: state as ProcessState, event: event as ProcessEvent["type"], from: from as ProcessState, to: to as ProcessState, cause: cause! };
  })));

// An event that has no meaning in this state: keep the state, leave a trace for debugging.
function ignored(p: ProcessRecord, e: ProcessEvent): Step {
  const what = e.type === "timer" ? `timer ${e.timer}` : e.type;
  return { proc: p, actions: [log("debug", `ignored: ${what} for ${p.name} in ${p.state}`)] };
}

// Feed one event to one process.
export function step(p: ProcessRecord, e: ProcessEvent, cfg: ProgramConfig, now: number): Step {
  const handler = TRANSITIONS[p.state]?.[e.type]?.on as Handler<typeof e.type> | undefined;
  return handler ? handler(p, e as never, cfg, now) : ignored(p, e);
}

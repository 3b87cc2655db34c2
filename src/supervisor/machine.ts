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
  | { type: "exited"; status: ExitStatus; leftovers?: readonly number[] }
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
type HandlerTable = { [S in ProcessState]?: { [E in ProcessEvent["type"]]?: Handler<E> } };

// A new process record, as tsvisor first sees a configured program.
export function newProcessRecord(name: string): ProcessRecord {
  return {
    name, state: "STOPPED", pid: null, backoff: 0, shortRuns: 0, runningAt: null, restarts: 0, startedAt: null, stoppedAt: null,
    lastExit: null, reason: null, stopCause: null, pendingExit: null, noRestart: false, wantedUp: false,
  };
}

// One row per edge, labelled as supervisord labels them in process.py. Unlisted pairs keep the state.
const TRANSITIONS: HandlerTable = {
  STOPPED: {
    // STOPPED -> STARTING
    start: (p) => startWanted(p),
  },
  EXITED: {
    // EXITED -> STARTING (by hand)
    start: (p) => startWanted(p),
  },
  FATAL: {
    // FATAL -> STARTING (by hand)
    start: (p) => startWanted(p),
  },
  UNKNOWN: {
    start: (p) => startWanted(p),
  },
  STARTING: {
    spawned: (p, e, cfg, now) => {
      const armed: Action[] = [log("info", `spawned: ${p.name} (pid ${e.pid})`)];
      if (cfg.max_runtime !== null) armed.push(setTimer("max_runtime", cfg.max_runtime * 1000));
      const started = { ...p, pid: e.pid, startedAt: now };
      // STARTING -> RUNNING at once when startsecs = 0
      if (cfg.startsecs === 0) return to("RUNNING", started, { backoff: 0, runningAt: now }, [runningLog(p, cfg)], armed);
      return { proc: started, actions: [...armed, setTimer("startsecs", cfg.startsecs * 1000)] };
    },
    // STARTING -> BACKOFF: the program could not be executed at all
    spawnFailed: (p, e, cfg) =>
      failStart(p, cfg, `spawn error: ${e.error}`, [log("error", `spawnerr: ${p.name}: ${e.error}`)]),
    // STARTING -> RUNNING: stayed up for startsecs
    timer: (p, e, cfg, now) => {
      if (e.timer === "startsecs") return to("RUNNING", p, { backoff: 0, runningAt: now }, [runningLog(p, cfg)]);
      if (e.timer === "max_runtime") return beginStop(p, cfg, "max_runtime");
      return ignored(p, e);
    },
    exited: (p, e, cfg, now) => {
      // The exit can arrive before the startsecs timer fires although startsecs has passed.
      const failedStart = p.startedAt === null || now - p.startedAt < cfg.startsecs * 1000;
      // STARTING -> STOPPING: it left processes behind; they go first
      if (e.leftovers?.length) return stopLeftovers(p, e.status, e.leftovers, failedStart, cfg, cancel("startsecs", "max_runtime"));
      return exitWhileStarting(p, e.status, failedStart, cfg, now, cancel("startsecs", "max_runtime"));
    },
    // STARTING -> STOPPING
    stop: (p, e, cfg) => beginStop(p, cfg, "request", wantedAfterStop(p, e)),
    shutdown: (p) => ({ proc: { ...p, noRestart: true }, actions: [] }),
  },
  RUNNING: {
    exited: (p, e, cfg, now) =>
      e.leftovers?.length
        // RUNNING -> STOPPING: it left processes behind; they go first
        ? stopLeftovers(p, e.status, e.leftovers, false, cfg, cancel("max_runtime"))
        // RUNNING -> EXITED (-> STARTING when autorestart applies)
        : exitFromRunning(p, e.status, cfg, now, cancel("max_runtime")),
    // RUNNING -> STOPPING
    stop: (p, e, cfg) => beginStop(p, cfg, "request", wantedAfterStop(p, e)),
    // RUNNING -> STOPPING: max_runtime reached
    timer: (p, e, cfg) => {
      if (e.timer !== "max_runtime") return ignored(p, e);
      const step = beginStop(p, cfg, "max_runtime");
      return { proc: step.proc, actions: [log("info", `max_runtime: ${p.name} ran for ${cfg.max_runtime}s; stopping it`), ...step.actions] };
    },
    shutdown: (p) => ({ proc: { ...p, noRestart: true }, actions: [] }),
  },
  BACKOFF: {
    // BACKOFF -> STARTING: the retry delay has passed
    timer: (p, e) => (e.timer === "backoff" ? startSpawn(p, { restarts: p.restarts + 1, reason: p.reason }) : ignored(p, e)),
    // BACKOFF -> STOPPED
    stop: (p, e, _cfg, now) => to("STOPPED", p, { stoppedAt: now, wantedUp: wantedAfterStop(p, e) }, cancel("backoff")),
    shutdown: (p, _e, _cfg, now) => to("STOPPED", p, { noRestart: true, stoppedAt: now }, cancel("backoff")),
  },
  STOPPING: {
    exited: (p, e, cfg, now) => {
      // still STOPPING: it left processes behind, which get the stop signal and stopwaitsecs of their own
      if (e.leftovers?.length) return stopLeftovers(p, e.status, e.leftovers, false, cfg, cancel("stopwait"));
      return settleStop(p, e.status, false, cfg, now, cancel("stopwait"));
    },
    // the processes it left behind are gone: now its exit counts
    leftoversGone: (p, e, cfg, now) => {
      if (p.pendingExit === null) return ignored(p, e);
      const { status, failedStart } = p.pendingExit;
      return settleStop({ ...p, pendingExit: null }, status, failedStart, cfg, now, cancel("stopwait"));
    },
    timer: (p, e, cfg) => {
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
    },
    // still STOPPING, now on request: the exit ends in STOPPED even when max_runtime began the stop
    stop: (p, e) => ({ proc: { ...p, stopCause: "request", wantedUp: wantedAfterStop(p, e) }, actions: [] }),
    shutdown: (p) => ({ proc: { ...p, noRestart: true }, actions: [] }),
  },
};

// An event that has no meaning in this state: keep the state, leave a trace for debugging.
function ignored(p: ProcessRecord, e: ProcessEvent): Step {
  const what = e.type === "timer" ? `timer ${e.timer}` : e.type;
  return { proc: p, actions: [log("debug", `ignored: ${what} for ${p.name} in ${p.state}`)] };
}

// Feed one event to one process.
export function step(p: ProcessRecord, e: ProcessEvent, cfg: ProgramConfig, now: number): Step {
  const handler = TRANSITIONS[p.state]?.[e.type] as Handler<typeof e.type> | undefined;
  return handler ? handler(p, e as never, cfg, now) : ignored(p, e);
}

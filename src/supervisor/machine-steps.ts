// The moves the machine's table (machine.ts) is made of: pure functions of a process record that
// return the next record and the actions, each labelled with the edge it takes. Kept apart from the
// table so that the table reads as one row per edge.
import type { ProgramConfig } from "../config/schema.ts";
import { backoffDelayMs, hasUsedUpRetries, isExpectedExit, shouldRestart } from "./backoff.ts";
import { describeExit, type ExitStatus } from "./exit-status.ts";
import type { Action, LogLevel, ProcessRecord, Step, TimerName } from "./machine.ts";
import { countOf } from "../plural.ts";
import type { ProcessState } from "./states.ts";

// Action helpers.
export const log = (level: LogLevel, message: string): Action => ({ type: "log", level, message });
export const setTimer = (timer: TimerName, ms: number): Action => ({ type: "setTimer", timer, ms });
export const cancel = (...timers: TimerName[]): Action[] => timers.map((timer) => ({ type: "cancelTimer", timer }));
const spawn: Action = { type: "spawn" };

// Move to `state`, recording the edge as an action so logs and events see every hop.
export function to(state: ProcessState, p: ProcessRecord, changes: Partial<ProcessRecord>, actions: Action[], prior: Action[] = []): Step {
  return {
    proc: { ...p, ...changes, state },
    actions: [...prior, { type: "transition", from: p.state, to: state }, ...actions],
  };
}

// Chain a second step after a first (e.g. EXITED -> STARTING in one event).
function then(first: Step, next: (p: ProcessRecord) => Step): Step {
  const second = next(first.proc);
  return { proc: second.proc, actions: [...first.actions, ...second.actions] };
}

// X -> STARTING: ask for a spawn; the outcome arrives as `spawned` or `spawnFailed`.
export const startSpawn = (p: ProcessRecord, changes: Partial<ProcessRecord> = {}): Step =>
  to("STARTING", p, { reason: null, stopCause: null, ...changes }, [spawn]);

// A start by anyone: the process is wanted up from now on, and the back-off starts over.
export const startWanted = (p: ProcessRecord): Step => startSpawn(p, { backoff: 0, shortRuns: 0, noRestart: false, wantedUp: true });

// A stop by hand means "keep it down" to `check`; a stop by shutdown does not change what is wanted.
export const wantedAfterStop = (p: ProcessRecord, e: { byHand?: boolean }): boolean => (e.byHand ? false : p.wantedUp);

// STARTING/RUNNING -> STOPPING: send stopsignal and give the process stopwaitsecs to go.
export const beginStop = (p: ProcessRecord, cfg: ProgramConfig, cause: "request" | "max_runtime", wantedUp = p.wantedUp): Step =>
  to("STOPPING", p, { stopCause: cause, wantedUp }, [
    ...cancel("startsecs", "max_runtime"),
    log("debug", `stopping: ${p.name} (pid ${p.pid}) with SIG${cfg.stopsignal}`),
    { type: "signal", signal: cfg.stopsignal, group: cfg.stopasgroup },
    setTimer("stopwait", cfg.stopwaitsecs * 1000),
  ]);

// A failed start: STARTING -> BACKOFF, then BACKOFF -> FATAL when the retries are used up.
export function failStart(p: ProcessRecord, cfg: ProgramConfig, reason: string, prior: Action[]): Step {
  const backoff = p.backoff + 1;
  const shortRuns = p.shortRuns + 1;
  const backedOff = to("BACKOFF", p, { pid: null, backoff, shortRuns, reason }, [], prior);
  if (p.noRestart) return then(backedOff, (q) => to("STOPPED", q, {}, []));
  if (hasUsedUpRetries(backoff, cfg.startretries)) {
    // BACKOFF -> FATAL: too many start retries too quickly
    return then(backedOff, (q) =>
      to("FATAL", q, { reason: `${reason}; gave up after ${countOf(backoff, "attempt")}` }, [
        log("error", `gave up: ${p.name} entered FATAL state, too many start retries too quickly`),
      ]),
    );
  }
  const delay = backoffDelayMs(shortRuns, cfg);
  const attempts = cfg.startretries === "unlimited" ? ", startretries unlimited" : ` of ${cfg.startretries + 1}`;
  return {
    proc: backedOff.proc,
    actions: [
      ...backedOff.actions,
      log("info", `backoff: ${p.name} will retry in ${delay / 1000}s (attempt ${backoff + 1}${attempts})`),
      setTimer("backoff", delay),
    ],
  };
}

// A run that ended sooner than backoff_reset after RUNNING is short (backoff.ts); one that never got there too.
const isShortRun = (p: ProcessRecord, cfg: ProgramConfig, now: number): boolean =>
  p.runningAt === null || now - p.runningAt < cfg.backoff_reset * 1000;

// RUNNING -> EXITED, then EXITED -> STARTING when autorestart says so: at once after a long run or
// the first short one, through BACKOFF when the run before was short too (a crash loop is paced).
// `cause` is tsvisor's own stop (max_runtime): never a short run.
export function exitFromRunning(p: ProcessRecord, status: ExitStatus, cfg: ProgramConfig, now: number, prior: Action[], cause?: string): Step {
  const expected = isExpectedExit(status, cfg.exitcodes);
  const reason = `${cause ? `${cause}: ` : ""}${describeExit(status)}; ${expected ? "expected" : "not expected"}`;
  const shortRuns = cause === undefined && isShortRun(p, cfg, now) ? p.shortRuns + 1 : 0;
  const exited = to("EXITED", p, { pid: null, backoff: 0, shortRuns, runningAt: null, lastExit: status, reason, stopCause: null, stoppedAt: now },
    [log(expected ? "info" : "warn", `exited: ${p.name} (${reason})`)], prior);
  if (p.noRestart || !shouldRestart(cfg.autorestart, expected)) return exited;
  const delay = backoffDelayMs(shortRuns - 1, cfg);
  if (delay === 0) return then(exited, (q) => startSpawn(q, { restarts: q.restarts + 1, reason }));
  // EXITED -> BACKOFF: it ran less than backoff_reset, and so did the run before
  return then(exited, (q) => to("BACKOFF", q, {}, [
    log("warn", `backoff: ${p.name} exited ${shortRuns} times in a row within ${cfg.backoff_reset}s of RUNNING; restarting in ${delay / 1000}s`),
    setTimer("backoff", delay),
  ]));
}

// X -> STOPPING (or still STOPPING): the process ended and left `leftovers` behind; they get the stop
// signal and stopwaitsecs, then SIGKILL, and the exit counts once they are gone (leftoversGone).
export function stopLeftovers(p: ProcessRecord, status: ExitStatus, leftovers: readonly number[], failedStart: boolean, cfg: ProgramConfig, prior: Action[]): Step {
  const changes: Partial<ProcessRecord> = { pid: null, pendingExit: { status, failedStart }, stopCause: p.state === "STOPPING" ? p.stopCause : "exit" };
  const actions: Action[] = [
    log("info", `stopping: ${p.name} ended (${describeExit(status)}) and left ${countOf(leftovers.length, "process", "processes")} behind (pid ${leftovers.join(" ")}); sending SIG${cfg.stopsignal}`),
    { type: "signalLeftovers", signal: cfg.stopsignal },
    setTimer("stopwait", cfg.stopwaitsecs * 1000),
  ];
  if (p.state === "STOPPING") return { proc: { ...p, ...changes }, actions: [...prior, ...actions] };
  return to("STOPPING", p, changes, actions, prior);
}

// The exit of a STOPPING process counts: STOPPED after a stop request; after tsvisor's own stop
// (max_runtime) or an exit by itself, as any exit.
export function settleStop(p: ProcessRecord, status: ExitStatus, failedStart: boolean, cfg: ProgramConfig, now: number, prior: Action[]): Step {
  // max_runtime: the stop was ours, not the user's, so the exit is handled like any other
  if (p.stopCause === "max_runtime") return exitFromRunning(p, status, cfg, now, prior, `max_runtime (${cfg.max_runtime}s) reached`);
  // STOPPING -> EXITED or BACKOFF: it had ended by itself, as if its leftovers had never been
  if (p.stopCause === "exit") return failedStart ? failEarly(p, status, cfg, now, prior) : exitFromRunning(p, status, cfg, now, prior);
  // STOPPING -> STOPPED
  return to("STOPPED", p, { pid: null, runningAt: null, lastExit: status, reason: describeExit(status), stopCause: null, stoppedAt: now },
    [log("info", `stopped: ${p.name} (${describeExit(status)})`)], prior);
}

// STARTING: an exit after startsecs is RUNNING then EXITED; before it, a failed start.
export function exitWhileStarting(p: ProcessRecord, status: ExitStatus, failedStart: boolean, cfg: ProgramConfig, now: number, prior: Action[]): Step {
  if (failedStart) return failEarly(p, status, cfg, now, prior);
  return exitFromRunning({ ...p, state: "RUNNING", runningAt: p.startedAt! + cfg.startsecs * 1000 }, status, cfg, now, [
    ...prior,
    { type: "transition", from: "STARTING", to: "RUNNING" },
    runningLog(p, cfg),
  ]);
}

// -> BACKOFF: exited too quickly
function failEarly(p: ProcessRecord, status: ExitStatus, cfg: ProgramConfig, now: number, prior: Action[]): Step {
  const reason = `${describeExit(status)}; not expected`;
  return failStart({ ...p, lastExit: status, stoppedAt: now, stopCause: null }, cfg, reason, [...prior, log("warn", `exited: ${p.name} (${reason})`)]);
}

export const runningLog = (p: ProcessRecord, cfg: ProgramConfig): Action =>
  log("info", `success: ${p.name} entered RUNNING state, process has stayed up for > than ${cfg.startsecs} seconds (startsecs)`);

// Drives the machine: feeds events to step() one at a time and performs the actions it returns
// (spawn, signal, timers, log lines, transitions for the listeners). The only place that does.
import type { ConsolaInstance } from "consola";
import type { ProcessSpec } from "../config/schema.ts";
import { ProcessLogs } from "../logs/capture.ts";
import { sendSignal } from "../os/kill.ts";
import { setLongTimeout } from "../os/long-timer.ts";
import { collectSpawnGarbage } from "../os/spawn-garbage.ts";
import { spawnChild } from "../os/spawn.ts";
import { withCurrentGroups } from "../os/users.ts";
import { hasEndedForGood } from "./critical.ts";
import { exitedWith, killedBy } from "./exit-status.ts";
import { recordStep } from "./history-recorder.ts";
import { LEFTOVER_GIVE_UP_MS, Leftovers, spawnMark } from "./leftovers.ts";
import type { Output, SupervisorListeners } from "./listeners.ts";
import { logOptionsFor } from "./log-options.ts";
import { step, type Action, type ProcessEvent, type ProcessRecord } from "./machine.ts";
import type { Managed } from "./managed.ts";
import { programEnvironment } from "./program-environment.ts";
import type { ProcessState } from "./states.ts";

// How often the processes a program left behind are looked at while they are being stopped.
const LEFTOVER_POLL_MS = 50;

export interface DriverOptions {
  logger: ConsolaInstance;
  /** tsvisor's own environment, under each program's `environment`. */
  env: Record<string, string | undefined>;
  now: () => number;
  listeners: SupervisorListeners;
  /** A process ended for good: FATAL, or EXITED with no restart coming. */
  onEndedForGood?: (spec: ProcessSpec, record: ProcessRecord) => void;
}

export class ProcessDriver {
  private readonly queue: [Managed, ProcessEvent][] = [];
  private draining = false;

  constructor(private readonly options: DriverOptions) {}

  // Events are queued and handled one at a time: an action (a spawn) may produce a new event
  // (spawned) while the actions of the previous one are still being performed.
  dispatch(m: Managed, event: ProcessEvent): void {
    this.queue.push([m, event]);
    if (this.draining) return;
    this.draining = true;
    const ended: Managed[] = [];
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) {
        const [target, ev] = next;
        const before = target.record;
        const now = this.options.now();
        const result = step(before, ev, target.spec.program, now);
        target.pidBefore = before.pid;
        target.record = result.proc;
        recordStep(target, ev, before, result, now);
        if (hasEndedForGood(before.state, result.proc)) ended.push(target);
        for (const action of result.actions) this.perform(target, action);
      }
    } finally {
      this.draining = false;
    }
    this.options.listeners.notifyChange();
    for (const m of ended) this.options.onEndedForGood?.(m.spec, m.record);
  }

  private perform(m: Managed, action: Action): void {
    const log = this.options.logger;
    switch (action.type) {
      case "transition":
        this.notifyTransition(m, action.from, action.to);
        return log.debug(`${m.spec.name}: ${action.from} -> ${action.to}`);
      case "log":
        return log[action.level](action.message);
      case "spawn":
        return this.spawn(m);
      case "signal":
        if (m.record.pid !== null) sendSignal(m.record.pid, action.signal, action.group);
        return;
      case "signalLeftovers":
        m.leftovers?.signal(action.signal);
        return this.watchLeftovers(m);
      case "setTimer":
        return m.timers.set(action.timer, action.ms, () => this.dispatch(m, { type: "timer", timer: action.timer }));
      case "cancelTimer":
        return m.timers.cancel(action.timer);
      default:
        return action satisfies never;
    }
  }

  private notifyTransition(m: Managed, from: ProcessState, to: ProcessState): void {
    const { record: r, spec } = m;
    this.options.listeners.notifyTransition({
      name: spec.name, group: spec.group, from, to, pid: r.pid, previousPid: m.pidBefore ?? null,
      lastExit: r.lastExit, reason: r.reason, exitcodes: spec.program.exitcodes, backoff: r.backoff,
    });
  }

  // What the process `pid` of `m` left behind (it led its own session), tracked until they are gone;
  // nothing when the program keeps them (stop_descendants = false).
  private leftoversOf(m: Managed, pid: number): number[] {
    if (!m.spec.program.stop_descendants || m.spawnMark === undefined) return [];
    const { credentials, program } = m.spec;
    const marks = { session: pid, mark: m.spawnMark, uid: credentials?.uid ?? process.getuid!() };
    // stopwaitsecs after the stop signal comes SIGKILL; what still runs LEFTOVER_GIVE_UP_MS after that is let be
    const leftovers = new Leftovers(marks, Date.now() + program.stopwaitsecs * 1000 + LEFTOVER_GIVE_UP_MS);
    if (leftovers.refresh() === 0) return [];
    m.leftovers = leftovers;
    return leftovers.pids;
  }

  // Until what a process left behind is gone: a look every LEFTOVER_POLL_MS (a descendant's end
  // reaches tsvisor as a SIGCHLD only when it was re-parented to it), then leftoversGone.
  private watchLeftovers(m: Managed): void {
    if (m.leftoversWatch) return;
    const look = () => {
      const left = m.leftovers;
      if (left !== undefined && left.refresh() > 0) {
        if (Date.now() < left.giveUpAt) {
          m.leftoversWatch = setLongTimeout(look, LEFTOVER_POLL_MS);
          return;
        }
        // a program of the same user can make new ones as fast as they are killed: never wait forever
        this.options.logger.warn(`giving up: what ${m.spec.name} left behind is still running after SIGKILL (pid ${left.pids.join(" ")}); ` +
          `its exit counts now, and they are stopped when tsvisor exits`);
      }
      m.leftovers = undefined;
      m.leftoversWatch = undefined;
      this.dispatch(m, { type: "leftoversGone" });
    };
    m.leftoversWatch = setLongTimeout(look, LEFTOVER_POLL_MS);
  }

  // Output lines of the streams whose events the program enabled, to the output listeners.
  private outputTap(m: Managed): ((stream: "stdout" | "stderr", lines: Uint8Array) => void) | undefined {
    const { stdout_events_enabled: out, stderr_events_enabled: err } = m.spec.program;
    if (!out && !err) return undefined;
    return (stream, lines) => {
      if (!(stream === "stdout" ? out : err)) return;
      const o: Output = { name: m.spec.name, group: m.spec.group, pid: m.record.pid ?? m.pidBefore ?? null, stream, lines };
      this.options.listeners.notifyOutput(o);
    };
  }

  private spawn(m: Managed): void {
    const { spec } = m;
    try {
      m.spawnMark = spawnMark();
      const child = spawnChild({
        argv: spec.program.command,
        cwd: spec.program.directory,
        env: programEnvironment(this.options.env, spec, m.spawnMark),
        credentials: withCurrentGroups(spec.credentials),
        umask: spec.program.umask,
        output: "pipe",
        mergeStderr: spec.program.redirect_stderr,
        onExit: (code, signal, execFailure) => {
          // An exit for a pid we no longer track (cannot happen while spawns are sequential) is dropped.
          if (m.record.pid !== child.pid) return this.options.logger.debug(`ignored exit of old pid ${child.pid}`);
          m.health?.end();
          // Its last lines are in the pipes already: shown before the `exited:`/`stopped:` line.
          m.logs?.readPending();
          const status = signal !== null ? killedBy(signal) : exitedWith(code ?? 0);
          this.dispatch(m, { type: "exited", status, leftovers: this.leftoversOf(m, child.pid), ...(execFailure === undefined ? {} : { execFailure }) });
        },
      });
      m.logs ??= new ProcessLogs(logOptionsFor(spec, this.options.logger, this.outputTap(m)));
      m.logs.capture(child.pid, child.stdout, child.stderr);
      this.dispatch(m, { type: "spawned", pid: child.pid });
      m.health?.begin(); // the spawned event may still be queued: the process exists either way
      collectSpawnGarbage();
    } catch (error) {
      this.dispatch(m, { type: "spawnFailed", error: (error as Error).message });
    }
  }
}

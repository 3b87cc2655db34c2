// The imperative shell around machine.ts: owns every process record and its timers, feeds events to
// step() one at a time, and performs the actions step() returns (spawn, signal, timers, log lines).
import type { ConsolaInstance } from "consola";
import type { Config, ProcessSpec } from "../config/schema.ts";
import { HealthMonitor } from "../health/monitor.ts";
import type { HealthStatus } from "../health/health-state.ts";
import { ProcessLogs } from "../logs/capture.ts";
import { sendSignal } from "../os/kill.ts";
import { normalizeSignalName } from "../os/signals.ts";
import { CLOCK_TICKS_PER_SECOND, pageSize, readTreeStats, sumTrees } from "../os/proc-tree.ts";
import { spawnChild } from "../os/spawn.ts";
import { hasEndedForGood } from "./critical.ts";
import { exitedWith, killedBy, type ExitStatus } from "./exit-status.ts";
import { logOptionsFor } from "./log-options.ts";
import { newProcessRecord, step, type Action, type ProcessEvent, type ProcessRecord, type TimerName } from "./machine.ts";
import { isOffender, resolveNames, type Fault, type NameResolution, type Outcome } from "./operator.ts";
import { startOrder, stopBatches, withDependencies } from "./order.ts";
import { type ReloadDiff, diffProcesses } from "./reload-diff.ts";
import { RUNNING_STATES, SIGNALLABLE_STATES, STOPPED_STATES, type ProcessState } from "./states.ts";
import { describeBytes, nextUsage, type Usage } from "./usage.ts";

interface Managed {
  spec: ProcessSpec;
  record: ProcessRecord;
  timers: Map<TimerName, Timer>;
  /** Its log files and console mirror, from the first spawn on (kept open across restarts). */
  logs?: ProcessLogs;
  /** Its health check, when it has one (probes only while a process lives). */
  health?: HealthMonitor;
  /** CPU and memory of its process tree at the last sample; null before the first or with no process. */
  usage: Usage | null;
  /** Why tsvisor last restarted it on its own (unhealthy, max_memory); null when it never did. */
  restartedBecause: string | null;
  /** A restart for a limit is under way: a second reason waits for it. */
  restarting: boolean;
  /** Process names of every instance of the programs in its depends_on. */
  dependsOn: string[];
  /** A start is waiting for its dependencies to be ready. */
  awaitingDependencies: boolean;
  /** The pid before the event being handled: the process that just ended, for transition listeners. */
  pidBefore?: number | null;
}

/** Whole lines a process wrote, for PROCESS_LOG_* events. */
export interface Output {
  name: string;
  group: string;
  pid: number | null;
  stream: "stdout" | "stderr";
  lines: Uint8Array;
}

/** A process's health check turned it healthy or unhealthy, for event builders (src/events/). */
export interface HealthChange {
  name: string;
  group: string;
  pid: number | null;
  state: ProcessState;
  status: "healthy" | "unhealthy";
  /** What the last failed probe said; null once healthy. */
  error: string | null;
}

/** One state change of one process, for event builders (src/events/). */
export interface Transition {
  name: string;
  group: string;
  from: ProcessState;
  to: ProcessState;
  /** The pid after the whole step, and the one before it (the process that just ended). */
  pid: number | null;
  previousPid: number | null;
  lastExit: ExitStatus | null;
  reason: string | null;
  exitcodes: readonly number[];
  /** Failed starts in a row (supervisord's `tries`). */
  backoff: number;
}

/** A process record as `status` shows it. */
export type ProcessSnapshot = ProcessRecord & {
  /** Output lines lost to a full or failing disk or a console reader too far behind. */
  droppedLogLines: number;
};

// How long shutdown waits for the last output of stopped programs (a grandchild may hold a pipe open).
const LOG_DRAIN_TIMEOUT_MS = 2000;

export interface SupervisorOptions {
  logger: ConsolaInstance;
  /** tsvisor's own environment, under each program's `environment`. */
  env: Record<string, string | undefined>;
  /** Wall clock in ms; injectable so that a test can name the time. */
  now?: () => number;
  /** A process ended for good: FATAL, or EXITED with no restart coming (the daemon acts on `critical`). */
  onEndedForGood?: (spec: ProcessSpec, record: ProcessRecord) => void;
}

export class Supervisor {
  private readonly procs = new Map<string, Managed>();
  private readonly queue: [Managed, ProcessEvent][] = [];
  private draining = false;
  private readonly changeListeners = new Set<() => void>();
  private readonly transitionListeners = new Set<(t: Transition) => void>();
  private readonly outputListeners = new Set<(o: Output) => void>();
  private readonly healthListeners = new Set<(h: HealthChange) => void>();
  private readonly now: () => number;
  /** Set by shutdown(): no operator start and no reload starts anything any more. */
  private shuttingDown = false;
  private readonly sampleIntervalMs: number;
  private sampler: Timer | undefined;

  constructor(config: Config, private readonly options: SupervisorOptions) {
    this.now = options.now ?? Date.now;
    this.sampleIntervalMs = config.supervisor.sample_interval * 1000;
    for (const spec of config.processes) this.procs.set(spec.name, this.manage(spec, config.processes));
  }

  // A process tsvisor has not run yet, with the instances its depends_on names and its health check.
  private manage(spec: ProcessSpec, processes: readonly ProcessSpec[]): Managed {
    const m: Managed = {
      spec, record: newProcessRecord(spec.name), timers: new Map(), usage: null, restartedBecause: null, restarting: false,
      dependsOn: dependencyNames(spec, processes), awaitingDependencies: false,
    };
    if (spec.program.healthcheck) m.health = this.healthMonitor(m, spec.program.healthcheck);
    return m;
  }

  /**
   * Start every autostart process and what it depends on, lowest priority first (without waiting for
   * each to be RUNNING, as supervisord), except that a program with depends_on waits for its dependencies.
   */
  startAll(): void {
    const autostart = [...this.procs.values()].filter((m) => m.spec.program.autostart).map((m) => m.spec.name);
    const all = [...this.procs.values()].map(asPrioritised);
    for (const { managed } of startOrder(withDependencies(autostart, all))) void this.startAfterDependencies(managed, false);
    if (this.sampleIntervalMs > 0) this.sampler = setInterval(() => this.sampleResources(), this.sampleIntervalMs);
  }

  /** A snapshot of every process record, in config order. */
  snapshot(): ProcessSnapshot[] {
    return [...this.procs.values()].map((m) => ({ ...m.record, droppedLogLines: m.logs?.droppedLines ?? 0 }));
  }

  /** The spec of every process, in config order (the reloaded config's after a reload). */
  specs(): ProcessSpec[] {
    return [...this.procs.values()].map((m) => m.spec);
  }

  /** Call `listener` after every processed event (a process may have changed state); returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => void this.changeListeners.delete(listener);
  }

  /** Call `listener` on every state change of every process, every hop of a step included (events). */
  onTransition(listener: (t: Transition) => void): () => void {
    this.transitionListeners.add(listener);
    return () => void this.transitionListeners.delete(listener);
  }

  /** Call `listener` when a process's health check turns it healthy or unhealthy (HEALTH_* events). */
  onHealthChange(listener: (h: HealthChange) => void): () => void {
    this.healthListeners.add(listener);
    return () => void this.healthListeners.delete(listener);
  }

  /** Call `listener` with the output lines of programs that enabled stdout/stderr_events_enabled. */
  onOutput(listener: (o: Output) => void): () => void {
    this.outputListeners.add(listener);
    return () => void this.outputListeners.delete(listener);
  }

  /**
   * Stop everything: no more restarts, then stop by descending priority, each priority level only
   * once the level above it has fully stopped. Resolves when no process is left.
   */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    clearInterval(this.sampler);
    for (const m of this.procs.values()) this.dispatch(m, { type: "shutdown" });
    for (const batch of stopBatches([...this.procs.values()].map(asPrioritised))) {
      for (const { managed } of batch) this.dispatch(managed, { type: "stop" });
      await this.waitUntil(() => batch.every(({ managed }) => STOPPED_STATES.includes(managed.record.state)));
    }
    await this.closeLogs();
  }

  /** Write the last output of every program, then close the log files. */
  private async closeLogs(): Promise<void> {
    const logs = [...this.procs.values()].flatMap((m) => (m.logs ? [m.logs] : []));
    await Promise.all(logs.map((l) => l.drain(LOG_DRAIN_TIMEOUT_MS)));
    for (const l of logs) l.close();
  }

  /** SIGKILL every live process at once (a second Ctrl-C): no grace period. */
  killAll(): void {
    for (const m of this.procs.values()) {
      if (m.record.pid !== null) sendSignal(m.record.pid, "KILL", m.spec.program.killasgroup);
    }
  }

  // --- operator requests (the control socket): names are resolved first with resolveNames() ---

  /** "web", "worker:*", "worker:worker-1", "worker" (its instances) or "all" -> process names. */
  resolveNames(names: readonly string[]): NameResolution {
    return resolveNames(names, [...this.procs.values()].map((m) => m.spec));
  }

  /** What `status` and `check` show of each named process, in config order. */
  view(names: readonly string[]): ProcessView[] {
    const now = this.now();
    return this.managed(names).map(({ spec, record, logs, health, usage, restartedBecause }) => {
      const h = health?.health ?? null;
      const live = usage !== null && usage.pid === record.pid;
      return {
        record,
        group: spec.group,
        droppedLogLines: logs?.droppedLines ?? 0,
        uptimeMs: record.pid !== null && record.startedAt !== null ? Math.max(0, now - record.startedAt) : null,
        offender: isOffender(record, spec.program.exitcodes) || (record.wantedUp && h?.status === "unhealthy"),
        health: h?.status ?? null,
        healthError: h?.lastError ?? null,
        cpuPercent: live ? usage.cpuPercent : null,
        cpuSeconds: live ? usage.cpuSeconds : null,
        rssBytes: live ? usage.rssBytes : null,
        peakRssBytes: live ? usage.peakRssBytes : null,
        restartedBecause,
      };
    });
  }

  /**
   * Start by ascending priority. With `wait`, each outcome is known once the process is RUNNING, or
   * failed to get there (BACKOFF, FATAL): the process keeps its retries, the answer does not wait for them.
   */
  startProcesses(names: readonly string[], wait: boolean): Promise<Outcome[]> {
    // what they depend on is started too, first; only the named ones are answered for
    const order = startOrder(withDependencies(names, [...this.procs.values()].map(asPrioritised)));
    const outcomes = order.map(({ managed }) => this.startAfterDependencies(managed, wait));
    return Promise.all(outcomes).then((all) => all.filter((o) => names.includes(o.name)));
  }

  // depends_on: start once every dependency is RUNNING (and healthy, when it has a check); give up
  // when one of them has given up (FATAL, EXITED, stopped by hand). Without `wait` the answer does not wait.
  private async startAfterDependencies(m: Managed, wait: boolean): Promise<Outcome> {
    const deps = this.dependenciesOf(m);
    if (deps.length === 0) return this.startOne(m, wait);
    if (!wait) {
      if (RUNNING_STATES.includes(m.record.state)) return outcome(m, "ALREADY_STARTED");
      void this.startAfterDependencies(m, true);
      return outcome(m, null);
    }
    // a dependency still waiting for its own dependencies is not stopped, only not started yet
    const failed = () => deps.find((d) => d.record.state === "FATAL" || d.record.state === "EXITED" ||
      (STOPPED_STATES.includes(d.record.state) && !d.record.wantedUp && !d.awaitingDependencies));
    m.awaitingDependencies = true;
    await this.waitUntil(() => this.shuttingDown || failed() !== undefined || deps.every(isReady));
    m.awaitingDependencies = false;
    const dep = failed();
    if (dep !== undefined && !deps.every(isReady)) {
      this.options.logger.warn(`not starting ${m.spec.name}: its dependency ${dep.spec.name} is ${dep.record.state}`);
      return { ...outcome(m, "START_FAILED"), reason: `dependency ${dep.spec.name} is ${dep.record.state}` };
    }
    return this.startOne(m, true);
  }

  private dependenciesOf(m: Managed): Managed[] {
    return this.managed(m.dependsOn);
  }

  /** Stop by hand, by descending priority, each level once the one above has stopped (as shutdown). */
  async stopProcesses(names: readonly string[], wait: boolean): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    for (const batch of stopBatches(this.managed(names).map(asPrioritised))) {
      outcomes.push(...(await Promise.all(batch.map(({ managed }) => this.stopOne(managed, wait)))));
    }
    return outcomes;
  }

  /** Stop what runs, then start everything named; without `wait` that happens after the answer. */
  async restartProcesses(names: readonly string[], wait: boolean): Promise<Outcome[]> {
    const restart = async () => {
      await this.stopProcesses(names.filter((n) => !STOPPED_STATES.includes(this.procs.get(n)!.record.state)), true);
      return this.startProcesses(names, true);
    };
    if (wait) return restart();
    void restart();
    return this.managed(names).map((m) => outcome(m, null));
  }

  /** Send a signal to each named live process (its pid only, as supervisord); null for a bad signal name. */
  signalProcesses(names: readonly string[], signal: string): Outcome[] | null {
    const name = normalizeSignalName(signal);
    if (name === null) return null;
    return this.managed(names).map((m) => {
      const live = SIGNALLABLE_STATES.includes(m.record.state) && m.record.pid !== null;
      return outcome(m, live && sendSignal(m.record.pid!, name, false) ? null : "NOT_RUNNING");
    });
  }

  private async startOne(m: Managed, wait: boolean): Promise<Outcome> {
    // a stop in progress finishes first, so "restart" and "stop --no-wait; start" do what they say
    if (m.record.state === "STOPPING") await this.waitUntil(() => m.record.state !== "STOPPING");
    if (this.shuttingDown) return outcome(m, "SHUTTING_DOWN");
    if (RUNNING_STATES.includes(m.record.state)) return outcome(m, "ALREADY_STARTED");
    this.dispatch(m, { type: "start" });
    if (!wait) return outcome(m, null);
    await this.waitUntil(() => m.record.state !== "STARTING");
    return outcome(m, m.record.state === "RUNNING" ? null : "START_FAILED");
  }

  private async stopOne(m: Managed, wait: boolean): Promise<Outcome> {
    if (STOPPED_STATES.includes(m.record.state)) return outcome(m, "NOT_RUNNING");
    this.dispatch(m, { type: "stop", byHand: true });
    if (wait) await this.waitUntil(() => STOPPED_STATES.includes(m.record.state));
    return outcome(m, null);
  }

  // Resolved names -> their processes (unknown names were refused by resolveNames()).
  private managed(names: readonly string[]): Managed[] {
    return names.flatMap((name) => this.procs.get(name) ?? []);
  }

  /**
   * Pass `signal` on to every process that has one running (to its process group when stopasgroup),
   * for `[supervisor] forward_signals`. Returns the names of the processes signalled.
   */
  forwardSignal(signal: string): string[] {
    const signalled: string[] = [];
    for (const m of this.procs.values()) {
      if (m.record.pid === null || !SIGNALLABLE_STATES.includes(m.record.state)) continue;
      if (sendSignal(m.record.pid, signal, m.spec.program.stopasgroup)) signalled.push(m.spec.name);
    }
    return signalled;
  }

  /**
   * Make the running set match a reloaded config: removed and changed processes are stopped (all at
   * once), removed ones are then forgotten, changed ones start again with their new settings and
   * added ones start, both when autostart, by priority and after their depends_on; unchanged ones are
   * not touched. Resolves, with what was done, once the stops are complete and the starts dispatched.
   */
  async applyConfig(config: Config): Promise<ReloadDiff> {
    const diff = diffProcesses([...this.procs.values()].map((m) => m.spec), config.processes);
    const leaving = [...diff.removed, ...diff.changed].map((name) => this.procs.get(name)!);
    for (const m of leaving) this.dispatch(m, { type: "stop" });
    await this.waitUntil(() => leaving.every((m) => STOPPED_STATES.includes(m.record.state)));
    for (const m of leaving) for (const timer of m.timers.values()) clearTimeout(timer);
    // A removed or changed process leaves with its log files (a changed one may log elsewhere now).
    await Promise.all(leaving.map(async (m) => {
      await m.logs?.drain(LOG_DRAIN_TIMEOUT_MS);
      m.logs?.close();
    }));
    const kept = new Map(this.procs);
    this.procs.clear();
    for (const spec of config.processes) {
      const unchanged = kept.get(spec.name);
      if (unchanged && diff.unchanged.includes(spec.name)) {
        unchanged.dependsOn = dependencyNames(spec, config.processes); // an added instance may be among them
        this.procs.set(spec.name, unchanged);
      } else {
        this.procs.set(spec.name, this.manage(spec, config.processes));
      }
    }
    if (this.shuttingDown) return diff;
    const starting = [...diff.changed, ...diff.added].map((name) => this.procs.get(name)!).filter((m) => m.spec.program.autostart);
    // as at start-up: by priority, and a program with depends_on only once its dependencies are ready
    for (const m of startOrder(starting.map(asPrioritised))) void this.startAfterDependencies(m.managed, false);
    return diff;
  }

  // Resolve once `done()` holds, re-checked after every processed event.
  private waitUntil(done: () => boolean): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (!done()) return;
        this.changeListeners.delete(check);
        resolve();
      };
      this.changeListeners.add(check);
    });
  }

  // --- health checks, resource sampling and the limits they enforce ---

  private healthMonitor(m: Managed, check: NonNullable<ProcessSpec["program"]["healthcheck"]>): HealthMonitor {
    const context = () => ({ cwd: m.spec.program.directory, env: this.childEnvironment(m.spec), credentials: m.spec.credentials });
    return new HealthMonitor(check, context, (health, becameUnhealthy) => {
      if (becameUnhealthy) {
        const why = `unhealthy: ${health.lastError} (${health.failures} failed checks in a row)`;
        if (check.on_unhealthy === "restart") void this.restartFor(m, why);
        else this.options.logger.warn(`${why}: ${m.spec.name}`);
      }
      if (health.status !== "starting") {
        const { name, group } = m.spec;
        for (const listener of this.healthListeners) listener({ name, group, pid: m.record.pid, state: m.record.state, status: health.status, error: health.lastError });
      }
      this.notifyChange(); // depends_on may be waiting for this health
    }, this.now);
  }

  // One walk of /proc over every program's tree; then each program's figures and its max_memory.
  private sampleResources(): void {
    const live = [...this.procs.values()].filter((m) => m.record.pid !== null);
    if (live.length === 0) return;
    this.pageSize ??= pageSize();
    const roots = live.map((m) => m.record.pid!);
    const trees = sumTrees(readTreeStats(roots), roots, this.pageSize);
    const now = this.now();
    for (const m of live) {
      const tree = trees.get(m.record.pid!);
      if (tree === undefined) continue;
      const limit = m.spec.program.max_memory;
      const sample = { pid: m.record.pid!, cpuSeconds: tree.cpuTicks / CLOCK_TICKS_PER_SECOND, rssBytes: tree.rssBytes };
      const { usage, exceeded } = nextUsage(m.usage, sample, now, limit);
      m.usage = usage;
      if (exceeded && m.record.state === "RUNNING") {
        void this.restartFor(m, `max_memory: ${describeBytes(usage.rssBytes)} above ${describeBytes(limit!)} in ${usage.samplesOver} samples in a row`);
      }
    }
  }

  private pageSize: number | undefined;

  // Restart through the normal stop path (stopsignal, stopwaitsecs, SIGKILL), then start again;
  // the reason is logged and kept for status. Nothing is started again during a shutdown or after a stop by hand.
  private async restartFor(m: Managed, why: string): Promise<void> {
    if (m.restarting || this.shuttingDown || !RUNNING_STATES.includes(m.record.state)) return;
    m.restarting = true;
    m.restartedBecause = why;
    this.options.logger.warn(`restarting: ${m.spec.name} (${why})`);
    try {
      this.dispatch(m, { type: "stop" });
      await this.waitUntil(() => STOPPED_STATES.includes(m.record.state) || m.record.state === "STARTING");
      if (!this.shuttingDown && m.record.wantedUp && STOPPED_STATES.includes(m.record.state)) {
        // an automatic restart like autorestart's, so it counts in RESTARTS (a start event by itself does not)
        m.record = { ...m.record, restarts: m.record.restarts + 1 };
        this.dispatch(m, { type: "start" });
      }
    } finally {
      m.restarting = false;
    }
  }

  private notifyChange(): void {
    for (const listener of [...this.changeListeners]) listener();
  }

  // Events are queued and handled one at a time: an action (a spawn) may produce a new event
  // (spawned) while the actions of the previous one are still being performed.
  private dispatch(m: Managed, event: ProcessEvent): void {
    this.queue.push([m, event]);
    if (this.draining) return;
    this.draining = true;
    const ended: Managed[] = [];
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) {
        const [target, ev] = next;
        const before = target.record.state;
        const result = step(target.record, ev, target.spec.program, this.now());
        target.pidBefore = target.record.pid;
        target.record = result.proc;
        if (hasEndedForGood(before, result.proc)) ended.push(target);
        for (const action of result.actions) this.perform(target, action);
      }
    } finally {
      this.draining = false;
    }
    this.notifyChange();
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
      case "setTimer": {
        clearTimeout(m.timers.get(action.timer));
        const timer = setTimeout(() => {
          m.timers.delete(action.timer);
          this.dispatch(m, { type: "timer", timer: action.timer });
        }, action.ms);
        m.timers.set(action.timer, timer);
        return;
      }
      case "cancelTimer":
        clearTimeout(m.timers.get(action.timer));
        m.timers.delete(action.timer);
        return;
      default:
        return action satisfies never;
    }
  }

  // Output lines of the streams whose events the program enabled, to the output listeners.
  private outputTap(m: Managed): ((stream: "stdout" | "stderr", lines: Uint8Array) => void) | undefined {
    const { stdout_events_enabled: out, stderr_events_enabled: err } = m.spec.program;
    if (!out && !err) return undefined;
    return (stream, lines) => {
      if (!(stream === "stdout" ? out : err)) return;
      const o: Output = { name: m.spec.name, group: m.spec.group, pid: m.record.pid ?? m.pidBefore ?? null, stream, lines };
      for (const listener of this.outputListeners) listener(o);
    };
  }

  // A listener that throws must not stop the actions after it (monitoring never breaks supervision).
  private notifyTransition(m: Managed, from: ProcessState, to: ProcessState): void {
    const { record: r, spec } = m;
    const t: Transition = {
      name: spec.name, group: spec.group, from, to, pid: r.pid, previousPid: m.pidBefore ?? null,
      lastExit: r.lastExit, reason: r.reason, exitcodes: spec.program.exitcodes, backoff: r.backoff,
    };
    for (const listener of this.transitionListeners) {
      try {
        listener(t);
      } catch (error) {
        this.options.logger.error(`event listener failed: ${(error as Error).message}`);
      }
    }
  }

  private spawn(m: Managed): void {
    const { spec } = m;
    try {
      const child = spawnChild({
        argv: spec.program.command,
        cwd: spec.program.directory,
        env: this.childEnvironment(spec),
        credentials: spec.credentials,
        umask: spec.program.umask,
        output: "pipe",
        mergeStderr: spec.program.redirect_stderr,
        onExit: (code, signal) => {
          // An exit for a pid we no longer track (cannot happen while spawns are sequential) is dropped.
          if (m.record.pid !== child.pid) return this.options.logger.debug(`ignored exit of old pid ${child.pid}`);
          m.health?.end();
          this.dispatch(m, { type: "exited", status: signal !== null ? killedBy(signal) : exitedWith(code ?? 0) });
        },
      });
      m.logs ??= new ProcessLogs(logOptionsFor(spec, this.options.logger, this.outputTap(m)));
      void m.logs.capture(child.stdout, child.stderr);
      this.dispatch(m, { type: "spawned", pid: child.pid });
      m.health?.begin(); // the spawned event may still be queued: the process exists either way
    } catch (error) {
      this.dispatch(m, { type: "spawnFailed", error: (error as Error).message });
    }
  }

  // tsvisor's environment, then the program's own, then the names that tell a program who it is
  // (supervisord sets SUPERVISOR_PROCESS_NAME and SUPERVISOR_GROUP_NAME the same way).
  private childEnvironment(spec: ProcessSpec): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(this.options.env)) if (value !== undefined) env[key] = value;
    return {
      ...env,
      ...spec.program.environment,
      TSVISOR_PROCESS_NAME: spec.name,
      TSVISOR_GROUP_NAME: spec.group,
      TSVISOR_PROCESS_NUM: String(spec.num),
    };
  }
}

/** One process as an operator sees it. */
export interface ProcessView {
  record: ProcessRecord;
  group: string;
  /** Output lines lost to a full or failing disk or a stuck console reader (docs/logs.md). */
  droppedLogLines: number;
  /** How long the live process has been up; null when there is none. */
  uptimeMs: number | null;
  /** Counts against `tsvisor check`: wanted up and not RUNNING, or unhealthy. */
  offender: boolean;
  /** null without a health check or without a process. */
  health: HealthStatus | null;
  /** What the last failed probe said; null after a success. */
  healthError: string | null;
  /** Of the process tree at the last sample; null before it, without sampling, or without a process. */
  cpuPercent: number | null;
  /** utime + stime of the tree at the last sample, in seconds (live processes only). */
  cpuSeconds: number | null;
  rssBytes: number | null;
  /** Highest RSS of the tree since the process started. */
  peakRssBytes: number | null;
  /** Why tsvisor last restarted it on its own (unhealthy, max_memory). */
  restartedBecause: string | null;
}

// Ready for its dependents: RUNNING, and healthy when it has a health check.
const isReady = (m: Managed): boolean => m.record.state === "RUNNING" && (m.health === undefined || m.health.health?.status === "healthy");

const outcome = (m: Managed, fault: Fault | null): Outcome => ({ name: m.spec.name, fault, state: m.record.state, reason: m.record.reason });

// Dependencies are programs ([programs.NAME] keys): a program with numprocs depends on all instances.
// The process names of every instance of the programs `spec` depends on.
const dependencyNames = (spec: ProcessSpec, processes: readonly ProcessSpec[]): string[] =>
  processes.filter((p) => spec.program.depends_on.includes(p.group)).map((p) => p.name);

const asPrioritised = (managed: Managed) =>
  ({ name: managed.spec.name, priority: managed.spec.program.priority, managed, dependsOn: managed.dependsOn });

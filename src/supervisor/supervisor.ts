// The supervisor: owns every process and answers for all of them — start-up, shutdown, reload, the
// operator's requests, health checks and resource limits. The pieces live beside it: the machine
// (machine.ts, pure) is driven by process-driver.ts, requests are operator-requests.ts, sampling is
// resource-sampler.ts, and listeners.ts tells the rest of tsvisor what happened.
import type { ConsolaInstance } from "consola";
import type { Config, ProcessSpec } from "../config/schema.ts";
import { HealthMonitor } from "../health/monitor.ts";
import type { HealthStatus } from "../health/health-state.ts";
import { sendSignal } from "../os/kill.ts";
import type { Scheduler } from "../os/long-timer.ts";
import type { HealthChange, Output, Transition } from "./listeners.ts";
import { SupervisorListeners } from "./listeners.ts";
import { recordHealthTurn } from "./history-recorder.ts";
import type { ProcessRecord } from "./machine.ts";
import { STRAY_STOP_GRACE_MS, stopStrays } from "./leftovers.ts";
import { asPrioritised, dependencyNames, newManaged, type Managed } from "./managed.ts";
import { countOf } from "../plural.ts";
import { withCurrentGroups } from "../os/users.ts";
import { resolveNames, type NameResolution, type Outcome } from "./operator.ts";
import { OperatorRequests } from "./operator-requests.ts";
import { startOrder, stopBatches, withDependencies } from "./order.ts";
import { ProcessDriver } from "./process-driver.ts";
import { programEnvironment } from "./program-environment.ts";
import { historyViewOf, snapshotOf, type HistoryView, type ProcessSnapshot, type ProcessView } from "./process-view.ts";
import { type ReloadDiff, diffProcesses } from "./reload-diff.ts";
import { ResourceSampler } from "./resource-sampler.ts";
import { RUNNING_STATES, SIGNALLABLE_STATES, STOPPED_STATES } from "./states.ts";

export type { HealthChange, HistoryView, Output, ProcessSnapshot, ProcessView, Transition };

// How long shutdown waits for the last output of stopped programs (a grandchild may hold a pipe open).
const LOG_DRAIN_TIMEOUT_MS = 2000;

export interface SupervisorOptions {
  logger: ConsolaInstance;
  /** tsvisor's own environment, under each program's `environment`. */
  env: Record<string, string | undefined>;
  /** Wall clock in ms; injectable so that a test can name the time. */
  now?: () => number;
  /** Where the process timers (startsecs, stopwaitsecs, ...) are armed; a test passes virtual time with `now`. */
  scheduler?: Scheduler;
  /** A process ended for good: FATAL, or EXITED with no restart coming (the daemon acts on `critical`). */
  onEndedForGood?: (spec: ProcessSpec, record: ProcessRecord) => void;
}

export class Supervisor {
  private readonly procs = new Map<string, Managed>();
  private readonly listeners: SupervisorListeners;
  private readonly driver: ProcessDriver;
  private readonly requests: OperatorRequests;
  private readonly sampler: ResourceSampler;
  private readonly now: () => number;
  /** [supervisor] sample_interval as tsvisor started with it (a reload does not change the sampling). */
  private readonly sampleIntervalMs: number;
  /** Set by shutdown(): no operator start and no reload starts anything any more. */
  private shuttingDown = false;

  constructor(config: Config, private readonly options: SupervisorOptions) {
    this.now = options.now ?? Date.now;
    this.listeners = new SupervisorListeners((error) => options.logger.error(`event listener failed: ${error.message}`));
    this.driver = new ProcessDriver({ logger: options.logger, env: options.env, now: this.now, listeners: this.listeners, onEndedForGood: options.onEndedForGood });
    this.requests = new OperatorRequests({
      processes: () => this.procs,
      dispatch: (m, event) => this.driver.dispatch(m, event),
      waitUntil: (done) => this.listeners.waitUntil(done),
      shuttingDown: () => this.shuttingDown,
      now: this.now,
      logger: options.logger,
    });
    this.sampleIntervalMs = config.supervisor.sample_interval * 1000;
    this.sampler = new ResourceSampler(this.sampleIntervalMs, this.now, () => this.procs.values(), (m, why) => void this.restartFor(m, "max_memory", why));
    for (const spec of config.processes) this.procs.set(spec.name, this.manage(spec, config.processes));
  }

  // A process tsvisor has not run yet, with the instances its depends_on names and its health check.
  private manage(spec: ProcessSpec, processes: readonly ProcessSpec[]): Managed {
    const m = newManaged(spec, processes, this.options.scheduler);
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
    for (const { managed } of startOrder(withDependencies(autostart, all))) void this.requests.startAfterDependencies(managed, false);
    this.sampler.start();
  }

  /** A snapshot of every process record, in config order. */
  snapshot(): ProcessSnapshot[] {
    return [...this.procs.values()].map(snapshotOf);
  }

  /** The spec of every process, in config order (the reloaded config's after a reload). */
  specs(): ProcessSpec[] {
    return [...this.procs.values()].map((m) => m.spec);
  }

  /** Call `listener` after every processed event (a process may have changed state); returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    return this.listeners.onChange(listener);
  }

  /** Call `listener` on every state change of every process, every hop of a step included (events). */
  onTransition(listener: (t: Transition) => void): () => void {
    return this.listeners.onTransition(listener);
  }

  /** Call `listener` when a process's health check turns it healthy or unhealthy (HEALTH_* events). */
  onHealthChange(listener: (h: HealthChange) => void): () => void {
    return this.listeners.onHealthChange(listener);
  }

  /** Call `listener` with the output lines of programs that enabled stdout/stderr_events_enabled. */
  onOutput(listener: (o: Output) => void): () => void {
    return this.listeners.onOutput(listener);
  }

  /**
   * Stop everything: no more restarts, then stop by descending priority, each priority level only
   * once the level above it has fully stopped. Resolves when no process is left.
   */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    this.sampler.stop();
    for (const m of this.procs.values()) this.driver.dispatch(m, { type: "shutdown" });
    for (const batch of stopBatches([...this.procs.values()].map(asPrioritised))) {
      for (const { managed } of batch) this.driver.dispatch(managed, { type: "stop" });
      await this.listeners.waitUntil(() => batch.every(({ managed }) => STOPPED_STATES.includes(managed.record.state)));
    }
    // before the logs are drained: a stray may hold a program's output pipe open
    await stopStrays(this.options.logger, STRAY_STOP_GRACE_MS, true);
    await this.closeLogs([...this.procs.values()]);
  }

  /** Write the last output of `processes`, then close their log files. */
  private async closeLogs(processes: readonly Managed[]): Promise<void> {
    const logs = processes.flatMap((m) => (m.logs ? [m.logs] : []));
    await Promise.all(logs.map((l) => l.drain(LOG_DRAIN_TIMEOUT_MS)));
    await Promise.all(logs.map((l) => l.close()));
  }

  /** SIGKILL every live process at once (a second Ctrl-C), and what ended ones left behind: no grace period. */
  killAll(): void {
    for (const m of this.procs.values()) {
      if (m.record.pid !== null) sendSignal(m.record.pid, "KILL", m.spec.program.killasgroup);
      m.leftovers?.signal("KILL");
    }
  }

  // --- operator requests (the control socket): names are resolved first with resolveNames() ---

  /** "web", "worker:*", "worker:worker-1", "worker" (its instances) or "all" -> process names. */
  resolveNames(names: readonly string[]): NameResolution {
    return resolveNames(names, [...this.procs.values()].map((m) => m.spec));
  }

  /** What `status` and `check` show of each named process, in config order. */
  view(names: readonly string[]): ProcessView[] {
    return this.requests.view(names);
  }

  /** What each named process's history holds after `since` (ms since the epoch; 0: all of it), in config order. */
  history(names: readonly string[], since: number): HistoryView[] {
    return names.flatMap((name) => this.procs.get(name) ?? []).map((m) => historyViewOf(m, since, this.sampleIntervalMs));
  }

  /** Start by ascending priority (OperatorRequests.start). */
  startProcesses(names: readonly string[], wait: boolean): Promise<Outcome[]> {
    return this.requests.start(names, wait);
  }

  /** Stop by hand, by descending priority (OperatorRequests.stop). */
  stopProcesses(names: readonly string[], wait: boolean): Promise<Outcome[]> {
    return this.requests.stop(names, wait);
  }

  /** Stop what runs, then start everything named (OperatorRequests.restart). */
  restartProcesses(names: readonly string[], wait: boolean): Promise<Outcome[]> {
    return this.requests.restart(names, wait);
  }

  /** Send a signal to each named live process (its pid only, as supervisord); null for a bad signal name. */
  signalProcesses(names: readonly string[], signal: string): Outcome[] | null {
    return this.requests.signal(names, signal);
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
    for (const m of leaving) this.driver.dispatch(m, { type: "stop" });
    await this.listeners.waitUntil(() => leaving.every((m) => STOPPED_STATES.includes(m.record.state)));
    for (const m of leaving) m.timers.cancelAll();
    // A removed or changed process leaves with its log files (a changed one may log elsewhere now).
    await this.closeLogs(leaving);
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
    for (const m of startOrder(starting.map(asPrioritised))) void this.requests.startAfterDependencies(m.managed, false);
    return diff;
  }

  // --- health checks and resource limits: both restart a program through the normal stop path ---

  private healthMonitor(m: Managed, check: NonNullable<ProcessSpec["program"]["healthcheck"]>): HealthMonitor {
    const context = () => ({ cwd: m.spec.program.directory, env: programEnvironment(this.options.env, m.spec), credentials: withCurrentGroups(m.spec.credentials) });
    const log = this.options.logger;
    let previous: HealthStatus = "starting";
    return new HealthMonitor(check, context, (health, becameUnhealthy) => {
      if (becameUnhealthy) {
        const why = `unhealthy: ${health.lastError} (${countOf(health.failures, "failed check")} in a row)`;
        log.warn(`${why}: ${m.spec.name}`);
        recordHealthTurn(m, this.now(), "unhealthy");
        if (check.on_unhealthy === "restart") this.restartForHealth(m, why);
      } else if (health.status === "healthy") {
        if (previous === "unhealthy") {
          log.info(`healthy again: ${m.spec.name}`);
          recordHealthTurn(m, this.now(), "healthy");
        }
        m.healthRestarts = 0;
      }
      previous = health.status;
      if (health.status !== "starting") {
        const { name, group } = m.spec;
        this.listeners.notifyHealth({ name, group, pid: m.record.pid, state: m.record.state, status: health.status, error: health.lastError });
      }
      this.listeners.notifyChange(); // depends_on may be waiting for this health
    }, this.now);
  }

  // on_unhealthy = "restart", with supervisord's give-up: after `startretries` restarts for health
  // with no healthy verdict between them, the program is left running and reported unhealthy.
  private restartForHealth(m: Managed, why: string): void {
    const { startretries } = m.spec.program;
    if (startretries !== "unlimited" && m.healthRestarts >= startretries) {
      this.options.logger.error(`gave up: ${m.spec.name} stayed unhealthy after ${countOf(m.healthRestarts, "restart")} for its health check (startretries); left running, reported unhealthy`);
      return;
    }
    m.healthRestarts++;
    void this.restartFor(m, "unhealthy", why);
  }

  // Restart through the normal stop path (stopsignal, stopwaitsecs, SIGKILL), then start again;
  // the reason is logged and kept for status, the cause goes into the history with the new start.
  // Nothing is started again during a shutdown or after a stop by hand.
  private async restartFor(m: Managed, cause: "unhealthy" | "max_memory", why: string): Promise<void> {
    if (m.restarting || this.shuttingDown || !RUNNING_STATES.includes(m.record.state)) return;
    m.restarting = true;
    m.restartedBecause = why;
    m.restartCause = cause;
    this.options.logger.warn(`restarting: ${m.spec.name} (${why})`);
    try {
      this.driver.dispatch(m, { type: "stop" });
      await this.listeners.waitUntil(() => STOPPED_STATES.includes(m.record.state) || m.record.state === "STARTING");
      if (!this.shuttingDown && m.record.wantedUp && STOPPED_STATES.includes(m.record.state)) {
        // an automatic restart like autorestart's, so it counts in RESTARTS (a start event by itself does not)
        m.record = { ...m.record, restarts: m.record.restarts + 1 };
        this.driver.dispatch(m, { type: "start" });
      }
    } finally {
      m.restarting = false;
      m.restartCause = null;
    }
  }
}

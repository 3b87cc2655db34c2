// What an operator asks through the control socket (start, stop, restart, signal, status), carried out
// on the supervisor's processes: priorities, depends_on and the waits a request's answer needs.
// Names arrive resolved (Supervisor.resolveNames()); operator.ts holds the pure rules.
import type { ConsolaInstance } from "consola";
import { sendSignal } from "../os/kill.ts";
import { normalizeSignalName } from "../os/signals.ts";
import type { ProcessEvent } from "./machine.ts";
import { asPrioritised, isReady, outcome, type Managed } from "./managed.ts";
import type { Outcome } from "./operator.ts";
import { startOrder, stopBatches, withDependencies } from "./order.ts";
import { viewOf, type ProcessView } from "./process-view.ts";
import { RUNNING_STATES, SIGNALLABLE_STATES, STOPPED_STATES } from "./states.ts";

/** What the requests need of the supervisor. */
export interface RequestContext {
  /** Every process, in config order (the map is replaced by a reload: always read it anew). */
  processes(): ReadonlyMap<string, Managed>;
  dispatch(m: Managed, event: ProcessEvent): void;
  waitUntil(done: () => boolean): Promise<void>;
  /** shutdown() has begun: nothing starts any more. */
  shuttingDown(): boolean;
  now(): number;
  logger: ConsolaInstance;
}

export class OperatorRequests {
  constructor(private readonly ctx: RequestContext) {}

  /** What `status` and `check` show of each named process, in config order. */
  view(names: readonly string[]): ProcessView[] {
    const now = this.ctx.now();
    return this.managed(names).map((m) => viewOf(m, now));
  }

  /**
   * Start by ascending priority. With `wait`, each outcome is known once the process is RUNNING, or
   * failed to get there (BACKOFF, FATAL): the process keeps its retries, the answer does not wait for them.
   */
  start(names: readonly string[], wait: boolean): Promise<Outcome[]> {
    // what they depend on is started too, first; only the named ones are answered for
    const order = startOrder(withDependencies(names, [...this.ctx.processes().values()].map(asPrioritised)));
    const outcomes = order.map(({ managed }) => this.startAfterDependencies(managed, wait));
    return Promise.all(outcomes).then((all) => all.filter((o) => names.includes(o.name)));
  }

  /** Stop by hand, by descending priority, each level once the one above has stopped (as shutdown). */
  async stop(names: readonly string[], wait: boolean): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    for (const batch of stopBatches(this.managed(names).map(asPrioritised))) {
      outcomes.push(...(await Promise.all(batch.map(({ managed }) => this.stopOne(managed, wait)))));
    }
    return outcomes;
  }

  /** Stop what runs, then start everything named; without `wait` that happens after the answer. */
  async restart(names: readonly string[], wait: boolean): Promise<Outcome[]> {
    const restarting = this.managed(names);
    for (const m of restarting) m.restartCause = "by_hand"; // for the history: its next start is this restart
    const restart = async () => {
      try {
        await this.stop(names.filter((n) => !STOPPED_STATES.includes(this.ctx.processes().get(n)!.record.state)), true);
        return await this.start(names, true);
      } finally {
        for (const m of restarting) m.restartCause = null;
      }
    };
    if (wait) return restart();
    void restart();
    return this.managed(names).map((m) => outcome(m, null));
  }

  /** Send a signal to each named live process (its pid only, as supervisord); null for a bad signal name. */
  signal(names: readonly string[], signal: string): Outcome[] | null {
    const name = normalizeSignalName(signal);
    if (name === null) return null;
    return this.managed(names).map((m) => {
      const live = SIGNALLABLE_STATES.includes(m.record.state) && m.record.pid !== null;
      return outcome(m, live && sendSignal(m.record.pid!, name, false) ? null : "NOT_RUNNING");
    });
  }

  // depends_on: start once every dependency is RUNNING (and healthy, when it has a check); give up
  // when one of them has given up (FATAL, EXITED, stopped by hand). Without `wait` the answer does not wait.
  async startAfterDependencies(m: Managed, wait: boolean): Promise<Outcome> {
    const deps = this.managed(m.dependsOn);
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
    await this.ctx.waitUntil(() => this.ctx.shuttingDown() || failed() !== undefined || deps.every(isReady));
    m.awaitingDependencies = false;
    const dep = failed();
    if (dep !== undefined && !deps.every(isReady)) {
      this.ctx.logger.warn(`not starting ${m.spec.name}: its dependency ${dep.spec.name} is ${dep.record.state}`);
      return { ...outcome(m, "START_FAILED"), reason: `dependency ${dep.spec.name} is ${dep.record.state}` };
    }
    return this.startOne(m, true);
  }

  private async startOne(m: Managed, wait: boolean): Promise<Outcome> {
    // a stop in progress finishes first, so "restart" and "stop --no-wait; start" do what they say
    if (m.record.state === "STOPPING") await this.ctx.waitUntil(() => m.record.state !== "STOPPING");
    if (this.ctx.shuttingDown()) return outcome(m, "SHUTTING_DOWN");
    if (RUNNING_STATES.includes(m.record.state)) return outcome(m, "ALREADY_STARTED");
    this.ctx.dispatch(m, { type: "start" });
    if (!wait) return outcome(m, null);
    await this.ctx.waitUntil(() => m.record.state !== "STARTING");
    return outcome(m, m.record.state === "RUNNING" ? null : "START_FAILED");
  }

  private async stopOne(m: Managed, wait: boolean): Promise<Outcome> {
    if (STOPPED_STATES.includes(m.record.state)) return outcome(m, "NOT_RUNNING");
    this.ctx.dispatch(m, { type: "stop", byHand: true });
    if (wait) await this.ctx.waitUntil(() => STOPPED_STATES.includes(m.record.state));
    return outcome(m, null);
  }

  // Resolved names -> their processes (unknown names were refused by resolveNames()).
  private managed(names: readonly string[]): Managed[] {
    return names.flatMap((name) => this.ctx.processes().get(name) ?? []);
  }
}

// What the supervisor keeps for each process besides the machine's record: its spec, timers, logs,
// health check, last resource sample, history and dependencies; and the small pure questions asked of it.
import type { ProcessSpec } from "../config/schema.ts";
import type { HealthMonitor } from "../health/monitor.ts";
import type { ProcessLogs } from "../logs/capture.ts";
import type { LongTimer, Scheduler } from "../os/long-timer.ts";
import { newProcessRecord, type ProcessRecord } from "./machine.ts";
import type { Leftovers } from "./leftovers.ts";
import { ProcessHistory, type StartCause } from "./history.ts";
import type { Fault, Outcome } from "./operator.ts";
import { ProcessTimers } from "./process-timers.ts";
import type { Usage } from "./usage.ts";

export interface Managed {
  spec: ProcessSpec;
  record: ProcessRecord;
  timers: ProcessTimers;
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
  /** Its samples and events (history.ts); kept across reloads while its settings stay the same. */
  history: ProcessHistory;
  /** A restart by hand or by tsvisor (health, max_memory) is under way: its start is recorded with this cause. */
  restartCause: StartCause | null;
  /** Restarts for an unhealthy check in a row, with no healthy verdict between (its give-up counts them). */
  healthRestarts: number;
  /** Process names of every instance of the programs in its depends_on. */
  dependsOn: string[];
  /** A start is waiting for its dependencies to be ready. */
  awaitingDependencies: boolean;
  /** The pid before the event being handled: the process that just ended, for transition listeners. */
  pidBefore?: number | null;
  /** The random mark of its latest spawn (leftovers.ts): what carries it and its user's uid is its leftover. */
  spawnMark?: string;
  /** What its ended process left behind, while tsvisor stops it (stop_descendants). */
  leftovers?: Leftovers;
  /** The look that notices when they are gone. */
  leftoversWatch?: LongTimer;
}

// A process tsvisor has not run yet, with the instances its depends_on names (no health check yet).
export function newManaged(spec: ProcessSpec, processes: readonly ProcessSpec[], scheduler?: Scheduler): Managed {
  return {
    spec, record: newProcessRecord(spec.name), timers: new ProcessTimers(scheduler), usage: null, restartedBecause: null, restarting: false, healthRestarts: 0,
    history: new ProcessHistory(), restartCause: null,
    dependsOn: dependencyNames(spec, processes), awaitingDependencies: false,
  };
}

// Ready for its dependents: RUNNING, and healthy when it has a health check.
export const isReady = (m: Managed): boolean => m.record.state === "RUNNING" && (m.health === undefined || m.health.health?.status === "healthy");

export const outcome = (m: Managed, fault: Fault | null): Outcome => ({ name: m.spec.name, fault, state: m.record.state, reason: m.record.reason });

// Dependencies are programs ([programs.NAME] keys): a program with numprocs depends on all instances.
// The process names of every instance of the programs `spec` depends on.
export const dependencyNames = (spec: ProcessSpec, processes: readonly ProcessSpec[]): string[] =>
  processes.filter((p) => spec.program.depends_on.includes(p.programName)).map((p) => p.name);

// The shape order.ts sorts by, carrying the process along.
export const asPrioritised = (managed: Managed) =>
  ({ name: managed.spec.name, groupPriority: managed.spec.groupPriority, priority: managed.spec.program.priority, managed, dependsOn: managed.dependsOn });

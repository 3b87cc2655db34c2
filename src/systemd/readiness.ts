// When tsvisor tells systemd READY=1: once every autostart process has settled. A process settles
// when it is first seen RUNNING (it stayed up startsecs) and, when it has a health check, with the
// check's first verdict (healthy, or unhealthy after `retries` failures: as depends_on waits), or
// FATAL (tsvisor gave up on it). Counting
// FATAL as settled keeps one broken program from failing the whole unit after TimeoutStartSec and,
// with Restart=on-failure, restarting every healthy program with it; STATUS= then shows "1 fatal".
// A later exit does not undo readiness: READY=1 is about start-up, STATUS= tells the rest.
import type { ProcessState } from "../supervisor/states.ts";

/** What readiness needs of a process: its state and, with a health check, the check's verdict. */
export interface ReadinessInput {
  name: string;
  state: ProcessState;
  /** null (or absent) without a health check; "starting" until its first verdict. */
  health?: "starting" | "healthy" | "unhealthy" | null;
}

const settled = ({ state, health }: ReadinessInput): boolean =>
  state === "FATAL" || (state === "RUNNING" && health !== "starting");

/** Watches snapshots of the processes and says once when every autostart process has settled. */
export class ReadinessLatch {
  private readonly pending: Set<string>;
  private done = false;

  constructor(autostartNames: Iterable<string>) {
    this.pending = new Set(autostartNames);
  }

  /** Feed the current states; true exactly once, on the first call where nothing is pending. */
  observe(processes: Iterable<ReadinessInput>): boolean {
    if (this.done) return false;
    for (const p of processes) if (settled(p)) this.pending.delete(p.name);
    if (this.pending.size > 0) return false;
    this.done = true;
    return true;
  }
}

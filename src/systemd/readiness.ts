// When tsvisor tells systemd READY=1: once every autostart process has settled. A process settles
// when it is first seen RUNNING (it stayed up startsecs) or FATAL (tsvisor gave up on it). Counting
// FATAL as settled keeps one broken program from failing the whole unit after TimeoutStartSec and,
// with Restart=on-failure, restarting every healthy program with it; STATUS= then shows "1 fatal".
// A later exit does not undo readiness: READY=1 is about start-up, STATUS= tells the rest.
import type { ProcessState } from "../supervisor/states.ts";

const SETTLED: readonly ProcessState[] = ["RUNNING", "FATAL"];

/** Watches snapshots of the processes and says once when every autostart process has settled. */
export class ReadinessLatch {
  private readonly pending: Set<string>;
  private done = false;

  constructor(autostartNames: Iterable<string>) {
    this.pending = new Set(autostartNames);
  }

  /** Feed the current states; true exactly once, on the first call where nothing is pending. */
  observe(processes: Iterable<{ name: string; state: ProcessState }>): boolean {
    if (this.done) return false;
    for (const { name, state } of processes) if (SETTLED.includes(state)) this.pending.delete(name);
    if (this.pending.size > 0) return false;
    this.done = true;
    return true;
  }
}

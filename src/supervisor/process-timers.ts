// The timers the machine arms for one process (startsecs, backoff, stopwait, max_runtime): at most
// one of each, a new one replacing the old, all of them cancelled together when the process leaves.
import type { TimerName } from "./machine.ts";

export class ProcessTimers {
  private readonly timers = new Map<TimerName, Timer>();

  /** Arm `name` to call `fire` in `ms`, replacing the one armed before. */
  set(name: TimerName, ms: number, fire: () => void): void {
    this.cancel(name);
    this.timers.set(name, setTimeout(() => {
      this.timers.delete(name);
      fire();
    }, ms));
  }

  cancel(name: TimerName): void {
    clearTimeout(this.timers.get(name));
    this.timers.delete(name);
  }

  cancelAll(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}

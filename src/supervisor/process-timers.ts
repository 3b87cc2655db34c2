// The timers the machine arms for one process (startsecs, backoff, stopwait, max_runtime): at most
// one of each, a new one replacing the old, all of them cancelled together when the process leaves.
// Their delays come from the config and may be weeks long: os/long-timer.ts keeps them as asked.
import { setLongTimeout, type LongTimer, type Scheduler } from "../os/long-timer.ts";
import type { TimerName } from "./machine.ts";

export class ProcessTimers {
  private readonly timers = new Map<TimerName, LongTimer>();

  constructor(private readonly scheduler?: Scheduler) {}

  /** Arm `name` to call `fire` in `ms`, replacing the one armed before. */
  set(name: TimerName, ms: number, fire: () => void): void {
    this.cancel(name);
    this.timers.set(name, setLongTimeout(() => {
      this.timers.delete(name);
      fire();
    }, ms, this.scheduler));
  }

  cancel(name: TimerName): void {
    this.timers.get(name)?.cancel();
    this.timers.delete(name);
  }

  cancelAll(): void {
    for (const timer of this.timers.values()) timer.cancel();
    this.timers.clear();
  }
}

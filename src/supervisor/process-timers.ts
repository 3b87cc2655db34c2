// The timers the machine arms for one process (startsecs, backoff, stopwait, max_runtime): at most
// one of each, a new one replacing the old, all of them cancelled together when the process leaves.
// Their delays come from the config and may be weeks long: os/long-timer.ts keeps them as asked.
import { setLongTimeout, type LongTimer, type Scheduler } from "../os/long-timer.ts";
import type { TimerName } from "./machine.ts";

export class ProcessTimers {
  // One slot per name, not a Map: a Map's table, once used, is ~600 bytes kept for every process
  // (a heap snapshot at 1,000 programs, docs/performance.md "Idle memory at 1,000 programs").
  private readonly armed: Record<TimerName, LongTimer | null> = { startsecs: null, backoff: null, stopwait: null, max_runtime: null };

  constructor(private readonly scheduler?: Scheduler) {}

  /** Arm `name` to call `fire` in `ms`, replacing the one armed before. */
  set(name: TimerName, ms: number, fire: () => void): void {
    this.cancel(name);
    const timer = setLongTimeout(() => {
      if (this.armed[name] === timer) this.armed[name] = null;
      fire();
    }, ms, this.scheduler);
    this.armed[name] = timer;
  }

  cancel(name: TimerName): void {
    this.armed[name]?.cancel();
    this.armed[name] = null;
  }

  cancelAll(): void {
    for (const name of Object.keys(this.armed) as TimerName[]) this.cancel(name);
  }
}

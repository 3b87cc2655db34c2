// setTimeout for any delay a config can name. The runtime keeps a timer's delay in a signed 32-bit int:
// past 2^31-1 ms (24.8 days) Bun and Node fire after 1 ms instead (with a TimeoutOverflowWarning), so
// `stopwaitsecs = "600h"` would SIGKILL at once. A longer delay is chained here: steps of at most
// MAX_TIMER_MS, each armed when the one before fires, until what remains fits in one.
// Every timer armed with a value from the config goes through this file (test/os/long-timer.test.ts).

/** The longest delay setTimeout keeps as asked: 2^31-1 ms, about 24.8 days. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The runtime's setTimeout and clearTimeout, injectable so that a test can play out 600 hours at once. */
export interface Scheduler {
  set(fire: () => void, ms: number): unknown;
  clear(handle: unknown): void;
  /** Let the process exit although this timer is armed (Timer#unref); optional for a test's scheduler. */
  unref?(handle: unknown): void;
}

const RUNTIME: Scheduler = {
  set: (fire, ms) => setTimeout(fire, ms),
  clear: (handle) => clearTimeout(handle as Timer),
  unref: (handle) => void (handle as Timer).unref(),
};

/** An armed timer; cancel() may be called any number of times, before or after it fired. */
export interface LongTimer {
  cancel(): void;
}

/** `unref`: the timer alone does not keep tsvisor running (every step of the chain is unref'd). */
export interface TimerOptions {
  scheduler?: Scheduler;
  unref?: boolean;
}

// Call `fire` once after `ms` (any number >= 0, Infinity: never).
export function setLongTimeout(fire: () => void, ms: number, scheduler: Scheduler | TimerOptions = RUNTIME): LongTimer {
  assertDelay(ms);
  const { scheduler: s = RUNTIME, unref = false } = "set" in scheduler ? { scheduler } : scheduler;
  let handle: unknown;
  const arm = (remaining: number) => {
    const step = Math.min(remaining, MAX_TIMER_MS);
    handle = s.set(() => (remaining > step ? arm(remaining - step) : fire()), step);
    if (unref) s.unref?.(handle);
  };
  arm(ms);
  return { cancel: () => s.clear(handle) };
}

// Call `fire` every `ms` (> 0), each period counted from the end of the call before it.
export function setLongInterval(fire: () => void, ms: number, scheduler: Scheduler | TimerOptions = RUNTIME): LongTimer {
  assertDelay(ms);
  if (ms === 0) throw new RangeError("an interval of 0 ms would never let anything else run");
  let current: LongTimer;
  let cancelled = false; // by `fire` itself, say: no next period then
  const arm = () => {
    current = setLongTimeout(() => {
      fire();
      if (!cancelled) arm();
    }, ms, scheduler);
  };
  arm();
  return {
    cancel: () => {
      cancelled = true;
      current.cancel();
    },
  };
}

// AbortSignal.timeout() for any delay: it keeps delays past 2^31-1 ms as asked, but throws beyond
// 2^53-1 ms (285,000 years), which a duration in the config can exceed ("1e13s"): that is never, too.
export function abortSignalAfter(ms: number): AbortSignal {
  assertDelay(ms);
  return ms <= Number.MAX_SAFE_INTEGER ? AbortSignal.timeout(ms) : new AbortController().signal;
}

// A NaN or negative delay is a bug in the caller (config/values.ts refuses both): fail loudly, never "at once".
function assertDelay(ms: number): void {
  if (!(ms >= 0)) throw new RangeError(`a timer delay must be a number of ms >= 0; got ${ms}`);
}

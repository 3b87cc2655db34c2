// Periodic work on the wall clock's multiples, sharing one timer: an idle daemon's sampler (every
// sample_interval), its TICK_5 events and its minute's release of the executable's pages each armed a
// timer of its own, so it woke twice every 5 s and once more a minute. Each wake-up costs an idle Bun
// process ~0.3–0.6 ms of CPU whatever it does (docs/performance.md, "Idle CPU: Bun's GC timer off,
// one wake-up every 5 s"), which at 1 program was a tenth of tsvisor's idle CPU. Here each periodic
// job is due at every multiple of its period on the wall clock (a few ms past it, so the clock read in
// the job is past it too), and one timer is armed for the earliest: jobs whose multiples coincide
// (5 s, 10 s, a minute) run in one wake-up. supervisord's TICK events are defined the same way (its
// timeslice()).
// A wall clock that jumps moves the next multiple but never puts it more than a period away.
import { setLongTimeout, type LongTimer } from "./long-timer.ts";

/** How far past the multiple a job runs: enough that its own Date.now() reads the new period. */
const PAST_THE_MULTIPLE_MS = 5;
/** A timer may fire this much before the wall clock says (the two clocks run apart by a little). */
const EARLY_MS = 2;

interface Job {
  periodMs: number;
  fire: () => void;
  dueAt: number;
}

const jobs = new Set<Job>();
let timer: LongTimer | undefined;
let timerDueAt = Infinity;

/**
 * Call `fire` at every multiple of `periodMs` (> 0) on the wall clock from the next one on, in the
 * same wake-up as every other job due then. The timer never keeps tsvisor running on its own.
 */
export function onWallClockMultiples(periodMs: number, fire: () => void): { cancel(): void } {
  if (!(periodMs > 0)) throw new RangeError(`a period must be a number of ms > 0; got ${periodMs}`);
  const job: Job = { periodMs, fire, dueAt: nextMultiple(periodMs, Date.now()) };
  jobs.add(job);
  arm();
  return {
    cancel: () => {
      jobs.delete(job);
      arm();
    },
  };
}

function nextMultiple(periodMs: number, now: number): number {
  return now - (now % periodMs) + periodMs + PAST_THE_MULTIPLE_MS;
}

// One timer, for the earliest job; re-armed only when that changes.
function arm(): void {
  let earliest = Infinity;
  for (const job of jobs) earliest = Math.min(earliest, job.dueAt);
  if (earliest === timerDueAt) return;
  timer?.cancel();
  timerDueAt = earliest;
  timer = earliest === Infinity ? undefined : setLongTimeout(beat, Math.max(0, earliest - Date.now()), { unref: true });
}

// Every job that is due runs, each once, even when one throws (the first error is thrown after them,
// as an uncaught error in its own timer would have been).
function beat(): void {
  timer = undefined;
  timerDueAt = Infinity;
  const now = Date.now();
  const errors: unknown[] = [];
  for (const job of [...jobs]) {
    // a job a wall clock set back left far in the future is brought back within one period
    if (job.dueAt > now + job.periodMs + PAST_THE_MULTIPLE_MS) job.dueAt = nextMultiple(job.periodMs, now);
    if (job.dueAt > now + EARLY_MS || !jobs.has(job)) continue;
    job.dueAt = nextMultiple(job.periodMs, now);
    try {
      job.fire();
    } catch (error) {
      errors.push(error);
    }
  }
  arm();
  if (errors.length > 0) throw errors[0];
}

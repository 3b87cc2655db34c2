// Who hears what the supervisor does: after every processed event (change), every state change of a
// process (transition), output lines (output) and health turns (health). Listeners are monitoring:
// one that throws must never stop the supervision that called it.
import type { ExitStatus } from "./exit-status.ts";
import type { ProcessState } from "./states.ts";

/** Whole lines a process wrote, for PROCESS_LOG_* events. */
export interface Output {
  name: string;
  group: string;
  pid: number | null;
  stream: "stdout" | "stderr";
  lines: Uint8Array;
}

/** A process's health check turned it healthy or unhealthy, for event builders (src/events/). */
export interface HealthChange {
  name: string;
  group: string;
  pid: number | null;
  state: ProcessState;
  status: "healthy" | "unhealthy";
  /** What the last failed probe said; null once healthy. */
  error: string | null;
}

/** One state change of one process, for event builders (src/events/). */
export interface Transition {
  name: string;
  group: string;
  from: ProcessState;
  to: ProcessState;
  /** The pid after the whole step, and the one before it (the process that just ended). */
  pid: number | null;
  previousPid: number | null;
  lastExit: ExitStatus | null;
  reason: string | null;
  exitcodes: readonly number[];
  /** Failed starts in a row (supervisord's `tries`). */
  backoff: number;
}

export class SupervisorListeners {
  private readonly change = new Set<() => void>();
  private readonly transition = new Set<(t: Transition) => void>();
  private readonly output = new Set<(o: Output) => void>();
  private readonly health = new Set<(h: HealthChange) => void>();

  /** `onError` hears of a transition listener that threw (the supervisor logs it). */
  constructor(private readonly onError: (error: Error) => void) {}

  onChange(listener: () => void): () => void {
    return subscribe(this.change, listener);
  }

  onTransition(listener: (t: Transition) => void): () => void {
    return subscribe(this.transition, listener);
  }

  onHealthChange(listener: (h: HealthChange) => void): () => void {
    return subscribe(this.health, listener);
  }

  onOutput(listener: (o: Output) => void): () => void {
    return subscribe(this.output, listener);
  }

  // A copy: a listener may unsubscribe itself (waitUntil's do).
  notifyChange(): void {
    for (const listener of [...this.change]) listener();
  }

  // A listener that throws must not stop the actions after it (monitoring never breaks supervision).
  notifyTransition(t: Transition): void {
    for (const listener of this.transition) {
      try {
        listener(t);
      } catch (error) {
        this.onError(error as Error);
      }
    }
  }

  notifyHealth(h: HealthChange): void {
    for (const listener of this.health) listener(h);
  }

  notifyOutput(o: Output): void {
    for (const listener of this.output) listener(o);
  }

  /** Resolve once `done()` holds, re-checked after every processed event. */
  waitUntil(done: () => boolean): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (!done()) return;
        this.change.delete(check);
        resolve();
      };
      this.change.add(check);
    });
  }
}

function subscribe<T>(set: Set<T>, listener: T): () => void {
  set.add(listener);
  return () => void set.delete(listener);
}

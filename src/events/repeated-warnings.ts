// Warnings that can repeat as fast as a program writes output, kept to a line a minute per kind.
// A hook that fails on every log line of a program (or whose runs are dropped as the program floods
// it) would otherwise write one WARN per run: a program of any user could fill tsvisor's log with them
// (red team: 240 `hook failed` lines in a few seconds). The first warning of a kind is logged at once;
// the ones after it within the window are counted, and when the window ends one line gives the last of
// them and how many there were. A kind that stays quiet for a whole window is forgotten.
import { countOf } from "../plural.ts";
import { setLongTimeout, type LongTimer, type TimerOptions } from "../os/long-timer.ts";

/** How long the warnings of one kind after its first are only counted. */
export const REPEAT_WINDOW_MS = 60_000;

interface Window {
  /** Warnings of the kind since the window opened, not logged yet. */
  count: number;
  last: string;
  timer: LongTimer;
}

export class RepeatedWarnings {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly warn: (line: string) => void,
    private readonly timers: TimerOptions = { unref: true },
  ) {}

  /** Log `line` now if nothing of `kind` was logged within the window, or count it for the window's end. */
  report(kind: string, line: string): void {
    const open = this.windows.get(kind);
    if (open !== undefined) {
      open.count++;
      open.last = line;
      return;
    }
    this.warn(line);
    this.open(kind);
  }

  /** Forget every window (tsvisor is exiting): counts not yet logged are dropped with them. */
  close(): void {
    for (const window of this.windows.values()) window.timer.cancel();
    this.windows.clear();
  }

  private open(kind: string): void {
    const timer = setLongTimeout(() => this.end(kind), REPEAT_WINDOW_MS, this.timers);
    this.windows.set(kind, { count: 0, last: "", timer });
  }

  // The window ends: say how many came in it, and count the next minute's; or forget a quiet kind.
  private end(kind: string): void {
    const window = this.windows.get(kind)!;
    this.windows.delete(kind);
    if (window.count === 0) return;
    this.warn(`${window.last} (${countOf(window.count, "time")} in the last ${REPEAT_WINDOW_MS / 1000} s, logged once)`);
    this.open(kind);
  }
}

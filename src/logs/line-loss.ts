// The lines a log output could not take (a full disk, a refused path, a reader too far behind),
// counted, and told to tsvisor's own log once when losing starts and once when writing works again.
import { countLines } from "./line-splitter.ts";

export type TroubleEvent =
  | { type: "failing"; reason: string } // lines are being dropped from now on
  | { type: "recovered"; droppedLines: number } // writing works again
  | { type: "warning"; reason: string } // nothing lost, but not as configured
  | { type: "settled"; reason: string }; // as configured again after a warning

export class LineLoss {
  /** Lines dropped since the output was created. */
  droppedLines = 0;
  private failingFor: string | null = null;
  private droppedSinceTrouble = 0;

  constructor(private readonly onTrouble?: (event: TroubleEvent) => void) {}

  /** Why writing fails now; null while it works. */
  get failing(): string | null {
    return this.failingFor;
  }

  /** Drop the lines of `data` (from `from` on); the first loss says why, later ones only count. */
  drop(data: Uint8Array, reason: string, from = 0): void {
    const lines = countLines(data.subarray(from));
    this.droppedLines += lines;
    this.droppedSinceTrouble += lines;
    this.fail(reason);
  }

  /** Writing fails from now on (an open that will be tried again): said once, until it works. */
  fail(reason: string): void {
    if (this.failingFor !== null) return;
    this.failingFor = reason;
    this.onTrouble?.({ type: "failing", reason });
  }

  /** A write went through: if lines were being dropped, say that it works again and how many were lost. */
  wrote(): void {
    if (this.failingFor === null) return;
    const droppedLines = this.droppedSinceTrouble;
    this.failingFor = null;
    this.droppedSinceTrouble = 0;
    this.onTrouble?.({ type: "recovered", droppedLines });
  }

  /** Lines lost for good at once (an output closed with lines its reader never took): counted and said. */
  lost(lines: number, reason: string): void {
    this.droppedLines += lines;
    this.onTrouble?.({ type: "warning", reason });
  }

  /** Nothing lost, but not as configured (rotation failing). */
  warn(reason: string): void {
    this.onTrouble?.({ type: "warning", reason });
  }

  /** As configured again after a warning (rotation works again). */
  settled(reason: string): void {
    this.onTrouble?.({ type: "settled", reason });
  }
}

// Why a write or an open failed, for the "failing" line: "ENOSPC (no space left on device)"; a
// refused path (os/safe-open.ts) in its own words.
export function describeFailure(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  if (!e.code || !/^E[A-Z]+$/.test(e.code)) return e.message ?? String(error);
  const text = (e.message ?? String(error)).replace(/^\w+: /, "").replace(/, \w+\b.*$/, "");
  return `${e.code} (${text.toLowerCase()})`;
}

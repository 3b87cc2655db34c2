// The same process trees read every sample_interval, at the cost of what changed. A process's
// /proc/PID/schedstat starts with the nanoseconds it has run: a single-threaded process whose figure
// is the same as at the last read has not run since, so it cannot have forked a child, touched a page
// or used a clock tick, and its last stat and children list still hold. For it one short read replaces
// three (stat, children, and their parsing; a file without schedstat, before CONFIG_SCHED_INFO, is
// read whole every round): at 1,000 idle `sleep` programs a round went from
// ~25 ms to ~4 ms here (docs/performance.md). The figure is the main thread's own, so a process of
// several threads is read whole every time. What an idle process cannot see is the kernel taking its
// pages (reclaim, swap): every process is read whole at least every FULL_READ_EVERY rounds anyway,
// spread over the rounds by pid so that 1,000 programs started together do not all fall due at once.
// The roots' files (three per program) are kept open between rounds (proc-files.ts).
import { ProcFiles } from "./proc-files.ts";
import { hasChildrenFiles, parseStat, type ProcRead, type ProcStat, readAllStats, readChildren, readOnce, statPath } from "./proc-tree.ts";

// A minute at the default sample_interval of 5 s.
const FULL_READ_EVERY = 12;

/** What the last read of a process found. */
interface Known {
  /** The first field of its schedstat (nanoseconds run); null for a process of several threads. */
  ran: number | null;
  stat: ProcStat;
  children: number[];
}

export class TreeReader {
  private readonly files = new ProcFiles();
  private known = new Map<number, Known>();
  private round = 0;

  /** The stats of every process in the trees under `roots`; a process that exits meanwhile is skipped. */
  read(roots: readonly number[]): ProcStat[] {
    if (!hasChildrenFiles()) return readAllStats();
    this.round++;
    const keeping = new Set(roots);
    this.files.beginRound(keeping);
    const found = new Map<number, Known>();
    for (const stack = [...roots]; stack.length > 0; ) {
      const pid = stack.pop()!;
      if (found.has(pid)) continue;
      const known = this.readProcess(pid, keeping.has(pid));
      if (known === null) continue;
      found.set(pid, known);
      stack.push(...known.children);
    }
    this.known = found;
    return [...found.values()].map((known) => known.stat);
  }

  close(): void {
    this.files.closeAll();
  }

  // `root`: its files are kept open between rounds.
  private readProcess(pid: number, root: boolean): Known | null {
    const before = this.known.get(pid);
    // schedstat first: whatever the process does after this read shows in the next round's figure
    const ran = this.files.readLeadingNumber(`/proc/${pid}/schedstat`, pid, root);
    const due = (pid + this.round) % FULL_READ_EVERY === 0;
    if (before !== undefined && ran !== null && ran === before.ran && !due) return before;
    const read: ProcRead = root ? (path) => this.files.read(path, pid, true) : readOnce;
    const text = read(statPath(pid));
    const stat = text === null ? null : parseStat(text);
    if (stat === null) return null;
    return { ran: stat.threads === 1 ? ran : null, stat, children: readChildren(pid, stat.threads, read) };
  }
}

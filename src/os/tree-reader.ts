// The same process trees read every sample_interval, at the cost of what changed. A process's
// /proc/PID/schedstat starts with the nanoseconds it has run: a single-threaded process whose figure
// is the same as at the last read has not run since, so it cannot have forked a child, touched a page
// or used a clock tick, and its last stat and children list still hold. For it one short read replaces
// three (stat, children, and their parsing; without schedstat, a kernel lacking CONFIG_SCHED_INFO,
// every process is read whole every round). The roots' schedstat files are read in one native call
// (proc-files.ts), and a tree none of whose processes changed is handed back as the same object, so
// the sampler need not ask whether its PSS changed: at 1,000 idle `sleep` programs a round went from ~200 ms to ~6 ms here
// (docs/performance.md). The figure is the main thread's own, so a process of several threads is read
// whole every time. What an idle process cannot see is the kernel taking its pages (reclaim, swap):
// every process is read whole at least every FULL_READ_EVERY rounds anyway, spread over the rounds by
// pid so that 1,000 programs started together do not all fall due at once.
import { ProcFiles } from "./proc-files.ts";
import { hasChildrenFiles, pageSize, parseStat, type ProcRead, type ProcStat, readAllStats, readChildren, readOnce, statPath, sumTrees, type TreeUsage } from "./proc-tree.ts";

// Five minutes at the default sample_interval of 5 s. Every 12th round cost a third of an idle
// round's time at 1,000 programs (each due process's stat and children read and parsed).
const FULL_READ_EVERY = 60;

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
  private trees = new Map<number, TreeUsage>();
  private round = 0;
  private pageSize: number | undefined;

  /**
   * Each root's tree, summed (a root that is gone is left out). A tree none of whose processes changed
   * since the last call is the same object as then (the sampler reads its PSS again only if not).
   */
  read(roots: readonly number[]): Map<number, TreeUsage> {
    this.pageSize ??= pageSize();
    if (!hasChildrenFiles()) return sumTrees(readAllStats(), roots, this.pageSize);
    this.round++;
    const keeping = new Set(roots);
    this.files.beginRound(keeping);
    // the roots' schedstat figures in one batch: at 1,000 idle programs, nearly all a round reads
    const rootsRan = this.files.readLeadingNumbers(roots.map(schedstatPath), roots);
    const found = new Map<number, Known>();
    const trees = new Map<number, TreeUsage>();
    for (const [i, root] of roots.entries()) {
      const tree: TreeUsage = { cpuTicks: 0, rssBytes: 0, pids: [] };
      let changed = false;
      for (const stack = [root]; stack.length > 0; ) {
        const pid = stack.pop()!;
        if (found.has(pid)) continue;
        const ran = pid === root ? rootsRan[i]! : this.files.readLeadingNumber(schedstatPath(pid), pid, false);
        const known = this.readProcess(pid, pid === root, ran);
        if (known !== this.known.get(pid)) changed = true; // read anew, or gone
        if (known === null) continue;
        found.set(pid, known);
        tree.cpuTicks += known.stat.cpuTicks;
        tree.rssBytes += known.stat.rssPages * this.pageSize;
        tree.pids.push(pid);
        stack.push(...known.children);
      }
      if (tree.pids.length === 0) continue;
      const before = this.trees.get(root);
      trees.set(root, !changed && before !== undefined && before.pids.length === tree.pids.length ? before : tree);
    }
    this.known = found;
    this.trees = trees;
    return trees;
  }

  close(): void {
    this.files.closeAll();
  }

  // `root`: its files are kept open between rounds. `ran`: its schedstat figure, read before
  // anything else of it, so that whatever it does after that read shows in the next round's figure.
  private readProcess(pid: number, root: boolean, ran: number | null): Known | null {
    const before = this.known.get(pid);
    const due = (pid + this.round) % FULL_READ_EVERY === 0;
    if (before !== undefined && ran !== null && ran === before.ran && !due) return before;
    const read: ProcRead = root ? (path) => this.files.read(path, pid, true) : readOnce;
    const text = read(statPath(pid));
    const stat = text === null ? null : parseStat(text);
    if (stat === null) return null;
    const children = readChildren(pid, stat.threads, read);
    const next = { ran: stat.threads === 1 ? ran : null, stat, children };
    // read whole but the same (it ran less than a clock tick, or a full read fell due): still unchanged
    if (before !== undefined && sameStat(before.stat, stat) && sameNumbers(before.children, children)) {
      before.ran = next.ran;
      return before;
    }
    return next;
  }
}

const schedstatPath = (pid: number): string => `/proc/${pid}/schedstat`;

const sameStat = (a: ProcStat, b: ProcStat): boolean =>
  a.pid === b.pid && a.ppid === b.ppid && a.cpuTicks === b.cpuTicks && a.rssPages === b.rssPages && a.threads === b.threads;

export const sameNumbers = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((n, i) => n === b[i]);

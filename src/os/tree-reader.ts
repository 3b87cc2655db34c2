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
  /** The round that last found it. */
  found: number;
}

/** One root asked for: its tree as last summed, kept from round to round. */
interface Root {
  schedstat: string;
  /** The round that last asked for it. */
  listed: number;
  /** The round whose read found its tree (a root that is gone has none). */
  summed: number;
  tree: TreeUsage | null;
}

/** The trees of the last read, by root; valid until the next read. */
export interface Trees {
  get(root: number): TreeUsage | undefined;
  has(root: number): boolean;
}

/**
 * The same process trees read every round. Its maps live from round to round and are updated in
 * place, and a round allocates only for what changed: at 1,000 idle programs, maps, sets, paths and
 * sums made anew every round were ~220 KiB of garbage every 5 s, which the collector's heap carried
 * between collections (docs/performance.md "Idle memory at 1,000 programs").
 */
export class TreeReader implements Trees {
  private readonly files = new ProcFiles();
  private readonly known = new Map<number, Known>();
  private readonly roots = new Map<number, Root>();
  private round = 0;
  private pageSize: number | undefined;
  // Without children files (an old kernel): the trees summed from a scan of /proc, as they were.
  private scanned: Map<number, TreeUsage> | null = null;
  // A round's scratch: the roots' schedstat paths, the walk's stack (pid, then its parent), a tree's pids
  private readonly paths: string[] = [];
  private readonly stack: number[] = [];
  private readonly pids: number[] = [];
  // ProcFiles keeps the descriptors of this round's roots
  private readonly listed = { has: (pid: number) => this.roots.get(pid)?.listed === this.round };

  /**
   * Each root's tree, summed (a root that is gone is left out). A tree none of whose processes changed
   * since the last call is the same object as then (the sampler reads its PSS again only if not).
   */
  read(roots: readonly number[]): Trees {
    this.pageSize ??= pageSize();
    if (!hasChildrenFiles()) return (this.scanned = sumTrees(readAllStats(), roots, this.pageSize));
    const round = ++this.round;
    this.paths.length = 0;
    for (const pid of roots) {
      let root = this.roots.get(pid);
      if (root === undefined) this.roots.set(pid, (root = { schedstat: schedstatPath(pid), listed: round, summed: 0, tree: null }));
      root.listed = round;
      this.paths.push(root.schedstat);
    }
    this.files.beginRound(this.listed);
    // the roots' schedstat figures in one batch: at 1,000 idle programs, nearly all a round reads
    const rootsRan = this.files.readLeadingNumbers(this.paths, roots);
    for (let i = 0; i < roots.length; i++) this.sum(roots[i]!, rootsRan[i] ?? null);
    // what this round did not find is gone, and what it was not asked for is no longer wanted
    this.known.forEach((known, pid) => {
      if (known.found !== round) this.known.delete(pid);
    });
    this.roots.forEach((root, pid) => {
      if (root.listed !== round) this.roots.delete(pid);
    });
    return this;
  }

  get(pid: number): TreeUsage | undefined {
    if (this.scanned !== null) return this.scanned.get(pid);
    const root = this.roots.get(pid);
    // a root not listed in the last read was deleted at its end; one that is gone was not summed in it
    return root !== undefined && root.summed === this.round ? root.tree ?? undefined : undefined;
  }

  has(pid: number): boolean {
    return this.get(pid) !== undefined;
  }

  // Walk the tree of `root` (whose schedstat read `ran`) and sum it; the same object as the last
  // round's when none of its processes changed.
  private sum(rootPid: number, ran: number | null): void {
    const { stack, pids, round } = this;
    let cpuTicks = 0;
    let rssBytes = 0;
    let changed = false;
    pids.length = 0;
    stack.length = 0;
    stack.push(rootPid, 0);
    while (stack.length > 0) {
      const parent = stack.pop()!;
      const pid = stack.pop()!;
      const before = this.known.get(pid);
      if (before !== undefined && before.found === round) continue; // already in a tree this round
      const known = this.readProcess(pid, pid === rootPid, pid === rootPid ? ran : this.files.readLeadingNumber(schedstatPath(pid), pid, false));
      if (known !== before) changed = true; // read anew, or gone
      if (known === null) continue;
      // A child listed by a parent whose list was kept (it has not run since) may have exited and its
      // pid gone to another process, of anyone: that one is not in the tree (red team, 2026-12-06: a
      // `nobody` process so counted set off another user's max_memory). Its parent is read whole next round.
      if (pid !== rootPid && known.stat.ppid !== parent) {
        this.known.get(parent)!.ran = null;
        continue;
      }
      known.found = round;
      if (known !== before) this.known.set(pid, known);
      cpuTicks += known.stat.cpuTicks;
      rssBytes += known.stat.rssPages * this.pageSize!;
      pids.push(pid);
      for (const child of known.children) stack.push(child, pid);
    }
    if (pids.length === 0) return;
    const root = this.roots.get(rootPid)!;
    const last = root.tree;
    if (changed || last === null || last.pids.length !== pids.length) root.tree = { cpuTicks, rssBytes, pids: pids.slice() };
    root.summed = round;
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
    const next = { ran: stat.threads === 1 ? ran : null, stat, children, found: 0 };
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

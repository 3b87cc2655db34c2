// Every sample_interval, one walk of /proc over every program's process tree: each program's CPU and
// memory for `status` and its history, and its max_memory (usage.ts decides; the supervisor restarts).
// The stat reads are cheap and done at once, and cheaper for a process that has not run since the
// last sample (os/tree-reader.ts). The PSS reads (smaps_rollup: the kernel walks page tables, as slow
// as a program makes it) run on Bun's thread pool, one round at a time, and a sample uses the PSS of
// the last round that finished: at most one interval old, or older while a round is slower than the
// interval (then no second round starts). A tree whose PSS is not known yet counts toward max_memory
// from its first PSS on, never by its RSS (which counts shared pages many times).
// A tree's PSS is read again only when it may have changed (pssIsStale): at 1,000 idle programs the
// reads were two thirds of a sample's cost, and an idle tree's pages do not change.
import { CLOCK_TICKS_PER_SECOND, sumPss, type TreeUsage } from "../os/proc-tree.ts";
import { sameNumbers, TreeReader } from "../os/tree-reader.ts";
import { onWallClockMultiples } from "../os/wall-clock-beat.ts";
import type { Managed } from "./managed.ts";
import { advanceUsage, describeBytes, exceedsMaxMemory, memoryKind, memoryOf, type UsageSample } from "./usage.ts";

export class ResourceSampler {
  private timer: { cancel(): void } | undefined;
  /** Root pid -> the PSS of its tree from the last finished round, and what the tree was then. */
  private readonly pss = new Map<number, PssReading>();
  private measuring = false;
  private readonly trees = new TreeReader();
  // A round's scratch, reused: at 1,000 programs, arrays and a sample object made anew every round
  // were garbage the collector's heap carried between collections (docs/performance.md)
  private readonly live: Managed[] = [];
  private readonly roots: number[] = [];
  private readonly scratch: UsageSample = { pid: 0, cpuSeconds: 0, rssBytes: 0, pssBytes: null };

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number,
    /** Every process tsvisor manages, at the time of the sample. */
    private readonly processes: () => Iterable<Managed>,
    /** A RUNNING process is over its max_memory; `why` says by how much, for the log and status. */
    private readonly onOverLimit: (m: Managed, why: string) => void,
  ) {}

  /**
   * Sample every interval from the next multiple of it on the wall clock (in the wake-up of the TICK
   * events and whatever else is due then: os/wall-clock-beat.ts); an interval of 0 turns sampling off.
   */
  start(): void {
    if (this.intervalMs > 0) this.timer = onWallClockMultiples(this.intervalMs, () => this.sample());
  }

  stop(): void {
    this.timer?.cancel();
    this.trees.close();
  }

  // One walk of /proc over every program's tree; then each program's figures and its max_memory.
  private sample(): void {
    const { live, roots, scratch: sample } = this;
    live.length = 0;
    roots.length = 0;
    for (const m of this.processes()) {
      if (m.record.pid === null) continue;
      live.push(m);
      roots.push(m.record.pid);
    }
    if (live.length === 0) return;
    const trees = this.trees.read(roots);
    const now = this.now();
    let stale: Map<number, TreeUsage> | null = null;
    for (let i = 0; i < live.length; i++) {
      const m = live[i]!;
      const root = roots[i]!;
      const tree = trees.get(root);
      if (tree === undefined) continue;
      const reading = this.pss.get(root);
      const limit = m.spec.program.max_memory;
      if (pssIsStale(reading, tree, limit !== null)) (stale ??= new Map()).set(root, tree);
      sample.pid = root;
      sample.cpuSeconds = tree.cpuTicks / CLOCK_TICKS_PER_SECOND;
      sample.rssBytes = tree.rssBytes;
      sample.pssBytes = reading?.pssBytes ?? null;
      // written over, not made anew: the round's only objects are those of what changed
      const usage = (m.usage = advanceUsage(m.usage, sample, now, reading ? limit : null, m.usage));
      const exceeded = exceedsMaxMemory(usage);
      // before its first PSS, a tree's memory would be its summed RSS: a jump in the history, not a change
      if (reading) m.history.addSample(now, usage.cpuPercent, memoryOf(usage), m.health?.health?.status ?? null);
      if (exceeded && m.record.state === "RUNNING") {
        this.onOverLimit(m, `max_memory: ${describeBytes(memoryOf(usage))} (${memoryKind(usage)}) above ${describeBytes(limit!)} in ${usage.samplesOver} samples in a row`);
      }
    }
    this.pss.forEach((_, root) => {
      if (!trees.has(root)) this.pss.delete(root);
    });
    if (!this.measuring && stale !== null) void this.measurePss(stale);
  }

  // One round of PSS reads over the trees that need one, off the JS thread.
  private async measurePss(trees: Map<number, TreeUsage>): Promise<void> {
    this.measuring = true;
    try {
      for (const [root, tree] of trees) {
        const pssBytes = await sumPss(tree.pids);
        this.pss.set(root, { pssBytes, tree });
      }
    } finally {
      this.measuring = false;
    }
  }
}

/** A tree's PSS (null: the kernel gives none), and the tree as it was when the PSS was read. */
interface PssReading {
  pssBytes: number | null;
  tree: TreeUsage;
}

// Whether a tree's PSS must be read again. Always under max_memory: a forked server's workers break
// copy-on-write pages (its PSS grows while its summed RSS does not), and that is what max_memory is
// for. Otherwise when its processes, its RSS or its CPU time changed since the last reading: a tree
// that ran not one clock tick and kept its pages cannot have changed them. What it cannot see is
// another tree letting go of pages both share (libc): this tree's share grows a little, and the
// figure catches up at its next activity.
function pssIsStale(reading: PssReading | undefined, tree: TreeUsage, underMaxMemory: boolean): boolean {
  if (reading === undefined || underMaxMemory) return true;
  const then = reading.tree;
  if (then === tree) return false; // the tree reader found none of its processes changed
  return then.rssBytes !== tree.rssBytes || then.cpuTicks !== tree.cpuTicks || !sameNumbers(then.pids, tree.pids);
}

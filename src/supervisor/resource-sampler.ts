// Every sample_interval, one walk of /proc over every program's process tree: each program's CPU and
// memory for `status` and its history, and its max_memory (usage.ts decides; the supervisor restarts).
// The stat reads are cheap and done at once; the PSS reads (smaps_rollup: the kernel walks page
// tables, as slow as a program makes it) run on Bun's thread pool, one round at a time, and a sample
// uses the PSS of the last round that finished: at most one interval old, or older while a round is
// slower than the interval (then no second round starts). A tree whose PSS is not known yet counts
// toward max_memory from its first PSS on, never by its RSS (which counts shared pages many times).
import { setLongInterval, type LongTimer } from "../os/long-timer.ts";
import { CLOCK_TICKS_PER_SECOND, pageSize, readTreeStats, sumPss, sumTrees } from "../os/proc-tree.ts";
import type { Managed } from "./managed.ts";
import { describeBytes, memoryKind, memoryOf, nextUsage } from "./usage.ts";

export class ResourceSampler {
  private timer: LongTimer | undefined;
  private pageSize: number | undefined;
  /** Root pid -> the PSS of its tree from the last finished round (null: the kernel gives none). */
  private readonly pss = new Map<number, number | null>();
  private measuring = false;

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number,
    /** Every process tsvisor manages, at the time of the sample. */
    private readonly processes: () => Iterable<Managed>,
    /** A RUNNING process is over its max_memory; `why` says by how much, for the log and status. */
    private readonly onOverLimit: (m: Managed, why: string) => void,
  ) {}

  /** Sample every interval from now on; an interval of 0 turns sampling off. */
  start(): void {
    if (this.intervalMs > 0) this.timer = setLongInterval(() => this.sample(), this.intervalMs);
  }

  stop(): void {
    this.timer?.cancel();
  }

  // One walk of /proc over every program's tree; then each program's figures and its max_memory.
  private sample(): void {
    const live = [...this.processes()].filter((m) => m.record.pid !== null);
    if (live.length === 0) return;
    this.pageSize ??= pageSize();
    const roots = live.map((m) => m.record.pid!);
    const trees = sumTrees(readTreeStats(roots), roots, this.pageSize);
    const now = this.now();
    for (const m of live) {
      const tree = trees.get(m.record.pid!);
      if (tree === undefined) continue;
      const root = m.record.pid!;
      const measured = this.pss.has(root);
      const limit = m.spec.program.max_memory;
      const pssBytes = measured ? this.pss.get(root)! : null;
      const sample = { pid: root, cpuSeconds: tree.cpuTicks / CLOCK_TICKS_PER_SECOND, rssBytes: tree.rssBytes, pssBytes };
      const { usage, exceeded } = nextUsage(m.usage, sample, now, measured ? limit : null);
      m.usage = usage;
      // before its first PSS, a tree's memory would be its summed RSS: a jump in the history, not a change
      if (measured) m.history.addSample(now, usage.cpuPercent, memoryOf(usage), m.health?.health?.status ?? null);
      if (exceeded && m.record.state === "RUNNING") {
        this.onOverLimit(m, `max_memory: ${describeBytes(memoryOf(usage))} (${memoryKind(usage)}) above ${describeBytes(limit!)} in ${usage.samplesOver} samples in a row`);
      }
    }
    if (!this.measuring) void this.measurePss(new Map([...trees].map(([root, tree]) => [root, tree.pids])));
  }

  // One round of PSS reads over the trees of this sample, off the JS thread; the trees of roots
  // gone since are forgotten.
  private async measurePss(trees: Map<number, number[]>): Promise<void> {
    this.measuring = true;
    try {
      for (const [root, pids] of trees) this.pss.set(root, await sumPss(pids));
      for (const root of this.pss.keys()) if (!trees.has(root)) this.pss.delete(root);
    } finally {
      this.measuring = false;
    }
  }
}

// A process tree's CPU and memory between two samples, and max_memory's rule, as pure functions:
// CPU % is the tree's CPU time over the wall time between samples (100 = one core); memory is the
// tree's PSS (each shared page counted once, split among its sharers; summed RSS counts it once per
// process), RSS where the kernel has no PSS; peaks are since the process started; a tree above
// max_memory two samples in a row is over it (one sample may catch a short spike; superlance's
// memmon acts on a single one).

/** What `status` shows of a process's cost, and what the next sample needs. */
export interface Usage {
  /** The process the figures are of: a new pid starts over. */
  pid: number;
  /** Percent of one core over the last interval; null until two samples exist. */
  cpuPercent: number | null;
  /** Summed RSS of the tree: a page shared by N of its processes counts N times. */
  rssBytes: number;
  peakRssBytes: number;
  /** Summed PSS of the tree (what max_memory compares); null where the kernel has no smaps_rollup. */
  pssBytes: number | null;
  peakPssBytes: number | null;
  /** utime + stime of the tree at `at`, in seconds. */
  cpuSeconds: number;
  at: number;
  /** Samples in a row above max_memory. */
  samplesOver: number;
}

export const SAMPLES_OVER_LIMIT = 2;

// The previous usage (null at first) and one new sample of the tree -> the new usage, and whether
// max_memory (bytes, null: none) is now exceeded.
export function nextUsage(
  prev: Usage | null, sample: { pid: number; cpuSeconds: number; rssBytes: number; pssBytes: number | null }, now: number, maxMemory: number | null,
): { usage: Usage; exceeded: boolean } {
  const same = prev !== null && prev.pid === sample.pid;
  const elapsed = same ? (now - prev.at) / 1000 : 0;
  // A child that exited takes its CPU time out of the sum: never show a negative figure.
  const cpuPercent = same && elapsed > 0 ? Math.max(0, ((sample.cpuSeconds - prev.cpuSeconds) / elapsed) * 100) : null;
  const over = maxMemory !== null && memoryOf(sample) > maxMemory ? (same ? prev.samplesOver : 0) + 1 : 0;
  const { pssBytes } = sample;
  return {
    usage: {
      pid: sample.pid, cpuPercent, rssBytes: sample.rssBytes, peakRssBytes: Math.max(sample.rssBytes, same ? prev.peakRssBytes : 0),
      pssBytes, peakPssBytes: pssBytes === null ? null : Math.max(pssBytes, (same ? prev.peakPssBytes : null) ?? 0),
      cpuSeconds: sample.cpuSeconds, at: now, samplesOver: over,
    },
    exceeded: over >= SAMPLES_OVER_LIMIT,
  };
}

// What max_memory compares: PSS, or RSS where there is none.
export const memoryOf = (u: { rssBytes: number; pssBytes: number | null }): number => u.pssBytes ?? u.rssBytes;

// "PSS" or "RSS": the word for memoryOf(), in a log line.
export const memoryKind = (u: { pssBytes: number | null }): string => (u.pssBytes === null ? "RSS" : "PSS");

// "612.0 MiB": for the log line and status reason of max_memory.
export function describeBytes(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GiB` : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

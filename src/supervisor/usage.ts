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

const SAMPLES_OVER_LIMIT = 2;

/** One sample of a tree, as advanceUsage takes it. */
export interface UsageSample {
  pid: number;
  cpuSeconds: number;
  rssBytes: number;
  pssBytes: number | null;
}

/** Is max_memory exceeded: above it in SAMPLES_OVER_LIMIT samples in a row? */
export const exceedsMaxMemory = (usage: Usage): boolean => usage.samplesOver >= SAMPLES_OVER_LIMIT;

/**
 * The previous usage (null at first) and one new sample of the tree -> the new usage, with max_memory
 * (bytes, null: none) counted in samplesOver. Written into `into` when given (the sampler's: every
 * program's usage object is written over at every sample, not made anew, which at 1,000 programs was
 * 1,000 objects of garbage every 5 s). `into` may be `prev`: every field of prev is read before any is written.
 */
export function advanceUsage(prev: Usage | null, sample: UsageSample, now: number, maxMemory: number | null, into: Usage | null): Usage {
  const same = prev !== null && prev.pid === sample.pid;
  const elapsed = same ? (now - prev.at) / 1000 : 0;
  // A child that exited takes its CPU time out of the sum: never show a negative figure.
  const cpuPercent = same && elapsed > 0 ? Math.max(0, ((sample.cpuSeconds - prev.cpuSeconds) / elapsed) * 100) : null;
  const over = maxMemory !== null && memoryOf(sample) > maxMemory ? (same ? prev.samplesOver : 0) + 1 : 0;
  const { pssBytes } = sample;
  const peakRssBytes = Math.max(sample.rssBytes, same ? prev.peakRssBytes : 0);
  const peakPssBytes = pssBytes === null ? null : Math.max(pssBytes, (same ? prev.peakPssBytes : null) ?? 0);
  const usage = into ?? blankUsage();
  usage.pid = sample.pid;
  usage.cpuPercent = cpuPercent;
  usage.rssBytes = sample.rssBytes;
  usage.peakRssBytes = peakRssBytes;
  usage.pssBytes = pssBytes;
  usage.peakPssBytes = peakPssBytes;
  usage.cpuSeconds = sample.cpuSeconds;
  usage.at = now;
  usage.samplesOver = over;
  return usage;
}

// Every field at once, so that the object has its final shape from the start.
const blankUsage = (): Usage => ({ pid: 0, cpuPercent: null, rssBytes: 0, peakRssBytes: 0, pssBytes: null, peakPssBytes: null, cpuSeconds: 0, at: 0, samplesOver: 0 });

// What max_memory compares: PSS, or RSS where there is none.
export const memoryOf = (u: { rssBytes: number; pssBytes: number | null }): number => u.pssBytes ?? u.rssBytes;

// "PSS" or "RSS": the word for memoryOf(), in a log line.
export const memoryKind = (u: { pssBytes: number | null }): string => (u.pssBytes === null ? "RSS" : "PSS");

// "612.0 MiB": for the log line and status reason of max_memory.
export function describeBytes(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GiB` : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

import { expect, test } from "bun:test";
import { advanceUsage, exceedsMaxMemory, type Usage, type UsageSample } from "../../src/supervisor/usage.ts";

const MB = 1024 * 1024;
const T0 = 1_000_000;

// A new usage object from the last one and a sample, and whether max_memory is now exceeded.
function nextUsage(prev: Usage | null, sample: UsageSample, now: number, maxMemory: number | null) {
  const usage = advanceUsage(prev, sample, now, maxMemory, null);
  return { usage, exceeded: exceedsMaxMemory(usage) };
}

test("the first sample has memory but no CPU figure yet", () => {
  expect(nextUsage(null, { pid: 7, cpuSeconds: 3, rssBytes: 10 * MB, pssBytes: 4 * MB }, T0, null)).toEqual({
    usage: { pid: 7, cpuPercent: null, rssBytes: 10 * MB, peakRssBytes: 10 * MB, pssBytes: 4 * MB, peakPssBytes: 4 * MB, cpuSeconds: 3, at: T0, samplesOver: 0 },
    exceeded: false,
  });
});

test("max_memory compares PSS, not the summed RSS that counts shared pages once per process", () => {
  // 2,000 `sleep`s: 3.1 GiB of summed RSS on a machine using 1.48 GiB; their PSS is what they cost
  const sleepers = { pid: 7, cpuSeconds: 0, rssBytes: 3100 * MB, pssBytes: 220 * MB };
  const first = nextUsage(null, sleepers, T0, 512 * MB);
  expect(nextUsage(first.usage, sleepers, T0 + 1000, 512 * MB).exceeded).toBe(false);
});

test("without smaps_rollup (PSS null) max_memory falls back to RSS", () => {
  const old = { pid: 7, cpuSeconds: 0, rssBytes: 600 * MB, pssBytes: null };
  const first = nextUsage(null, old, T0, 512 * MB);
  const second = nextUsage(first.usage, old, T0 + 1000, 512 * MB);
  expect([second.exceeded, second.usage.peakPssBytes]).toEqual([true, null]);
});

test("CPU % is CPU time over wall time; the peak keeps the highest RSS", () => {
  const first = nextUsage(null, { pid: 7, cpuSeconds: 3, rssBytes: 30 * MB, pssBytes: 30 * MB }, T0, null).usage;
  const { usage } = nextUsage(first, { pid: 7, cpuSeconds: 4, rssBytes: 20 * MB, pssBytes: 20 * MB }, T0 + 2000, null);
  expect([usage.cpuPercent, usage.rssBytes, usage.peakRssBytes]).toEqual([50, 20 * MB, 30 * MB]);
});

test("a new pid starts over: no CPU figure, a fresh peak", () => {
  const old = nextUsage(null, { pid: 7, cpuSeconds: 3, rssBytes: 30 * MB, pssBytes: 30 * MB }, T0, null).usage;
  const { usage } = nextUsage(old, { pid: 8, cpuSeconds: 0, rssBytes: 5 * MB, pssBytes: 5 * MB }, T0 + 1000, null);
  expect([usage.cpuPercent, usage.peakRssBytes]).toEqual([null, 5 * MB]);
});

test("a child exiting lowers the tree's CPU time: the figure is 0, not negative", () => {
  const first = nextUsage(null, { pid: 7, cpuSeconds: 9, rssBytes: MB, pssBytes: MB }, T0, null).usage;
  expect(nextUsage(first, { pid: 7, cpuSeconds: 2, rssBytes: MB, pssBytes: MB }, T0 + 1000, null).usage.cpuPercent).toBe(0);
});

test.each([
  // [samples' RSS in MB, limit in MB, exceeded after the last]
  [[600], 512, false], // one sample above: maybe a spike
  [[600, 600], 512, true], // two in a row: over
  [[600, 400, 600], 512, false], // not in a row
  [[512, 512], 512, false], // at the limit is not above it
  [[9000, 9000], null, false], // no limit
] as const)("RSS %p MB with max_memory %p MB -> exceeded %p", (samples, limitMb, exceeded) => {
  let prev = null;
  let last = false;
  for (const [i, mb] of samples.entries()) {
    const r = nextUsage(prev, { pid: 7, cpuSeconds: 0, rssBytes: mb * MB, pssBytes: mb * MB }, T0 + i * 1000, limitMb === null ? null : limitMb * MB);
    prev = r.usage;
    last = r.exceeded;
  }
  expect(last).toBe(exceeded);
});

// The sampler writes each program's usage over the last one (no new object per program per sample):
// the figures must be those of a new object, sample after sample, a new pid and max_memory too.
test("a usage written over the last one has the figures of a new one, sample after sample", () => {
  const samples: UsageSample[] = [
    { pid: 7, cpuSeconds: 3, rssBytes: 600 * MB, pssBytes: 30 * MB },
    { pid: 7, cpuSeconds: 4, rssBytes: 700 * MB, pssBytes: 600 * MB },
    { pid: 7, cpuSeconds: 6, rssBytes: 20 * MB, pssBytes: 700 * MB },
    { pid: 8, cpuSeconds: 1, rssBytes: 5 * MB, pssBytes: null },
    { pid: 8, cpuSeconds: 2, rssBytes: 9 * MB, pssBytes: null },
  ];
  let fresh: Usage | null = null;
  let reused: Usage | null = null;
  const object = advanceUsage(null, samples[0]!, T0, 512 * MB, null);
  for (const [i, sample] of samples.entries()) {
    fresh = nextUsage(fresh, sample, T0 + i * 2000, 512 * MB).usage;
    reused = advanceUsage(reused, sample, T0 + i * 2000, 512 * MB, i === 0 ? object : reused);
    expect(reused).toEqual(fresh);
    expect(reused).toBe(object);
  }
});

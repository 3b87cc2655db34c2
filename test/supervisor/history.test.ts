// A process's history (history.ts) and what the supervisor records in it from the machine's steps
// (history-recorder.ts): its bound (bytes that grow with what it holds, up to a fixed number however
// many samples and events go through it), what it gives back, and the cause of each start.
import { describe, expect, test } from "bun:test";
import { DEFAULTS } from "../../src/config/defaults.ts";
import type { ProcessSpec, ProgramConfig } from "../../src/config/schema.ts";
import { exitedWith, killedBy } from "../../src/supervisor/exit-status.ts";
import { BUCKET_MS, BUCKET_SLOTS, EVENT_SLOTS, HISTORY_BYTES, ProcessHistory, SAMPLE_SLOTS, START_CAUSES } from "../../src/supervisor/history.ts";
import { recordStep, startCauseOf } from "../../src/supervisor/history-recorder.ts";
import { newProcessRecord, step, type ProcessEvent, type ProcessRecord } from "../../src/supervisor/machine.ts";
import { newManaged } from "../../src/supervisor/managed.ts";
import { historyViewOf } from "../../src/supervisor/process-view.ts";

const T0 = Date.UTC(2026, 0, 1); // a bucket boundary
const MiB = 1024 * 1024;

describe("the bound: a history grows with what it holds, up to HISTORY_BYTES however long it runs", () => {
  test("nothing is held before the first sample and event; under 1 KiB for two minutes of samples; HISTORY_BYTES after a day, and after 100,000 samples and 10,000 events", () => {
    const h = new ProcessHistory();
    const sizes = [h.byteSize];
    for (let i = 0; i <= 24; i++) h.addSample(T0 + i * 5000, i === 0 ? null : 1, 10 * MiB, null); // two minutes: a bucket closes
    h.addEvent(T0, { kind: "stop" });
    sizes.push(h.byteSize);
    for (let i = 25; i < 24 * 720; i++) h.addSample(T0 + i * 5000, i % 100, (10 + (i % 50)) * MiB, "healthy");
    for (let i = 0; i < 200; i++) h.addEvent(T0 + i, { kind: "start", pid: i + 1, cause: "crash" });
    sizes.push(h.byteSize);
    for (let i = 24 * 720; i < 100_000; i++) h.addSample(T0 + i * 5000, i % 100, (10 + (i % 50)) * MiB, "healthy");
    for (let i = 0; i < 10_000; i++) h.addEvent(T0 + i, { kind: "start", pid: i + 1, cause: "crash" });
    sizes.push(h.byteSize);
    expect([sizes[0], sizes[1]! < 1024, sizes[2], sizes[3]]).toEqual([0, true, HISTORY_BYTES, HISTORY_BYTES]);
  });

  test("HISTORY_BYTES is what docs/history.md states: 720 samples, 720 two-minute buckets, 128 events, 16,320 bytes (under the allocator's 16 KiB class)", () => {
    expect([SAMPLE_SLOTS, BUCKET_SLOTS, BUCKET_MS, EVENT_SLOTS, HISTORY_BYTES]).toEqual([720, 720, 120_000, 128, 16_320]);
  });

  test("growing, then wrapping, keeps every entry in order: irregular times, a gap, a clock set back, values of every kind", () => {
    const h = new ProcessHistory();
    const want = { time: [] as number[], cpuPercent: [] as (number | null)[], memoryBytes: [] as number[], health: [] as (string | null)[] };
    let t = T0;
    for (let i = 0; i < 1000; i++) {
      t += i === 600 ? 20 * 86_400_000 : i === 800 ? -3_600_000 : 1 + ((i * 7919) % 9000); // a 20-day gap, an hour back
      const [cpu, memory, health] = [i % 10 === 0 ? null : (i % 64) / 4, (i * 4096 + 1024) % (4096 * MiB), (["starting", "healthy", "unhealthy", null] as const)[i % 4]!];
      h.addSample(t, cpu, memory, health);
      want.time.push(t), want.cpuPercent.push(cpu), want.memoryBytes.push(memory), want.health.push(health);
      // events in between: each ring grows and wraps on its own, the others' growth not putting it in order again
      if (i % 5 === 0) h.addEvent(T0 + i * 200, { kind: "exit", pid: 1000 + i / 5, code: i % 2 ? i : null, signal: i % 2 ? null : 9, expected: i % 3 === 0 });
    }
    const { samples, events } = h.read();
    const last720 = Object.fromEntries(Object.entries(want).map(([k, column]) => [k, column.slice(-720)]));
    expect(samples).toEqual(last720 as never);
    const wantEvents = Array.from({ length: 200 }, (_, j) => j * 5).map((i) => [T0 + i * 200, 1000 + i / 5, i % 2 ? i : null, i % 2 ? null : 9, i % 3 === 0]);
    expect(events.map((e) => [e.time, e.pid, e.code, e.signal, e.expected])).toEqual(wantEvents.slice(-128));
  });

  test("buckets too: one sample a bucket, a jump of days, a clock set back, past the ring's 720: the last 720 closed buckets in order", () => {
    const h = new ProcessHistory();
    const want = { time: [] as number[], memoryBytes: [] as number[], health: [] as (string | null)[] };
    let bucket = Math.floor(T0 / BUCKET_MS);
    for (let i = 0; i < 1001; i++) {
      bucket += i === 700 ? 30 * 720 : i === 900 ? -50 : 1 + (i % 3); // a 30-day gap, 100 minutes back
      const [memory, health] = [(i + 1) * MiB, (["starting", "healthy", "unhealthy", null] as const)[i % 4]!];
      h.addSample(bucket * BUCKET_MS, i % 7, memory, health);
      want.time.push(bucket * BUCKET_MS), want.memoryBytes.push(memory), want.health.push(health);
    }
    const { buckets } = h.read();
    const closed = (column: unknown[]) => column.slice(-721, -1); // the last sample's bucket is still open
    expect([buckets.time, buckets.memoryBytes, buckets.health]).toEqual([closed(want.time), closed(want.memoryBytes), closed(want.health)] as never);
    expect(h.read(want.time.at(-3)!).buckets.time).toEqual([want.time.at(-2)!]);
  });

  test("what each entry can hold: memory to the KiB up to 1 TiB with every health, exit codes and signals, every start cause", () => {
    const h = new ProcessHistory();
    const TiB = 1024 * 1024 * MiB;
    const memories = [0, 1024, TiB - 1024, TiB, 5 * TiB];
    memories.forEach((memory, i) => h.addSample(T0 + i, 1, memory, "unhealthy"));
    h.addSample(T0 + 10, 1, TiB - 1024, null);
    const { memoryBytes, health } = h.read().samples;
    expect(memoryBytes).toEqual([0, 1024, TiB - 1024, TiB - 1024, TiB - 1024, TiB - 1024]);
    expect(health).toEqual([...memories.map(() => "unhealthy" as const), null]);
    h.addEvent(T0, { kind: "exit", pid: 2 ** 22, code: 255, signal: null, expected: true });
    h.addEvent(T0, { kind: "exit", pid: 1, code: null, signal: 64, expected: false });
    START_CAUSES.forEach((cause, i) => h.addEvent(T0 + i, { kind: "start", pid: i + 1, cause }));
    const events = h.read().events;
    expect(events.slice(0, 2).map((e) => [e.pid, e.code, e.signal, e.expected])).toEqual([[2 ** 22, 255, null, true], [1, null, 64, false]]);
    expect(events.slice(2).map((e) => e.cause)).toEqual([...START_CAUSES]);
  });

  test("after a long run it holds the last 720 samples, the last 720 buckets (a day at 5 s samples) and the last 128 events", () => {
    const h = new ProcessHistory();
    const n = 100_000; // 5.8 days of 5 s samples
    for (let i = 0; i < n; i++) h.addSample(T0 + i * 5000, 1, MiB, null);
    for (let i = 0; i < 1000; i++) h.addEvent(T0 + i, { kind: "start", pid: i + 1, cause: "crash" });
    const { samples, buckets, events } = h.read();
    const last = T0 + (n - 1) * 5000;
    expect([samples.time.length, samples.time[0], samples.time.at(-1)]).toEqual([720, last - 719 * 5000, last]);
    // the bucket being filled is not given back: the samples cover it
    const lastClosed = (Math.floor(last / BUCKET_MS) - 1) * BUCKET_MS;
    expect([buckets.time.length, buckets.time.at(-1), buckets.time.at(-1)! - buckets.time[0]!]).toEqual([720, lastClosed, 719 * BUCKET_MS]);
    expect([events.length, events[0]!.pid, events.at(-1)!.pid]).toEqual([128, 1000 - 127, 1000]);
  });
});

describe("what a history gives back", () => {
  test("samples as recorded: CPU unknown on a first sample, memory to the KiB, health", () => {
    const h = new ProcessHistory();
    h.addSample(T0, null, 12 * MiB + 4096, "starting");
    h.addSample(T0 + 5000, 12.5, 13 * MiB, "healthy");
    expect(h.read().samples).toEqual({ time: [T0, T0 + 5000], cpuPercent: [null, 12.5], memoryBytes: [12 * MiB + 4096, 13 * MiB], health: ["starting", "healthy"] });
  });

  test("a bucket holds the mean and highest CPU, the highest memory and the worst health of its samples", () => {
    const h = new ProcessHistory();
    h.addSample(T0, null, 10 * MiB, "healthy");
    h.addSample(T0 + 5000, 10, 30 * MiB, "unhealthy");
    h.addSample(T0 + 10_000, 30, 20 * MiB, "healthy");
    h.addSample(T0 + BUCKET_MS, 99, MiB, null); // the next bucket closes this one
    expect(h.read().buckets).toEqual({ time: [T0], cpuPercent: [20], cpuMaxPercent: [30], memoryBytes: [30 * MiB], health: ["unhealthy"] });
  });

  test("since: only what came after it", () => {
    const h = new ProcessHistory();
    for (let i = 0; i < 5; i++) h.addSample(T0 + i * 1000, i, MiB, null);
    h.addEvent(T0 + 1500, { kind: "exit", pid: 7, code: null, signal: 9, expected: false });
    h.addEvent(T0 + 3500, { kind: "exit", pid: 8, code: 3, signal: null, expected: false });
    const { samples, events } = h.read(T0 + 2000);
    expect([samples.time, events.map((e) => [e.pid, e.code, e.signal])]).toEqual([[T0 + 3000, T0 + 4000], [[8, 3, null]]]);
  });

  test("a clock set back starts a new bucket instead of mixing two", () => {
    const h = new ProcessHistory();
    h.addSample(T0 + BUCKET_MS, 1, MiB, null);
    h.addSample(T0, 2, 2 * MiB, null);
    h.addSample(T0 + 2 * BUCKET_MS, 3, 3 * MiB, null);
    expect(h.read().buckets.time).toEqual([T0 + BUCKET_MS, T0]);
  });
});

const program = (overrides: Partial<ProgramConfig> = {}): ProgramConfig => ({ ...DEFAULTS.program, command: ["app"], startsecs: 1, ...overrides });
const spec = (cfg: ProgramConfig): ProcessSpec => ({ name: "web", group: "web", programName: "web", groupPriority: cfg.priority, num: 0, credentials: null, stdout_logfile: null, stderr_logfile: null, program: cfg });

describe("startCauseOf: why a spawn happens", () => {
  const record = (overrides: Partial<ProcessRecord>): ProcessRecord => ({ ...newProcessRecord("web"), ...overrides });
  test.each<[string, ProcessEvent, Partial<ProcessRecord>, Partial<ProcessRecord>, string | null, string]>([
    ["a start (autostart or by hand)", { type: "start" }, {}, {}, null, "start"],
    ["a restart by hand", { type: "start" }, {}, {}, "by_hand", "by_hand"],
    ["tsvisor's restart for max_memory", { type: "start" }, {}, {}, "max_memory", "max_memory"],
    ["a retry after failed starts", { type: "timer", timer: "backoff" }, { backoff: 2, lastExit: exitedWith(1) }, {}, null, "retry"],
    ["a crash loop's paced restart", { type: "timer", timer: "backoff" }, { backoff: 0, lastExit: exitedWith(1) }, {}, null, "crash"],
    ["autorestart after a crash", { type: "exited", status: exitedWith(1) }, {}, { lastExit: exitedWith(1) }, null, "crash"],
    ["autorestart after a death by signal", { type: "exited", status: killedBy("KILL") }, {}, { lastExit: killedBy("KILL") }, null, "crash"],
    ["autorestart = true after an expected exit", { type: "exited", status: exitedWith(0) }, {}, { lastExit: exitedWith(0) }, null, "exit"],
    ["the restart after max_runtime's stop", { type: "exited", status: killedBy("TERM") }, { stopCause: "max_runtime" }, { lastExit: killedBy("TERM") }, null, "max_runtime"],
  ])("%s", (_, event, before, after, requested, cause) => {
    expect(startCauseOf(event, record(before), record(after), program(), requested as never)).toBe(cause as never);
  });
});

// A process run through the machine as the driver runs it, its history recorded; `at` moves time on.
function scripted(cfg: ProgramConfig) {
  const m = newManaged(spec(cfg), []);
  const run = {
    now: T0,
    feed(event: ProcessEvent): void {
      const before = m.record;
      const result = step(before, event, cfg, run.now);
      m.record = result.proc;
      recordStep(m, event, before, result, run.now);
    },
    events: () => historyViewOf(m, 0, 5000).events.map((e) => Object.fromEntries(Object.entries(e).filter(([k, v]) => v !== null && k !== "time"))),
    m,
  };
  return run;
}

test("a scripted run: start, crash, autorestart, a restart by hand, a stop by hand, a start that fails until FATAL", () => {
  const r = scripted(program({ startretries: 1 }));
  r.feed({ type: "start" });
  r.feed({ type: "spawned", pid: 100 });
  r.now += 5000;
  r.feed({ type: "timer", timer: "startsecs" });
  r.feed({ type: "exited", status: exitedWith(3) }); // RUNNING -> EXITED -> STARTING
  r.feed({ type: "spawned", pid: 101 });
  r.now += 5000;
  r.feed({ type: "timer", timer: "startsecs" });
  r.m.restartCause = "by_hand"; // as OperatorRequests.restart() sets it
  r.feed({ type: "stop", byHand: true });
  r.feed({ type: "exited", status: killedBy("TERM") });
  r.feed({ type: "start" });
  r.feed({ type: "spawned", pid: 102 });
  r.now += 5000;
  r.feed({ type: "timer", timer: "startsecs" });
  r.feed({ type: "stop", byHand: true });
  r.feed({ type: "exited", status: killedBy("TERM") });
  r.feed({ type: "start" });
  r.feed({ type: "spawnFailed", error: "not found" });
  r.feed({ type: "timer", timer: "backoff" });
  r.feed({ type: "spawnFailed", error: "not found" }); // second failed start with startretries = 1: FATAL
  expect(r.events()).toEqual([
    { kind: "start", pid: 100, cause: "start" },
    { kind: "exit", pid: 100, code: 3, expected: false },
    { kind: "start", pid: 101, cause: "crash" },
    { kind: "exit", pid: 101, signal: "TERM", expected: false },
    { kind: "start", pid: 102, cause: "by_hand" },
    { kind: "stop" },
    { kind: "exit", pid: 102, signal: "TERM", expected: false },
    { kind: "spawn_error", cause: "start" },
    { kind: "spawn_error", cause: "retry" },
    { kind: "fatal" },
  ]);
});

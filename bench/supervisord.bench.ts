// The supervisor's own costs, tsvisor against supervisord 4.2.5 in the same run, round after round
// with the two subjects alternating so that a noisy moment on the machine hits both alike:
//   - start-up: from launching the daemon until its log says every program entered RUNNING
//     (1, 50, 200 and 1,000 `sleep` programs, startsecs = 1, the default of both), against the
//     floor of a bare C loop that only spawns them (bench/spawn-floor.c) plus the startsecs;
//   - idle memory (VmRSS; RssAnon = what the daemon itself allocated; Pss = its fair share of
//     shared pages) and idle CPU (utime + stime over a window) with 1, 50, 200 and 1,000 programs,
//     the window opening only once both daemons have every program RUNNING and 30 s have passed
//     (start-up's memory handed back, IDLE_SETTLE_MS below), against the
//     idle RSS of a compiled Bun program that does nothing (bench/_hello.ts: the runtime's floor);
//   - `tsvisor status` against `supervisorctl status` at each of those counts, once the window
//     has closed: wall time and the command's peak RSS;
//   - crash -> next start: a program that records $EPOCHREALTIME and exits 1 at once, restarted
//     by the daemon (exit from RUNNING: no back-off); the interval between two starts, against
//     bash running the same program in a bare `while :; do ...; done` fork+exec loop;
//   - stop-all: SIGTERM to the daemon until it has exited with its 50 programs stopped;
//   - CPU while programs log a steady trickle of lines, as most services do (1 program at 100 and
//     2,000 lines a second, 1,000 programs at a line a second each): utime + stime over a window.
// Prints a markdown section (medians, p10-p90, tsvisor/supervisord) on stdout.
//   bun bench/supervisord.bench.ts            3 rounds (--rounds N for another count), 60 s idle window
//   bun bench/supervisord.bench.ts --idle     the idle rows only (memory, CPU, status) — ~10 min a round
//   bun bench/supervisord.bench.ts --logging  the CPU-while-logging rows only — ~5 min a round
//   bun bench/supervisord.bench.ts --short    1 round, small counts, 1 s idle window (CI: checks it works)
//   --counts 200,1000                          the idle rows at those program counts only
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { IDLE_FOREVER, buildBunProgram, buildCFloor, settleExecutable } from "./_hello.ts";
import { KINDS, Subject, TSVISOR, waitUntil, withSubject, type Kind, type ProgramSpec } from "./_daemons.ts";
import { cell, median, render, type Row } from "./_rows.ts";
import { measure, procStatusMiB } from "./_supervisord.ts";

const ROOT = resolve(import.meta.dir, "..");
const SHORT = process.argv.includes("--short");
const roundsArg = process.argv.indexOf("--rounds");
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : SHORT ? 1 : 3;
const IDLE_ONLY = process.argv.includes("--idle");
const LOGGING_ONLY = process.argv.includes("--logging");
const countsArg = process.argv.indexOf("--counts");
const IDLE_COUNTS = countsArg > 0 ? countsOption(process.argv[countsArg + 1]) : SHORT ? [5] : [1, 50, 200, 1_000];
const IDLE_WINDOW_MS = SHORT ? 1_000 : 60_000;
// After the last program is RUNNING, start-up is not over: tsvisor lets its start-up pages go 1 s
// later, and for ~30 s Bun's collector and allocator hand start-up's memory back (the main thread's
// madvise calls; per 10 s of CPU, measured: 27–36 ms, then 11–14, then 8–12, then 2–9 as supervisord's
// 2–5; docs/performance.md). The idle window opens after that, for both daemons alike.
const IDLE_SETTLE_MS = SHORT ? 1_500 : 30_000;
const CRASH_INTERVALS = SHORT ? 3 : 20;
/** Programs logging a line every `everyMs`: the count of programs and the interval. */
const LOGGING_CASES = SHORT ? [{ count: 2, everyMs: 10 }] : [{ count: 1, everyMs: 10 }, { count: 1, everyMs: 0.5 }, { count: 1_000, everyMs: 1_000 }];
// Start-up's last CPU (a few ms per 10 s, above) is lost in what logging costs: a shorter settle will do.
const LOGGING_SETTLE_MS = SHORT ? 1_000 : 10_000;
const LOGGING_WINDOW_MS = SHORT ? 1_000 : 30_000;
const STOP_PROGRAMS = SHORT ? 5 : 50;
const CLK_TCK = 100; // sysconf(_SC_CLK_TCK) on Linux

const sleepers = (count: number): ProgramSpec => ({ name: "p", command: ["sleep", "100000"], startsecs: 1, count });

interface Idle { startMs: number; rssMiB: number; anonMiB: number; pssMiB: number; cpuPercent: number; statusMs: number; statusPeakMiB: number }

// "200,1000" -> [200, 1000]; anything else is refused, naming what was given.
function countsOption(value: string | undefined): number[] {
  const counts = (value ?? "").split(",").map(Number);
  if (counts.some((n) => !Number.isInteger(n) || n < 1 || n > 10_000)) throw new Error(`--counts ${JSON.stringify(value)}: want program counts from 1 to 10000, separated by commas, e.g. 200,1000`);
  return counts;
}

function pss(pid: number): number {
  const line = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8").split("\n").find((l) => l.startsWith("Pss:"));
  return line ? Number(line.split(/\s+/)[1]) / 1024 : NaN;
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
}

// Nanoseconds each thread of `pid` has run (/proc/PID/task/TID/schedstat), by thread id.
function threadNs(pid: number): Map<string, number> {
  const ns = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns.set(tid, Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]));
    } catch {
      // exited meanwhile
    }
  }
  return ns;
}

// The % of a core `pid` uses over the next `windowMs`: every thread's nanoseconds. An idle daemon uses
// 2–5 clock ticks (10 ms each) a minute, so utime + stime alone made "≤ supervisord" at 1 program a
// matter of a tick either way. A thread that ran and exited within the window is not in task/, so the
// ticks, less the one their sampling may add, are the floor.
async function cpuPercentOver(pid: number, windowMs: number): Promise<number> {
  const ticks = cpuTicks(pid);
  const before = threadNs(pid);
  await Bun.sleep(windowMs);
  let ns = 0;
  for (const [tid, n] of threadNs(pid)) ns += n - (before.get(tid) ?? 0);
  const tickFloorMs = ((cpuTicks(pid) - ticks - 1) / CLK_TCK) * 1000;
  return (Math.max(ns / 1e6, tickFloorMs) / windowMs) * 100;
}

function idle(kind: Kind, count: number): Promise<Idle> {
  return withSubject(kind, sleepers(count), async (s) => {
    // 1,000 programs take supervisord most of a minute to start (startsecs = 1 each)
    await waitUntil(() => s.runningCount() >= count, `${kind}: ${count} programs RUNNING`, 600_000, 20);
    const startMs = performance.now() - s.launchedAt;
    await Bun.sleep(IDLE_SETTLE_MS);
    const cpuPercent = await cpuPercentOver(s.proc.pid, IDLE_WINDOW_MS);
    const pid = s.proc.pid;
    const memory = { rssMiB: procStatusMiB(pid, "VmRSS"), anonMiB: procStatusMiB(pid, "RssAnon"), pssMiB: pss(pid), cpuPercent };
    return { startMs, ...memory, ...statusCommand(s, count) };
  });
}

// Programs that print a 60-byte line every `everyMs` ms, flushed at once. perl (perl-base: on every
// Debian) rather than python: 1,000 of them fit in ~2 GB.
const tickers = (count: number, everyMs: number): ProgramSpec => ({
  name: "ticker",
  command: ["perl", "-e", `$| = 1; while (1) { print "a line of program output, as a service would log it: all ok\\n"; select(undef, undef, undef, ${everyMs / 1000}) }`],
  startsecs: 1,
  count,
});

// The daemon's CPU (% of a core) while `count` programs each log a line every `everyMs` ms.
function loggingCpu(kind: Kind, count: number, everyMs: number): Promise<number> {
  return withSubject(kind, tickers(count, everyMs), async (s) => {
    await waitUntil(() => s.runningCount() >= count, `${kind}: ${count} logging programs RUNNING`, 600_000, 20);
    await Bun.sleep(LOGGING_SETTLE_MS);
    const cpuPercent = await cpuPercentOver(s.proc.pid, LOGGING_WINDOW_MS);
    const logged = readdirSync(join(s.dir, "logs")).filter((f) => f.startsWith("ticker")).length;
    if (logged < count) throw new Error(`${kind}: only ${logged} of ${count} programs have a log file`);
    return cpuPercent;
  });
}

// `tsvisor status` or `supervisorctl status`, once: its wall time (a ms or two of /usr/bin/time's in it,
// alike for both) and its peak RSS (one process for both); throws unless it listed every program RUNNING.
function statusCommand(s: Subject, count: number): { statusMs: number; statusPeakMiB: number } {
  const argv = s.kind === "tsvisor"
    ? [TSVISOR, "status", "--socket", join(s.dir, "tsvisor.sock")]
    : ["supervisorctl", "-c", join(s.dir, "supervisord.conf"), "status"];
  const r = measure(argv);
  const running = r.stdout.split("\n").filter((l) => /^\S+\s+RUNNING\b/.test(l)).length;
  if (r.exitCode !== 0 || running !== count) throw new Error(`${argv.join(" ")}: exit ${r.exitCode}, ${running} of ${count} RUNNING\n${r.stderr}`);
  return { statusMs: r.ms, statusPeakMiB: r.peakMiB };
}

// VmRSS of a compiled Bun program that does nothing, 2 s after its start: the runtime's own floor.
async function bunIdleFloor(program: string): Promise<number> {
  const proc = Bun.spawn([program], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  try {
    await Bun.sleep(2_000);
    return procStatusMiB(proc.pid, "VmRSS");
  } finally {
    proc.kill("SIGKILL");
    await proc.exited;
  }
}

// Median interval between consecutive starts of a program that exits at once.
function crashLoopProgram(dir: string): string[] {
  return ["/bin/bash", "-c", `echo $EPOCHREALTIME >> ${dir}/starts; exit 1`];
}

function intervals(file: string): number[] {
  const t = readFileSync(file, "utf8").trim().split("\n").map(Number);
  return t.slice(1).map((x, i) => (x - t[i]!) * 1000);
}

async function crashRestart(kind: Kind | "bare loop"): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "tsvisor-bench-"));
  const starts = join(dir, "starts");
  const enough = () => existsSync(starts) && readFileSync(starts, "utf8").split("\n").length > CRASH_INTERVALS + 1;
  try {
    if (kind === "bare loop") {
      const loop = Bun.spawn(["/bin/bash", "-c", `while :; do /bin/bash -c 'echo $EPOCHREALTIME >> ${starts}; exit 1'; done`], { stdout: "ignore", stderr: "ignore" });
      await waitUntil(enough, "the bare loop");
      loop.kill("SIGKILL");
      await loop.exited;
    } else {
      // startsecs = 0: every start reaches RUNNING at once, so each exit is a crash of a running
      // program, not a failed start; backoff_delay = 0 turns off tsvisor's pacing of a crash loop
      // (README "Crash loops"): measured here is how fast a restart can be.
      const s = new Subject(kind, dir, { name: "crasher", command: crashLoopProgram(dir), startsecs: 0, count: 1, backoffDelay: 0 });
      try {
        await waitUntil(enough, `${kind}: ${CRASH_INTERVALS} restarts`, 120_000, 20);
      } finally {
        await s.stop();
      }
    }
    return median(intervals(starts).slice(0, CRASH_INTERVALS));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ms from SIGTERM to the daemon until it has exited, every program stopped.
function stopAll(kind: Kind): Promise<number> {
  return withSubject(kind, sleepers(STOP_PROGRAMS), async (s) => {
    await waitUntil(() => s.runningCount() >= STOP_PROGRAMS, `${kind}: ${STOP_PROGRAMS} programs RUNNING`);
    const pids = childPids(s.proc.pid);
    const t0 = performance.now();
    s.proc.kill("SIGTERM");
    await s.proc.exited;
    const ms = performance.now() - t0;
    const left = pids.filter((pid) => existsSync(`/proc/${pid}`));
    if (left.length) throw new Error(`${kind} exited leaving ${left.length} programs running`);
    return ms;
  });
}

// The start-up rows' floor: the programs' command started `count` times by bench/spawn-floor.c (the
// spawns alone, nothing else a supervisor does), plus the startsecs that both daemons wait before RUNNING.
function startFloorMs(spawnFloor: string, count: number): number {
  const { command: [name, ...args], startsecs } = sleepers(count);
  const path = Bun.which(name!);
  if (path === null) throw new Error(`${name} is not on PATH`);
  const run = Bun.spawnSync([spawnFloor, String(count), path, ...args], { stdout: "pipe", stderr: "pipe" });
  const ms = Number(run.stdout.toString());
  if (run.exitCode !== 0 || !(ms > 0)) throw new Error(`bench/spawn-floor.c: exit ${run.exitCode}: ${run.stderr.toString()}`);
  return ms + startsecs * 1000;
}

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function main(): Promise<void> {
  if (!existsSync(TSVISOR)) throw new Error(`${TSVISOR} is missing: run \`npm run build\``);
  settleExecutable(TSVISOR);
  Bun.spawnSync(["bash", join(ROOT, "scripts/ensure-debian-packages.sh"), "supervisor", "time", "gcc", "libc6-dev"], { stdout: "inherit", stderr: "inherit" });
  const spawnFloor = buildCFloor("spawn-floor");
  const rows: Row[] = [];
  const row = (figure: string, unit: string, target?: Row["target"]): Row => {
    const r: Row = { figure, unit, samples: {}, target };
    rows.push(r);
    return r;
  };
  const add = (r: Row, key: string, v: number) => (r.samples[key] ??= []).push(v);
  const plural = (n: number) => `${n.toLocaleString("en")} program${n > 1 ? "s" : ""}`;
  const perCount = IDLE_COUNTS.map((n) => ({
    n,
    start: row(`start-up to all RUNNING, ${plural(n)} (startsecs = 1)`, "ms", (t, ref, bare) => [
      n === 1_000 ? `≤ 1/5 of supervisord: ${t <= ref / 5 ? "met" : "MISSED"}` : "",
      bare ? `floor: a bare vfork+exec loop starting the same programs, + startsecs, ${cell(bare)} ms (${(median(bare) / ref).toFixed(3)}× supervisord)` : "",
    ].filter(Boolean).join("; ")),
    rss: row(`idle VmRSS, ${plural(n)}`, "MiB", (t, ref) => `≤ supervisord: ${t <= ref ? "met" : "MISSED"}`),
    anon: row(`idle RssAnon (own heap), ${plural(n)}`, "MiB"),
    pss: row(`idle Pss (whole footprint, shared pages split), ${plural(n)}`, "MiB"),
    cpu: row(`idle CPU over ${IDLE_WINDOW_MS / 1000} s, ${plural(n)}`, "% of a core", (t, ref) => `≤ supervisord: ${t <= ref ? "met" : "MISSED"}`),
    status: row(`\`status\` command (supervisorctl's for supervisord), ${plural(n)}`, "ms",
      n >= 1_000 ? (t) => `≤ 100 ms: ${t <= 100 ? "met" : "MISSED"}` : undefined),
    statusPeak: row(`\`status\` command's peak RSS, ${plural(n)}`, "MiB", (t, ref) => `≤ supervisorctl: ${t <= ref ? "met" : "MISSED"}`),
  }));
  const floor = row("idle VmRSS of a compiled Bun program that does nothing (the runtime's floor; in the tsvisor column)", "MiB");
  const crash = row("crash → next start (no back-off)", "ms", (t, _ref, bare) => bare
    ? `≤ 2× bare fork+exec loop, ${cell(bare)} ms: ${t <= 2 * median(bare) ? "met" : "MISSED"} (${(t / median(bare)).toFixed(2)}×)`
    : "");
  const stop = row(`SIGTERM → all ${STOP_PROGRAMS} programs stopped and the daemon exited`, "ms", (t) => `≤ 1 s: ${t <= 1000 ? "met" : "MISSED"}`);
  const logging = LOGGING_CASES.map((c) => ({
    ...c,
    cpu: row(`CPU while ${plural(c.count)} log${c.count > 1 ? "" : "s"} a line every ${c.everyMs} ms${c.count > 1 ? " each" : ""} (${LOGGING_WINDOW_MS / 1000} s)`, "% of a core",
      (t, ref) => `≤ supervisord (not a target of issue 18): ${t <= ref ? "yes" : "no"}`),
  }));
  const floorDir = mkdtempSync(join(tmpdir(), "tsvisor-bench-"));
  const idleBun = buildBunProgram(floorDir, "idle", IDLE_FOREVER);
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const kinds = round % 2 === 0 ? KINDS : [...KINDS].reverse();
      for (const kind of kinds) {
        for (const c of logging) if (!IDLE_ONLY) add(c.cpu, kind, await loggingCpu(kind, c.count, c.everyMs));
        if (LOGGING_ONLY) continue;
        for (const r of perCount) {
          const m = await idle(kind, r.n);
          add(r.start, kind, m.startMs);
          add(r.rss, kind, m.rssMiB);
          add(r.anon, kind, m.anonMiB);
          add(r.pss, kind, m.pssMiB);
          add(r.cpu, kind, m.cpuPercent);
          add(r.status, kind, m.statusMs);
          add(r.statusPeak, kind, m.statusPeakMiB);
        }
        if (IDLE_ONLY) continue;
        add(crash, kind, await crashRestart(kind));
        add(stop, kind, await stopAll(kind));
      }
      if (LOGGING_ONLY) continue;
      add(floor, "floor", await bunIdleFloor(idleBun));
      for (const r of perCount) add(r.start, "bare loop", startFloorMs(spawnFloor, r.n));
      if (!IDLE_ONLY) add(crash, "bare loop", await crashRestart("bare loop"));
    }
  } finally {
    rmSync(floorDir, { recursive: true, force: true });
  }
  process.stdout.write(render(rows.filter((r) => Object.keys(r.samples).length > 0), ROUNDS));
}

await main();

// What the history (docs/history.md) and `tsvisor top` cost:
//   1. the history's memory per process: the typed arrays (history.ts's HISTORY_BYTES) and the whole
//      object as the JS heap holds it, measured on 2,000 histories in this process;
//   2. the daemon's memory over a long run with 50 programs sampled every 100 ms (the sample rings
//      fill in 72 s and wrap every 72 s after): RssAnon as the rings fill and wrap, and beside it the
//      same daemon with sampling off (no samples kept);
//   3. what `tsvisor top -d 1` costs the daemon: the CPU time of a tsvisor with 50 programs while a
//      `top` refreshes every second on it (in tmux, on a real pseudo-terminal), against an identical
//      tsvisor beside it with no client, over the same window; and top's own CPU.
//
//   bun bench/top.bench.ts            # 300 s windows
//   bun bench/top.bench.ts --short    # 90 s windows (CI)
//
// Needs a built dist/tsvisor (npm run bench:top builds it first) and tmux (installed by
// scripts/ensure-debian-packages.sh when missing, as root).
import { heapStats } from "bun:jsc";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { sendRequest } from "../src/control/client.ts";
import { BUCKET_MS, BUCKET_SLOTS, EVENT_SLOTS, HISTORY_BYTES, ProcessHistory, SAMPLE_SLOTS, type HistoryEvent } from "../src/supervisor/history.ts";
import { TSVISOR, waitFor } from "../test/integration/_harness.ts";
import { cpuModel, run } from "./_supervisord.ts";

const ROOT = resolve(import.meta.dir, "..");
const PROGRAMS = 50;
const SHORT = process.argv.includes("--short");
const WINDOW_MS = SHORT ? 90_000 : 300_000;
// Every program RUNNING and sampled, top drawing its first screens.
const SETTLE_MS = 10_000;

interface Daemon {
  label: string;
  proc: ReturnType<typeof Bun.spawn>;
  socket: string;
}

async function main(): Promise<void> {
  run(["bash", join(ROOT, "scripts/ensure-debian-packages.sh"), "tmux"]);
  const dir = mkdtempSync(join(tmpdir(), "tsvisor-bench-top-"));
  const structure = historyStructure();
  const daemons = {
    top: tsvisor(dir, "top", "tsvisor, 50 programs, `top -d 1` attached", ""),
    idle: tsvisor(dir, "idle", "tsvisor, 50 programs, no client", ""),
    sampled: tsvisor(dir, "sampled", "tsvisor, 50 programs, sampled every 100 ms", `sample_interval = "100ms"`),
    unsampled: tsvisor(dir, "unsampled", "tsvisor, 50 programs, sampling off", "sample_interval = 0"),
  };
  const tmux = join(dir, "tmux.sock");
  try {
    for (const d of Object.values(daemons)) await waitFor(() => Bun.spawnSync([TSVISOR, "status", "--socket", d.socket]).exitCode === 0, `${d.label} to answer`, 30_000);
    Bun.spawnSync(["tmux", "-S", tmux, "new-session", "-d", "-x", "160", "-y", "60", `${TSVISOR} top -d 1 --socket ${daemons.top.socket}`]);
    const topPid = await waitFor(() => topPidIn(tmux), "top to run");
    await Bun.sleep(SETTLE_MS);
    const screen = Bun.spawnSync(["tmux", "-S", tmux, "capture-pane", "-p"]).stdout.toString();
    if (!screen.includes(`${PROGRAMS} processes`)) throw new Error(`top does not show the programs:\n${screen}`);

    const watched = [daemons.top.proc.pid, daemons.idle.proc.pid, topPid];
    const before = watched.map(cpuNs);
    const memory: { at: number; sampled: number; unsampled: number }[] = [];
    const started = performance.now();
    const end = started + WINDOW_MS;
    // the memory of the two daemons every 10 s through the window (the rings wrap every 72 s)
    while (performance.now() < end) {
      await Bun.sleep(Math.min(10_000, end - performance.now()));
      memory.push({ at: (performance.now() - started + SETTLE_MS) / 1000, sampled: anonKiB(daemons.sampled.proc.pid), unsampled: anonKiB(daemons.unsampled.proc.pid) });
    }
    const wallNs = (performance.now() - started) * 1e6;
    const cpu = watched.map((pid, i) => (cpuNs(pid) - before[i]!) / wallNs * 100);
    const samples = await historyLength(daemons.sampled.socket);
    process.stdout.write(report(structure, memory, samples, cpu, wallNs));
  } finally {
    Bun.spawnSync(["tmux", "-S", tmux, "kill-server"]);
    for (const d of Object.values(daemons)) run([TSVISOR, "shutdown", "--socket", d.socket]);
    await Promise.all(Object.values(daemons).map((d) => d.proc.exited));
    rmSync(dir, { recursive: true, force: true });
  }
}

function tsvisor(dir: string, name: string, label: string, supervisor: string): Daemon {
  const file = join(dir, `${name}.toml`);
  const socket = join(dir, `${name}.sock`);
  const programs = Array.from({ length: PROGRAMS }, (_, i) => `[programs.p${i}]\ncommand = ["sleep", "100000"]\nstartsecs = 0\n`).join("\n");
  writeFileSync(file, `[supervisor]\nsocket = "${socket}"\nlog_dir = "${join(dir, `logs-${name}`)}"\nconsole = false\n${supervisor}\n\n${programs}`);
  return { label, socket, proc: Bun.spawn([TSVISOR, "run", "-c", file], { stdout: "ignore", stderr: "ignore" }) };
}

// Bytes per history: its typed arrays, and what a whole one takes, every ring full (a day old): of the
// JS heap, and of this process's RSS, measured on 2,000 of them against before.
function historyStructure(): { typedArrays: number; heapPerHistory: number; rssPerHistory: number } {
  const count = 2000;
  const stop: HistoryEvent = { kind: "stop" };
  Bun.gc(true);
  const [heap, rss] = [heapStats().heapSize, vmRssKiB(process.pid)];
  const kept: ProcessHistory[] = [];
  for (let i = 0; i < count; i++) {
    const h = new ProcessHistory();
    for (let j = 0; j < SAMPLE_SLOTS + BUCKET_SLOTS + 1; j++) h.addSample(j * BUCKET_MS, 1, 1024 * 1024, "healthy"); // a bucket each
    for (let j = 0; j < EVENT_SLOTS; j++) h.addEvent(j, stop);
    kept.push(h);
  }
  // A history's rings grow by allocating a larger buffer: the smaller ones it went through are garbage
  // that one collection does not yet hand back (41.9 KB a history after one, 32.1 after three, 300 ms
  // apart). The daemon's steady state is after they are gone.
  for (let i = 0; i < 3; i++) {
    Bun.gc(true);
    Bun.sleepSync(300);
  }
  const heapPerHistory = (heapStats().heapSize - heap) / count;
  const rssPerHistory = ((vmRssKiB(process.pid) - rss) * 1024) / count;
  if (kept.some((h) => h.byteSize !== HISTORY_BYTES)) throw new Error("a history is not HISTORY_BYTES");
  return { typedArrays: HISTORY_BYTES, heapPerHistory, rssPerHistory };
}

async function historyLength(socket: string): Promise<number> {
  const reply = await sendRequest(socket, { op: "history", names: ["p0"] });
  return reply.ok ? reply.result.processes[0]!.samples.time.length : NaN;
}

// The pid of `tsvisor top` in the tmux pane: the pane's process, or its child when a shell runs it.
function topPidIn(tmux: string): number | undefined {
  const pane = Number(Bun.spawnSync(["tmux", "-S", tmux, "display-message", "-p", "#{pane_pid}"]).stdout.toString().trim());
  if (!pane) return undefined;
  if (readFileSync(`/proc/${pane}/cmdline`, "utf8").includes("top")) return pane;
  return Number(Bun.spawnSync(["pgrep", "-P", String(pane)]).stdout.toString().trim().split("\n")[0]) || undefined;
}

// utime + stime of the whole process in ns (threads that ended included), from /proc/PID/stat.
function cpuNs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 1e7;
}

const anonKiB = (pid: number): number => Number(/^RssAnon:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]);
const vmRssKiB = (pid: number): number => Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]);

// The readings grouped by the minute since start they were taken in.
function byMinute<T extends { at: number }>(readings: readonly T[]): [string, T[]][] {
  const minutes = new Map<number, T[]>();
  for (const r of readings) minutes.set(Math.floor(r.at / 60), [...(minutes.get(Math.floor(r.at / 60)) ?? []), r]);
  return [...minutes].map(([m, rows]) => [`${m}–${m + 1}`, rows]);
}

// "16.8 / 19.5 / 22.0"
function spreadOf(values: number[], format: (n: number) => string): string {
  const sorted = values.toSorted((a, b) => a - b);
  return [sorted[0]!, sorted[Math.floor((sorted.length - 1) / 2)]!, sorted.at(-1)!].map(format).join(" / ");
}

function report(structure: ReturnType<typeof historyStructure>, memory: { at: number; sampled: number; unsampled: number }[], samples: number, cpu: number[], wallNs: number): string {
  const mib = (kib: number) => (kib / 1024).toFixed(1);
  const [withTop, idle, top] = cpu as [number, number, number];
  return [
    `Machine: ${cpus().length} CPUs, ${cpuModel()}; load average at the end ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`,
    `${PROGRAMS} programs (\`sleep\`) under each of four tsvisors running side by side; ${(wallNs / 1e9).toFixed(0)} s window after ${SETTLE_MS / 1000} s to settle.`,
    "",
    "### History: memory per process",
    "",
    "| what | bytes |",
    "|---|---:|",
    `| typed arrays of one history (HISTORY_BYTES: 720 samples, 720 buckets, 128 events) | ${structure.typedArrays} |`,
    `| JS heap per history, the whole object, every ring full (measured on 2,000) | ${Math.round(structure.heapPerHistory)} |`,
    `| VmRSS per history, the same 2,000 (the allocator's own overhead included) | ${Math.round(structure.rssPerHistory)} |`,
    `| JS heap for ${PROGRAMS} programs' histories | ${Math.round(structure.heapPerHistory * PROGRAMS)} |`,
    "",
    `RssAnon of a tsvisor with ${PROGRAMS} programs sampled every 100 ms (each sample ring fills at 72 s, then wraps every 72 s; ${samples} samples kept of p0 at the end), and of one with sampling off (nothing sampled, nothing kept), read every 10 s, by minute since start: lowest / median / highest, MiB (the spread is the garbage collector's: sampling allocates per sample, the history only when a ring grows):`,
    "",
    "| minute | sampled every 100 ms | sampling off |",
    "|---:|---:|---:|",
    ...byMinute(memory).map(([minute, rows]) => `| ${minute} | ${spreadOf(rows.map((m) => m.sampled), mib)} | ${spreadOf(rows.map((m) => m.unsampled), mib)} |`),
    "",
    "### `tsvisor top -d 1` on the daemon",
    "",
    "| process | CPU time in the window (ms) | % of one core |",
    "|---|---:|---:|",
    `| tsvisor with \`top -d 1\` attached | ${((withTop / 100) * wallNs / 1e6).toFixed(0)} | ${withTop.toFixed(3)} |`,
    `| tsvisor with no client | ${((idle / 100) * wallNs / 1e6).toFixed(0)} | ${idle.toFixed(3)} |`,
    `| what top costs the daemon (difference) | ${(((withTop - idle) / 100) * wallNs / 1e6).toFixed(0)} | ${(withTop - idle).toFixed(3)} |`,
    `| \`tsvisor top -d 1\` itself | ${((top / 100) * wallNs / 1e6).toFixed(0)} | ${top.toFixed(3)} |`,
    "",
  ].join("\n");
}

await main();

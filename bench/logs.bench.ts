// Log throughput: a program writes 200 MB of 100-byte lines; how long until all of it is in the log
// files (rotation at 50 MB), for the writer redirected straight to a file, tsvisor (console mirror off
// and on) and supervisord 4.2.5, in the same run, round after round. Medians and ratios go to stdout
// and, for a full run, to bench/results/logs.md.
//   npm run bench:logs             9 rounds of 200 MB
//   npm run bench:logs -- --short  2 rounds of 20 MB (rotation at 5 MB), for CI; writes no results file
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, totalmem, tmpdir } from "node:os";
import { join, resolve } from "node:path";

const SHORT = process.argv.includes("--short");
const ROUNDS = SHORT ? 2 : 9;
const TOTAL = SHORT ? 20_000_000 : 200_000_000; // a multiple of the writer's 8000-byte block
const MAXBYTES = SHORT ? "5MB" : "50MB";
const ROOT = resolve(import.meta.dir, "..");
const TSVISOR = join(ROOT, "dist/tsvisor");
const WRITER = join(import.meta.dir, "log-writer.py");
const PYTHON = "/usr/bin/python3"; // Debian's, which the supervisor package depends on

spawnSync(join(ROOT, "scripts/ensure-debian-packages.sh"), ["supervisor"], { stdio: "inherit" });

interface Sample {
  /** ms from the writer's first instruction until every byte is in the files. */
  fromWriter: number;
  /** ms from launching the supervisor (or the writer, for the direct write) until then. */
  fromLaunch: number;
}

const VARIANTS = {
  direct: directWrite,
  "tsvisor": (dir: string) => viaTsvisor(dir, false),
  "tsvisor + console mirror": (dir: string) => viaTsvisor(dir, true),
  "supervisord 4.2.5": viaSupervisord,
} as const;
type Variant = keyof typeof VARIANTS;

async function directWrite(dir: string): Promise<Sample> {
  const launched = Date.now();
  const out = openSync(join(dir, "direct.log"), "w");
  const proc = Bun.spawn([PYTHON, WRITER, String(TOTAL), join(dir, "times")], { stdout: out, stderr: "inherit" });
  await proc.exited;
  closeSync(out);
  const [start, end] = await writerTimes(dir);
  return { fromWriter: end - start, fromLaunch: end - launched };
}

async function viaTsvisor(dir: string, mirror: boolean): Promise<Sample> {
  const config = join(dir, "tsvisor.toml");
  writeFileSync(config, `
[supervisor]
log_dir = "${dir}/logs"
console = ${mirror}
[programs.writer]
command = ["${PYTHON}", "${WRITER}", "${TOTAL}", "${dir}/times"]
startsecs = 0
autorestart = false
stdout_logfile_maxbytes = "${MAXBYTES}"
stdout_logfile_backups = 10
`);
  // tsvisor's stdout is a file: a reader that always keeps up. (Through a pipe, a reader on this same
  // 2-core machine, even `cat > /dev/null`, falls behind a 1 GB/s writer, and tsvisor then drops
  // console lines by design rather than slow the program: that run would measure less work.)
  const console = openSync(join(dir, "console.out"), "w");
  const launched = Date.now();
  const proc = Bun.spawn([TSVISOR, "run", "-c", config], { stdout: console, stderr: "pipe" });
  closeSync(console);
  const done = await allWritten(join(dir, "logs"), "writer.out.log");
  // The writer records its times after its last byte: a stop before that (a loaded machine) would
  // kill it first.
  const [start] = await writerTimes(dir);
  proc.kill("SIGTERM");
  const [log] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  // A console reader too slow would make tsvisor drop lines, and the run would measure less work.
  if (/dropped|dropping/.test(log)) throw new Error(`tsvisor dropped lines; its log:\n${log}`);
  return { fromWriter: done - start, fromLaunch: done - launched };
}

async function viaSupervisord(dir: string): Promise<Sample> {
  const config = join(dir, "supervisord.conf");
  mkdirSync(join(dir, "logs"));
  writeFileSync(config, `
[supervisord]
nodaemon = true
logfile = ${dir}/logs/supervisord.log
pidfile = ${dir}/supervisord.pid
childlogdir = ${dir}/logs
[program:writer]
command = ${PYTHON} ${WRITER} ${TOTAL} ${dir}/times
startsecs = 0
autorestart = false
stdout_logfile = ${dir}/logs/writer.out.log
stdout_logfile_maxbytes = ${MAXBYTES}
stdout_logfile_backups = 10
`);
  const launched = Date.now();
  const proc = Bun.spawn(["supervisord", "-c", config], { stdout: "ignore", stderr: "ignore" });
  const done = await allWritten(join(dir, "logs"), "writer.out.log");
  const [start] = await writerTimes(dir);
  proc.kill("SIGTERM");
  await proc.exited;
  return { fromWriter: done - start, fromLaunch: done - launched };
}

// The moment the log and its backups hold TOTAL bytes, polled every millisecond.
async function allWritten(logDir: string, name: string): Promise<number> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    let size = 0;
    try {
      for (const f of readdirSync(logDir)) if (f === name || f.startsWith(`${name}.`)) size += statSync(join(logDir, f)).size;
    } catch {
      // the directory does not exist yet
    }
    if (size >= TOTAL) return Date.now();
    if (Date.now() > deadline) throw new Error(`only ${size} of ${TOTAL} bytes in ${logDir}/${name}* after 120 s`);
    await Bun.sleep(1);
  }
}

// The writer's own start and end, in ms since the epoch (it writes them as it exits, which may be
// after its last bytes reached the files).
async function writerTimes(dir: string): Promise<[number, number]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    let text = "";
    try {
      text = readFileSync(join(dir, "times"), "utf8");
    } catch {
      // not written yet
    }
    if (text.endsWith("\n")) {
      const [start, end] = text.trim().split(" ").map((ns) => Number(BigInt(ns) / 1000n) / 1000);
      return [start!, end!];
    }
    if (Date.now() > deadline) throw new Error(`the writer never wrote ${dir}/times`);
    await Bun.sleep(1);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (ms: number) => `${(ms / 1000).toFixed(3)} s`;

const samples = Object.fromEntries(Object.keys(VARIANTS).map((v) => [v, [] as Sample[]])) as Record<Variant, Sample[]>;
for (let round = 1; round <= ROUNDS; round++) {
  // Variants interleaved, so a noisy moment on the machine hits all of them alike.
  for (const [name, run] of Object.entries(VARIANTS) as [Variant, (dir: string) => Promise<Sample>][]) {
    const dir = mkdtempSync(join(tmpdir(), "tsvisor-bench-"));
    try {
      samples[name].push(await run(dir));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  process.stderr.write(`round ${round}/${ROUNDS} done\n`);
}

const med = (v: Variant, key: keyof Sample) => median(samples[v].map((s) => s[key]));
const rows = (Object.keys(VARIANTS) as Variant[]).map(
  (v) => `| ${v} | ${fmt(med(v, "fromWriter"))} | ${fmt(med(v, "fromLaunch"))} | ${samples[v].map((s) => (s.fromWriter / 1000).toFixed(3)).join(" ")} |`,
);
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
const ratios = [
  `- tsvisor / direct write, from the writer's start: ${ratio(med("tsvisor", "fromWriter"), med("direct", "fromWriter"))} (target ≤ 1.2×)`,
  `- supervisord / direct write, from the writer's start: ${ratio(med("supervisord 4.2.5", "fromWriter"), med("direct", "fromWriter"))}`,
  `- tsvisor / supervisord, from launch: ${ratio(med("tsvisor", "fromLaunch"), med("supervisord 4.2.5", "fromLaunch"))} (target ≤ 0.33×)`,
  `- tsvisor with the console mirror / without, from the writer's start: ${ratio(med("tsvisor + console mirror", "fromWriter"), med("tsvisor", "fromWriter"))} (target ≤ 2×)`,
];
const loadAverage = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
const machine = [
  `${cpus().length} × ${cpus()[0]?.model ?? "unknown CPU"}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB RAM`,
  `kernel ${readFileSync("/proc/sys/kernel/osrelease", "utf8").trim()}, files in ${tmpdir()} (${spawnSync("stat", ["-f", "-c", "%T", tmpdir()]).stdout.toString().trim()})`,
  `load average ${loadAverage} at the end (a shared machine: variants are interleaved round by round so that others' load hits all alike)`,
  `tsvisor built with Bun ${Bun.version}; ${spawnSync("supervisord", ["--version"]).stdout.toString().trim() ? `supervisord ${spawnSync("supervisord", ["--version"]).stdout.toString().trim()}` : "supervisord ?"}; writer: Debian python3, 8000-byte writes`,
];
const report = [
  `${TOTAL / 1e6} MB of 100-byte lines, rotation at ${MAXBYTES} (10 backups), ${ROUNDS} rounds, medians:`,
  "",
  "| variant | from the writer's start | from launch | each round (from the writer's start, s) |",
  "| --- | --- | --- | --- |",
  ...rows,
  "",
  ...ratios,
].join("\n");
console.log(report);
if (SHORT) console.log("\n(--short: 20 MB is mostly fixed start-up latency; the targets are for the full 200 MB run)");
if (!SHORT) {
  writeFileSync(join(import.meta.dir, "results/logs.md"), [
    "# Log throughput",
    "",
    "`npm run bench:logs` (bench/logs.bench.ts), run on " + new Date().toISOString().slice(0, 10) + ":",
    ...machine.map((m) => `- ${m}`),
    "",
    report,
    "",
  ].join("\n"));
}

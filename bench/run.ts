// `npm run bench`: every benchmark of tsvisor against supervisord (and tini, when bench/init.bench.ts
// exists) in one run on this machine, each printing its section; the whole goes to stdout and, for a
// full run, to bench/RESULTS.md with the machine's description.
//   npm run bench                 full run (~30 min on 2 cores), writes bench/RESULTS.md
//   npm run bench -- --short      small counts, one round: checks that every bench still works and
//                                 judges no time (CI); writes nothing
// Extra arguments (e.g. --rounds 3) are passed on to bench/supervisord.bench.ts.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");
const SHORT = process.argv.includes("--short");
const passOn = process.argv.slice(2);

interface Bench { file: string; title: string; args: string[] }
const BENCHES: Bench[] = [
  { file: "supervisord.bench.ts", title: "Start-up, idle memory and CPU, `status` at 1 to 1,000 programs, crash → restart, stop-all", args: passOn },
  { file: "control.bench.ts", title: "`check` / `status` latency and peak RSS, 50 programs", args: SHORT ? ["--short"] : [] },
  { file: "logs.bench.ts", title: "Log throughput", args: SHORT ? ["--short"] : [] },
  { file: "log-latency.bench.ts", title: "A quiet program's lines beside a flat-out writer", args: SHORT ? ["--short"] : [] },
  { file: "init.bench.ts", title: "Reaping storm and signal latency vs tini", args: SHORT ? ["--short"] : [] },
  { file: "http.bench.ts", title: "HTTP API vs supervisord's XML-RPC, 50 programs", args: SHORT ? ["--short"] : [] },
  { file: "rpc.bench.ts", title: "supervisord's XML-RPC API served by tsvisor vs by supervisord, 50 programs", args: SHORT ? ["--short"] : [] },
  { file: "top.bench.ts", title: "History memory per process and `tsvisor top`'s cost on the daemon, 50 programs", args: SHORT ? ["--short"] : [] },
  { file: "first-use.bench.ts", title: "What one first use costs a daemon whose executable's pages were let go", args: SHORT ? ["--rounds", "1"] : [] },
];

function machine(): string {
  const model = readFileSync("/proc/cpuinfo", "utf8").split("\n").find((l) => l.startsWith("model name"))?.split(":")[1]?.trim() ?? "unknown";
  const kernel = readFileSync("/proc/sys/kernel/osrelease", "utf8").trim();
  const sup = Bun.spawnSync(["supervisord", "--version"]).stdout.toString().trim();
  const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  return [
    `- nproc: ${cpus().length}; CPU: ${model}; memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB; kernel: Linux ${kernel}`,
    `- tsvisor ${JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version} (dist/tsvisor, Bun ${Bun.version}); supervisord ${sup || "?"} (Debian package \`supervisor\`)`,
    `- load average when the run ended: ${load}`,
  ].join("\n");
}

// The issue's rows for `check` and `status` (issue 18), from the control bench's section: each
// against a compiled Bun hello world (≤ 1.3×) and supervisorctl's peak RSS (≤).
function controlHeadlines(section: string): string | null {
  const column = (label: string, index: number) => {
    const row = section.split("\n").find((l) => l.startsWith(`| ${label} |`));
    return row ? Number(row.split("|")[index]) : NaN;
  };
  const [MEDIAN, PEAK] = [2, 8];
  const hello = column("compiled Bun hello world (runtime floor)", MEDIAN);
  const ctl = column("supervisorctl status", MEDIAN);
  const ctlPeak = column("supervisorctl status", PEAK);
  if (!(hello > 0 && ctl > 0)) return null;
  const rows = ["check", "status"].flatMap((command) => {
    const wall = column(`tsvisor ${command}`, MEDIAN);
    const peak = column(`tsvisor ${command}`, PEAK);
    return [
      `| \`tsvisor ${command}\` wall vs a compiled Bun hello world, 50 programs | ms | ${wall.toFixed(1)} | ${hello.toFixed(1)} | ${(wall / hello).toFixed(2)} | ≤ 1.3×: ${wall <= 1.3 * hello ? "met" : "MISSED"} (supervisorctl status: ${ctl.toFixed(1)} ms) |`,
      `| \`tsvisor ${command}\` peak RSS vs supervisorctl status's | MiB | ${peak.toFixed(1)} | ${ctlPeak.toFixed(1)} | ${(peak / ctlPeak).toFixed(2)} | ≤ 1×: ${peak <= ctlPeak ? "met" : "MISSED"} |`,
    ];
  });
  return `| figure | unit | tsvisor | reference | ratio | target |\n|---|---|---:|---:|---:|---|\n${rows.join("\n")}`;
}

// What the figures mean and why a missed target is missed, and the dated before/after rounds of
// issue 18: written by hand, kept across runs.
function notes(): string {
  return ["results/notes.md", "results/issue-18-rounds.md"]
    .map((name) => join(import.meta.dir, name))
    .filter((file) => existsSync(file))
    .map((file) => `\n${readFileSync(file, "utf8").trim()}\n`)
    .join("");
}

// Each --short run takes a few minutes at most; a full one (1,000 programs, 200 MB of logs) under an hour.
const BENCH_TIMEOUT_MS = (SHORT ? 15 : 60) * 60_000;
const sections: string[] = [];
let failed = false;
for (const bench of BENCHES) {
  const path = join(import.meta.dir, bench.file);
  if (!existsSync(path)) {
    process.stderr.write(`bench/run.ts: ${bench.file} is not in this tree; skipped\n`);
    continue;
  }
  process.stderr.write(`\n=== ${bench.file} ${bench.args.join(" ")}\n`);
  const started = performance.now();
  // A benchmark that hangs (a wait for something that never comes) must not take CI's whole time with it
  const proc = Bun.spawnSync([process.execPath, path, ...bench.args], { cwd: ROOT, stdout: "pipe", stderr: "inherit", timeout: BENCH_TIMEOUT_MS });
  const out = proc.stdout.toString();
  process.stdout.write(out);
  const ended = proc.exitedDueToTimeout ? `stopped: still running after ${BENCH_TIMEOUT_MS / 60_000} min` : `exit ${proc.exitCode}`;
  process.stderr.write(`=== ${bench.file}: ${ended} after ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
  if (proc.exitCode !== 0) failed = true;
  const failure = proc.exitCode === 0 ? "" : `\n**This benchmark failed (${ended}); its figures above are what it printed before.**\n`;
  sections.push(`## ${bench.title}\n\n\`bun bench/${bench.file} ${bench.args.join(" ")}\`\n\n${out.trim()}\n${failure}`);
  if (bench.file === "control.bench.ts") {
    const headline = controlHeadlines(out);
    if (headline) process.stdout.write(`\n${headline}\n`);
  }
}

// A full run takes the better part of an hour: what it measured is written even when one benchmark
// failed (that section says so), and the exit status still tells.
if (!SHORT) {
  const control = sections.find((s) => s.includes("control.bench.ts")) ?? "";
  const headline = controlHeadlines(control);
  const text = `# Benchmarks: tsvisor vs supervisord 4.2.5

Written by \`npm run bench\` (bench/run.ts) on ${new Date().toISOString().slice(0, 10)}. Every figure is
measured on both supervisors in the same run, the two alternating round by round.

## Machine

${machine()}

${sections.join("\n")}
${notes()}
${headline ? `## The check and status rows of issue 18\n\n${headline}\n` : ""}`;
  writeFileSync(join(import.meta.dir, "RESULTS.md"), text);
  process.stderr.write("bench/run.ts: wrote bench/RESULTS.md\n");
}
if (failed) {
  process.stderr.write("bench/run.ts: a benchmark failed\n");
  process.exit(1);
}

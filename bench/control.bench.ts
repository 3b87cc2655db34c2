// How long an operator or a health probe waits for an answer: wall time of `tsvisor check` and
// `tsvisor status` against `supervisorctl status`, each daemon supervising the same 50 programs,
// measured in the same run, interleaved round by round so that machine load hits all alike.
// Floors are measured too: `/bin/true` (starting any process at all) and a compiled Bun "hello world"
// built with tsvisor's own build flags (bench/_hello.ts: starting Bun's runtime, which every tsvisor
// command pays before its first line), printing through process.stdout as tsvisor does, and the
// same printing through console.log (process.stdout's Node stream alone costs ~25 ms and ~8 MiB).
// After the timed rounds, each command's peak RSS (GNU time's %M) over a few more runs.
//
//   bun bench/control.bench.ts            # 200 rounds
//   bun bench/control.bench.ts --short    # 20 rounds (CI)
//
// Needs root for apt (scripts/ensure-debian-packages.sh installs supervisor when missing) and a
// built dist/tsvisor (npm run bench:control builds it first).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { HELLO_WORLD, buildBunProgram, settleExecutable } from "./_hello.ts";
import { cpuModel, measure, quantile, run, supervisordConfig } from "./_supervisord.ts";

const ROOT = resolve(import.meta.dir, "..");
const TSVISOR = join(ROOT, "dist/tsvisor");
const PROGRAMS = 50;
const SHORT = process.argv.includes("--short");
const ROUNDS = SHORT ? 20 : 200;
const WARMUP = 3;
const PEAK_RUNS = SHORT ? 1 : 5;

interface Subject {
  label: string;
  argv: string[];
  env?: Record<string, string>;
  /** What a correct answer looks like: the probe must have done its job, not failed fast. */
  check: (stdout: string, exitCode: number) => boolean;
}

async function main(): Promise<void> {
  if (!existsSync(TSVISOR)) throw new Error(`${TSVISOR} is missing: run \`npm run build\` (npm run bench:control does)`);
  settleExecutable(TSVISOR);
  run(["bash", join(ROOT, "scripts/ensure-debian-packages.sh"), "supervisor", "time"]);
  const dir = mkdtempSync(join(tmpdir(), "tsvisor-bench-"));
  const tsvisorSocket = join(dir, "tsvisor.sock");
  const supervisorConf = join(dir, "supervisord.conf");
  writeFileSync(join(dir, "tsvisor.toml"), tsvisorConfig());
  writeFileSync(supervisorConf, supervisordConfig(dir, PROGRAMS));
  const hello = buildBunProgram(dir, "hello", HELLO_WORLD);
  const helloConsole = buildBunProgram(dir, "hello-console", 'console.log("hello");\n');
  const tsvisord = Bun.spawn([TSVISOR, "run", "-c", join(dir, "tsvisor.toml"), "--socket", tsvisorSocket], { stdout: "ignore", stderr: "ignore" });
  const supervisord = Bun.spawn(["supervisord", "-n", "-c", supervisorConf], { stdout: "ignore", stderr: "ignore" });
  try {
    const subjects: Subject[] = [
      { label: "/bin/true (process start floor)", argv: ["/bin/true"], check: (_o, code) => code === 0 },
      { label: "compiled Bun hello world (runtime floor)", argv: [hello], check: (o, code) => code === 0 && o === "hello\n" },
      { label: "compiled Bun hello world, console.log", argv: [helloConsole], check: (o, code) => code === 0 && o === "hello\n" },
      { label: "tsvisor check", argv: [TSVISOR, "check", "--socket", tsvisorSocket], check: (o, code) => code === 0 && o.startsWith("ok:") },
      { label: "tsvisor status", argv: [TSVISOR, "status", "--socket", tsvisorSocket], check: (o, code) => code === 0 && countRunning(o) === PROGRAMS },
      { label: "supervisorctl status", argv: ["supervisorctl", "-c", supervisorConf, "status"], check: (o, code) => code === 0 && countRunning(o) === PROGRAMS },
    ];
    await waitUntil(() => subjects.every((s) => s.check(...capture(s))), "both daemons to report 50 RUNNING programs");
    const samples = new Map(subjects.map((s) => [s.label, [] as number[]]));
    for (let round = 0; round < WARMUP + ROUNDS; round++) {
      // rotate the order each round so no subject always runs first (or right after another)
      for (let i = 0; i < subjects.length; i++) {
        const subject = subjects[(round + i) % subjects.length]!;
        const start = performance.now();
        const [stdout, exitCode] = capture(subject);
        const ms = performance.now() - start;
        if (!subject.check(stdout, exitCode)) throw new Error(`${subject.label} answered wrongly (exit ${exitCode}):\n${stdout}`);
        if (round >= WARMUP) samples.get(subject.label)!.push(ms);
      }
    }
    const peaks = new Map(subjects.map((s) => [s.label, [] as number[]]));
    for (let i = 0; i < PEAK_RUNS; i++) for (const s of subjects) peaks.get(s.label)!.push(measure(s.argv).peakMiB);
    process.stdout.write(report(subjects, samples, peaks));
  } finally {
    run([TSVISOR, "shutdown", "--socket", tsvisorSocket]);
    run(["supervisorctl", "-c", supervisorConf, "shutdown"]);
    await Promise.all([tsvisord.exited, supervisord.exited]);
    rmSync(dir, { recursive: true, force: true });
  }
}

function tsvisorConfig(): string {
  return Array.from({ length: PROGRAMS }, (_, i) => `[programs.p${i}]\ncommand = ["sleep", "100000"]\nstartsecs = 0\n`).join("\n");
}

// Run a subject to completion (synchronously: nothing else runs while it is timed).
function capture(subject: Subject): [string, number] {
  const proc = Bun.spawnSync(subject.argv, { env: { ...process.env, ...subject.env }, stdout: "pipe", stderr: "pipe" });
  return [proc.stdout.toString(), proc.exitCode ?? -1];
}

const countRunning = (stdout: string) => stdout.split("\n").filter((l) => /^p\d+\s+RUNNING\b/.test(l)).length;

async function waitUntil(done: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(100);
  }
}

function report(subjects: readonly Subject[], samples: Map<string, number[]>, peaks: Map<string, number[]>): string {
  const stats = subjects.map((s) => {
    const sorted = [...samples.get(s.label)!].sort((a, b) => a - b);
    const peak = quantile([...peaks.get(s.label)!].sort((a, b) => a - b), 0.5);
    return { label: s.label, median: quantile(sorted, 0.5), p10: quantile(sorted, 0.1), p90: quantile(sorted, 0.9), min: sorted[0]!, peak };
  });
  const ctl = stats.find((s) => s.label === "supervisorctl status")!;
  const floor = stats[0]!;
  const ms = (n: number) => n.toFixed(1);
  const lines = [
    `Machine: ${cpus().length} CPUs, ${cpuModel()}; load average at the end ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`,
    `${PROGRAMS} programs under each daemon; ${ROUNDS} rounds after ${WARMUP} warm-up rounds, subjects interleaved; wall time of the whole command, ms; peak RSS: median of ${PEAK_RUNS} more run${PEAK_RUNS > 1 ? "s" : ""}, MiB.`,
    "",
    "| command | median | p10 | p90 | min | median / supervisorctl | median above the floor / supervisorctl's | peak RSS | peak RSS / supervisorctl's |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...stats.map((s) =>
      `| ${s.label} | ${ms(s.median)} | ${ms(s.p10)} | ${ms(s.p90)} | ${ms(s.min)} | ${(s.median / ctl.median).toFixed(2)} | ${((s.median - floor.median) / (ctl.median - floor.median)).toFixed(2)} | ${s.peak.toFixed(1)} | ${(s.peak / ctl.peak).toFixed(2)} |`,
    ),
    "",
  ];
  return `${lines.join("\n")}\n`;
}

await main();

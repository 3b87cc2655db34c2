// PID 1 benchmarks, tsvisor against tini (Debian's package) in the same run, each as PID 1 of a fresh
// PID namespace:
//   storm       time until no zombie is left after N orphans (made in batches by perl, as in the
//               tests), and the drain lag after the last one was made
//   round trip  a signal sent to the init -> the child's handler runs (it answers on stdout); the same
//               signal sent straight to the child is the floor
//   start-up    `INIT -- true` from spawn to exit, against a compiled Bun hello world (bench/_hello.ts)
//   churn       tsvisor run mode: fds and RSS before and after thousands of spawns (tini has no such mode)
// Usage: npm run bench:init [-- --short]   (needs root for unshare; installs tini when missing)
import { spawnSync } from "bun";
import { cpus, loadavg, totalmem } from "node:os";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { countOpenFds, readRssBytes } from "../src/os/procfs.ts";
import { HELLO_WORLD, buildBunProgram, settleExecutable } from "./_hello.ts";

const ROOT = resolve(import.meta.dir, "..");
const TSVISOR = join(ROOT, "dist/tsvisor");
const SHORT = process.argv.includes("--short");
const ORPHANS = SHORT ? 1_000 : 10_000;
const STORM_RUNS = SHORT ? 1 : 3;
const ROUND_TRIPS = SHORT ? 30 : 300;
const STARTS = SHORT ? 5 : 20;
const CHURN_SPAWNS = SHORT ? 500 : 3_000;
const UNSHARE = ["unshare", "--pid", "--fork", "--mount-proc"];

if (!existsSync(TSVISOR)) throw new Error(`${TSVISOR} is missing: run \`npm run build\` first`);
settleExecutable(TSVISOR);
if (spawnSync([join(ROOT, "scripts/ensure-debian-packages.sh"), "tini", "perl-base"]).exitCode !== 0) throw new Error("could not install tini");
const INITS: Record<string, string[]> = { tini: ["tini", "--"], tsvisor: [TSVISOR, "--"] };
const work = mkdtempSync(join(tmpdir(), "tsvisor-bench-"));
process.on("exit", () => rmSync(work, { recursive: true, force: true }));

// --- storm ---
// Runs inside the namespace as the init's only child: makes the orphans (the tests' fixture: perl
// batches of 1000, two at a time), then polls /proc (small in a fresh namespace) every 5 ms until no
// zombie is left. Prints "start made end" in ns, then the CPU time PID 1 (the init) has used, in clock
// ticks (utime + stime of /proc/1/stat).
const stormDriver = join(work, "storm.sh");
writeFileSync(stormDriver, `
start=$(date +%s%N)
"${join(ROOT, "test/fixtures/bin/orphan-storm-fixture.sh")}" "$1"
made=$(date +%s%N)
while grep -qs '^[0-9]* ([^)]*) Z' /proc/[0-9]*/stat; do sleep 0.005; done
echo "$start $made $(date +%s%N) $(cut -d')' -f2 /proc/1/stat | awk '{print $12 + $13}')"
`);

const CLOCK_TICKS_PER_S = Number(spawnSync(["getconf", "CLK_TCK"]).stdout.toString().trim()) || 100;

function storm(init: string[]): { totalMs: number; drainMs: number; cpuMs: number } {
  const run = spawnSync([...UNSHARE, ...init, "sh", stormDriver, String(ORPHANS)], { stdout: "pipe", stderr: "pipe" });
  const [start, made, end, ticks] = run.stdout.toString().trim().split(" ").map(Number);
  if (run.exitCode !== 0 || ticks === undefined) throw new Error(`storm under ${init[0]} failed: ${run.stderr.toString()}`);
  return { totalMs: (end! - start!) / 1e6, drainMs: (end! - made!) / 1e6, cpuMs: (ticks * 1000) / CLOCK_TICKS_PER_S };
}

// --- signal round trip ---
// perl waiting in sigsuspend() with USR1 blocked otherwise: a signal can never fall between its
// handler and the next wait (with `sleep` in a loop, one in a few hundred would, under any init).
const RESPONDER = ["perl", "-MPOSIX", "-e",
  '$|=1; sigprocmask(SIG_BLOCK, POSIX::SigSet->new(SIGUSR1)); $SIG{USR1} = sub { print "x\\n" }; print "ready\\n"; sigsuspend(POSIX::SigSet->new) while 1'];

async function roundTrips(init: string[] | null): Promise<number[]> {
  const proc = Bun.spawn(init === null ? [...UNSHARE, ...RESPONDER] : [...UNSHARE, ...init, ...RESPONDER], { stdout: "pipe", stderr: "inherit" });
  const reader = proc.stdout.getReader();
  const nextLine = async () => {
    const read = await Promise.race([reader.read(), Bun.sleep(5000).then(() => null)]);
    if (read === null) throw new Error(`no answer from the child within 5 s under ${init?.[0] ?? "no init"}: a signal was lost`);
    return new TextDecoder().decode(read.value);
  };
  try {
    await nextLine(); // "ready"
    const initPid = childrenOf(proc.pid)[0]!; // PID 1 of the namespace: the init, or the responder itself
    const times: number[] = [];
    for (let i = 0; i < ROUND_TRIPS; i++) {
      const t0 = performance.now();
      process.kill(initPid, "SIGUSR1");
      await nextLine();
      times.push(performance.now() - t0);
    }
    return times;
  } finally {
    // PID 1 first: its death ends everything in the namespace (killing unshare first would leave
    // the namespace running, re-parented away from it)
    for (const pid of childrenOf(proc.pid)) process.kill(pid, "SIGKILL");
    proc.kill("SIGKILL");
    await proc.exited;
    await reader.cancel();
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").split(" ").filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

// --- start-up ---
// Each command in turn, round after round (a noisy moment hits all alike); ms from spawn to exit.
function startUps(commands: Record<string, string[]>): Record<string, number[]> {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((name) => [name, []]));
  for (let i = 0; i < STARTS; i++) {
    for (const [name, argv] of Object.entries(commands)) {
      const t0 = performance.now();
      const run = spawnSync(argv, { stdout: "ignore" });
      if (run.exitCode !== 0) throw new Error(`${argv.join(" ")} exited ${run.exitCode}`);
      times[name]!.push(performance.now() - t0);
    }
  }
  return times;
}

// --- churn (tsvisor run mode) ---
async function churn(): Promise<{ spawns: number; seconds: number; fds: [number, number]; rssMiB: [number, number] }> {
  const config = join(work, "churn.toml");
  // backoff_delay = 0: pacing off, so the churn is as fast as spawning goes (what this bench measures)
  writeFileSync(config, `[programs.blink]\ncommand = ["true"]\nautorestart = true\nstartsecs = 0\nbackoff_delay = 0\n`);
  const proc = Bun.spawn([TSVISOR, "run", "-c", config], { stdout: "ignore", stderr: "pipe" });
  let spawns = 0;
  void (async () => {
    for await (const chunk of proc.stderr) spawns += (new TextDecoder().decode(chunk).match(/spawned: blink/g) ?? []).length;
  })();
  const sample = async () => {
    let fds = Number.POSITIVE_INFINITY;
    // the fewest over a few samples: a child being spawned holds a pidfd for a moment
    for (let i = 0; i < 10; i++, await Bun.sleep(10)) fds = Math.min(fds, countOpenFds(proc.pid));
    const rss = readRssBytes(proc.pid)! / 2 ** 20;
    return { fds, rss };
  };
  // a deadline, so a churn that stalls (the program paced or FATAL) is reported, not waited for forever
  const untilSpawns = async (n: number) => {
    const deadline = performance.now() + 300_000;
    while (spawns < n) {
      if (performance.now() > deadline || proc.exitCode !== null) throw new Error(`churn stalled at ${spawns} spawns of ${n}: is blink paced by back-off?`);
      await Bun.sleep(20);
    }
  };
  await untilSpawns(300);
  const before = await sample();
  const [from, t0] = [spawns, performance.now()];
  await untilSpawns(from + CHURN_SPAWNS);
  const seconds = (performance.now() - t0) / 1000;
  const after = await sample();
  const done = spawns - from;
  proc.kill("SIGTERM");
  await proc.exited;
  return { spawns: done, seconds, fds: [before.fds, after.fds], rssMiB: [before.rss, after.rss] };
}

// --- report ---
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))]!;
const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

const storms: Record<string, ReturnType<typeof storm>[]> = { tini: [], tsvisor: [] };
for (let run = 0; run < STORM_RUNS; run++) for (const [name, init] of Object.entries(INITS)) storms[name]!.push(storm(init));
const trips: Record<string, number[]> = {};
trips["direct (no init)"] = await roundTrips(null);
for (const [name, init] of Object.entries(INITS)) trips[name] = await roundTrips(init);
const hello = buildBunProgram(work, "hello", HELLO_WORLD);
// On a terminal (util-linux's script gives one, to both): CMD then takes the terminal's foreground,
// which tsvisor does through the foreground exec (docs/init.md "The terminal").
const onTerminal = (argv: string[]) => ["script", "-qec", argv.join(" "), "/dev/null"];
const starts = startUps({
  ...Object.fromEntries(Object.entries(INITS).map(([name, init]) => [name, [...init, "true"]])),
  "compiled Bun hello world (runtime floor)": [hello],
  ...Object.fromEntries(Object.entries(INITS).map(([name, init]) => [`${name}, on a terminal (script)`, onTerminal([...init, "true"])])),
  "compiled Bun hello world, on a terminal (script)": onTerminal([hello]),
});
const helloMs = median(starts["compiled Bun hello world (runtime floor)"]!);
const helloOnTerminalMs = median(starts["compiled Bun hello world, on a terminal (script)"]!);
const TERMINAL_ROWS = (name: string) => name.endsWith("(script)");
const c = await churn();

const stormRow = (name: string) => {
  const s = storms[name]!;
  return `| ${name} | ${ms(median(s.map((r) => r.totalMs)))} | ${ms(median(s.map((r) => r.drainMs)))} | ${ms(median(s.map((r) => r.cpuMs)))} |`;
};
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
const lines = [
  `## ${new Date().toISOString().slice(0, 10)}${SHORT ? " (--short)" : ""}`,
  "",
  `Machine: ${cpus()[0]?.model ?? "?"}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Linux ${readFileSync("/proc/sys/kernel/osrelease", "utf8").trim()}; ` +
    `load average at the end ${loadavg().map((l) => l.toFixed(1)).join(" ")}; tini ${spawnSync(["tini", "--version"]).stdout.toString().trim().replace(/^tini version /, "")}.`,
  "",
  `### Reaping storm: ${ORPHANS.toLocaleString("en")} orphans, median of ${STORM_RUNS} run(s)`,
  "",
  "| init (PID 1) | start -> no zombie left (ms) | last orphan made -> no zombie left (ms) | CPU used by the init (ms) |",
  "| --- | ---: | ---: | ---: |",
  stormRow("tini"),
  stormRow("tsvisor"),
  "",
  `tsvisor / tini, whole storm: ${ratio(median(storms.tsvisor!.map((r) => r.totalMs)), median(storms.tini!.map((r) => r.totalMs)))}; ` +
    "the storm's length is the time to fork the orphans, the same under both; the drain and the CPU columns are the init's own work.",
  "",
  `### Signal round trip: SIGUSR1 to PID 1 -> the child's handler answers, ${ROUND_TRIPS} trips`,
  "",
  "| sent to | median (ms) | p95 (ms) |",
  "| --- | ---: | ---: |",
  ...Object.entries(trips).map(([name, t]) => `| ${name} | ${ms(median(t))} | ${ms(p95(t))} |`),
  "",
  `tsvisor / tini, median: ${ratio(median(trips.tsvisor!), median(trips.tini!))}`,
  "",
  `### Start-up: \`INIT -- true\`, spawn to exit, median of ${STARTS}, commands in turn`,
  "",
  "| command | median (ms) | / hello world |",
  "| --- | ---: | ---: |",
  ...Object.entries(starts).map(([name, t]) => `| ${name} | ${ms(median(t))} | ${ratio(median(t), TERMINAL_ROWS(name) ? helloOnTerminalMs : helloMs)} |`),
  "",
  `The terminal rows are against the hello world on a terminal. \`tsvisor -- true\` ≤ 1.3× a compiled Bun hello world: ` +
    `${median(starts.tsvisor!) <= 1.3 * helloMs ? "met" : "MISSED"}; on a terminal: ` +
    `${median(starts["tsvisor, on a terminal (script)"]!) <= 1.3 * helloOnTerminalMs ? "met" : "MISSED"}`,
  "",
  `### Spawn churn (tsvisor run mode, a program that exits at once, autorestart)`,
  "",
  `${c.spawns.toLocaleString("en")} spawns in ${c.seconds.toFixed(1)} s (${(c.spawns / c.seconds).toFixed(0)}/s): open fds ${c.fds[0]} -> ${c.fds[1]}, ` +
    `RSS ${c.rssMiB[0].toFixed(1)} -> ${c.rssMiB[1].toFixed(1)} MiB.`,
  "",
];
process.stdout.write(`${lines.join("\n")}\n`);

// What watching costs while nothing happens: the CPU time of the supervisor process itself
// (utime + stime of all its threads, /proc/PID/stat) over the same idle window, for four daemons
// running side by side, each with the same 50 programs (`sleep`):
//   - tsvisor with sampling (default 5 s) and an HTTP health check on every program (default 10 s),
//   - tsvisor with sampling only,
//   - tsvisor with sampling and health checks off (sample_interval = 0, no healthcheck),
//   - supervisord, which samples nothing.
// The health endpoint is served by this script (its CPU is not counted).
//
//   bun bench/health.bench.ts            # 300 s window
//   bun bench/health.bench.ts --short    # 60 s window (CI)
//
// Needs root for apt (scripts/ensure-debian-packages.sh installs supervisor when missing) and a
// built dist/tsvisor (npm run bench:health builds it first).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { cpuModel, run, supervisordConfig } from "./_supervisord.ts";

const ROOT = resolve(import.meta.dir, "..");
const TSVISOR = join(ROOT, "dist/tsvisor");
const PROGRAMS = 50;
const SHORT = process.argv.includes("--short");
const WINDOW_MS = SHORT ? 60_000 : 300_000;
// Long enough for every program to be RUNNING, sampled, and health-checked a first time.
const SETTLE_MS = 15_000;

interface Daemon {
  label: string;
  proc: ReturnType<typeof Bun.spawn>;
  stop: () => void;
}

async function main(): Promise<void> {
  if (!existsSync(TSVISOR)) throw new Error(`${TSVISOR} is missing: run \`npm run build\` (npm run bench:health does)`);
  run(["bash", join(ROOT, "scripts/ensure-debian-packages.sh"), "supervisor"]);
  const dir = mkdtempSync(join(tmpdir(), "tsvisor-bench-"));
  let probes = 0;
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => (probes++, new Response("ok")) });
  const daemons: Daemon[] = [
    tsvisor(dir, "on", "tsvisor, sampling + 50 HTTP health checks", tsvisorConfig(`sample_interval = 5`, server.port!)),
    tsvisor(dir, "sampling", "tsvisor, sampling only", tsvisorConfig(`sample_interval = 5`, null)),
    tsvisor(dir, "off", "tsvisor, sampling and health checks off", tsvisorConfig(`sample_interval = 0`, null)),
    supervisord(dir),
  ];
  try {
    await Bun.sleep(SETTLE_MS);
    const before = daemons.map((d) => cpuNs(d.proc.pid));
    const probesBefore = probes;
    const started = performance.now();
    await Bun.sleep(WINDOW_MS);
    const wallNs = (performance.now() - started) * 1e6;
    const after = daemons.map((d) => cpuNs(d.proc.pid));
    const running = Bun.spawnSync(["pgrep", "-c", "-x", "sleep"]).stdout.toString().trim();
    process.stdout.write(report(daemons, before, after, wallNs, probes - probesBefore, running));
  } finally {
    for (const d of daemons) d.stop();
    await Promise.all(daemons.map((d) => d.proc.exited));
    server.stop(true);
    rmSync(dir, { recursive: true, force: true });
  }
}

function tsvisor(dir: string, name: string, label: string, config: string): Daemon {
  const file = join(dir, `tsvisor-${name}.toml`);
  const socket = join(dir, `tsvisor-${name}.sock`);
  writeFileSync(file, `[supervisor]\nsocket = "${socket}"\nlog_dir = "${join(dir, `logs-${name}`)}"\nconsole = false\n${config}`);
  const proc = Bun.spawn([TSVISOR, "run", "-c", file], { stdout: "ignore", stderr: "ignore" });
  return { label, proc, stop: () => run([TSVISOR, "shutdown", "--socket", socket]) };
}

function tsvisorConfig(sampling: string, healthPort: number | null): string {
  const check = healthPort === null ? "" : `healthcheck = { http = "http://127.0.0.1:${healthPort}/health" }\n`;
  return `${sampling}\n\n${Array.from({ length: PROGRAMS }, (_, i) => `[programs.p${i}]\ncommand = ["sleep", "100000"]\nstartsecs = 0\n${check}`).join("\n")}`;
}

function supervisord(dir: string): Daemon {
  const conf = join(dir, "supervisord.conf");
  writeFileSync(conf, supervisordConfig(dir, PROGRAMS));
  const proc = Bun.spawn(["supervisord", "-n", "-c", conf], { stdout: "ignore", stderr: "ignore" });
  return { label: "supervisord 50 programs (samples nothing)", proc, stop: () => run(["supervisorctl", "-c", conf, "shutdown"]) };
}

// utime + stime of the whole process in ns: stat counts threads that have ended too (a sum over
// task/*/schedstat loses them, and can even go down). Ticks are 10 ms: the window is long enough.
function cpuNs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 1e7;
}

function report(daemons: readonly Daemon[], before: number[], after: number[], wallNs: number, probes: number, sleeping: string): string {
  const percent = daemons.map((_, i) => ((after[i]! - before[i]!) / wallNs) * 100);
  const supervisord = percent[daemons.length - 1]!;
  const lines = [
    `Machine: ${cpus().length} CPUs, ${cpuModel()}; load average at the end ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`,
    `${PROGRAMS} programs under each daemon, all four running side by side; idle window ${(wallNs / 1e9).toFixed(0)} s after ${SETTLE_MS / 1000} s to settle;`,
    `${probes} health probes answered in the window; ${sleeping} sleep processes at the end.`,
    "",
    "| daemon | CPU time in the window (ms) | % of one core | / supervisord |",
    "|---|---:|---:|---:|",
    ...daemons.map((d, i) => `| ${d.label} | ${((after[i]! - before[i]!) / 1e6).toFixed(1)} | ${percent[i]!.toFixed(3)} | ${(percent[i]! / supervisord).toFixed(2)} |`),
    "",
  ];
  return `${lines.join("\n")}\n`;
}

await main();

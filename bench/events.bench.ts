// How soon monitoring hears of a crash: from the moment a program is about to exit (it writes the
// wall clock in ns, then exits 1) to the moment an event listener (the same childutils script under
// both) reads the PROCESS_STATE_EXITED event; tsvisor and supervisord side by side, in the same run.
// Also each daemon's RSS at the end (a listener attached, a program restarting all the time).
//
//   bun bench/events.bench.ts            # 100 crashes under each
//   bun bench/events.bench.ts --short    # 20 (CI)
//
// Needs root for apt (scripts/ensure-debian-packages.sh installs supervisor when missing) and a
// built dist/tsvisor (npm run bench:events builds it first).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { quantile } from "./_supervisord.ts";

const ROOT = resolve(import.meta.dir, "..");
const TSVISOR = join(ROOT, "dist/tsvisor");
const LISTENER = join(ROOT, "bench/event-latency-listener.py");
const CRASHES = process.argv.includes("--short") ? 20 : 100;
// supervisord restarts about once every 1.6 s here (its main loop ticks once a second)
const TIMEOUT_MS = 60_000 + CRASHES * 3000;

// Runs ~0.2 s, writes when it exits, exits 1: a crash after startsecs = 0, restarted at once.
const crasher = (file: string) => `sh -c 'sleep 0.2; date +%s%N >> ${file}; exit 1'`;

async function main(): Promise<void> {
  if (!existsSync(TSVISOR)) throw new Error(`${TSVISOR} is missing: run \`npm run build\` (npm run bench:events does)`);
  const installed = Bun.spawnSync(["bash", join(ROOT, "scripts/ensure-debian-packages.sh"), "supervisor"], { stderr: "inherit" });
  if (installed.exitCode !== 0) throw new Error("could not install supervisor");
  const dir = mkdtempSync(join(tmpdir(), "tsvisor-bench-events-"));
  const files = { tsvisor: { exits: join(dir, "t-exits"), events: join(dir, "t-events") }, supervisord: { exits: join(dir, "s-exits"), events: join(dir, "s-events") } };
  writeFileSync(join(dir, "tsvisor.toml"), `[supervisor]
log_dir = "${dir}/tlogs"
console = false
[programs.crash]
command = ${JSON.stringify(crasher(files.tsvisor.exits))}
startsecs = 0
autorestart = true
backoff_delay = 0 # measured: how soon a crash is heard, so no pacing of the crash loop
[eventlisteners.bench]
command = [${JSON.stringify(LISTENER)}, ${JSON.stringify(files.tsvisor.events)}]
events = ["PROCESS_STATE_EXITED"]
`);
  writeFileSync(join(dir, "supervisord.conf"), `[supervisord]
logfile=${dir}/supervisord.log
pidfile=${dir}/supervisord.pid
childlogdir=${dir}
user=root
[program:crash]
command=${crasher(files.supervisord.exits).replaceAll("%", "%%")}
startsecs=0
autorestart=true
[eventlistener:bench]
command=${LISTENER} ${files.supervisord.events}
events=PROCESS_STATE_EXITED
`);
  // both at once: machine load hits them alike
  const tsvisord = Bun.spawn([TSVISOR, "run", "-c", join(dir, "tsvisor.toml"), "--socket", join(dir, "t.sock")], { stdout: "ignore", stderr: "ignore" });
  const supervisord = Bun.spawn(["supervisord", "-n", "-c", join(dir, "supervisord.conf")], { stdout: "ignore", stderr: "ignore" });
  try {
    const deadline = Date.now() + TIMEOUT_MS;
    while (Object.values(files).some((f) => exitedEvents(f.events).length < CRASHES + 2)) {
      if (Date.now() > deadline) {
        const counts = Object.entries(files).map(([name, f]) => `${name}: ${lines(f.exits).length} exits, ${exitedEvents(f.events).length} events`);
        throw new Error(`timed out waiting for the crashes (${counts.join("; ")})`);
      }
      await Bun.sleep(200);
    }
    const rss = { tsvisor: rssKiB(tsvisord.pid), supervisord: rssKiB(supervisord.pid) };
    const latency = { tsvisor: latenciesMs(files.tsvisor), supervisord: latenciesMs(files.supervisord) };
    process.stdout.write(report(latency, rss));
  } finally {
    tsvisord.kill("SIGTERM");
    supervisord.kill("SIGTERM");
    await Promise.all([tsvisord.exited, supervisord.exited]);
    rmSync(dir, { recursive: true, force: true });
  }
}

const lines = (path: string) => (existsSync(path) ? readFileSync(path, "utf8").split("\n").filter(Boolean) : []);
const exitedEvents = (path: string) => lines(path).filter((l) => l.includes(" PROCESS_STATE_EXITED "));

// The k-th exit with the k-th EXITED event (one program: they come in the same order); the first
// two are warm-up.
function latenciesMs(f: { exits: string; events: string }): number[] {
  const exits = lines(f.exits).map(Number);
  const heard = exitedEvents(f.events).map((l) => Number(l.split(" ")[0]));
  return heard.slice(2, CRASHES + 2).map((ns, i) => (ns - exits[i + 2]!) / 1e6).sort((a, b) => a - b);
}

function rssKiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmRSS:"))!;
  return Number(line.split(/\s+/)[1]);
}

function report(latency: Record<"tsvisor" | "supervisord", number[]>, rss: Record<"tsvisor" | "supervisord", number>): string {
  const ms = (n: number) => n.toFixed(1);
  const row = (name: "tsvisor" | "supervisord") => {
    const s = latency[name];
    return `| ${name} | ${ms(quantile(s, 0.5))} | ${ms(quantile(s, 0.1))} | ${ms(quantile(s, 0.9))} | ${ms(s[0]!)} | ${ms(s.at(-1)!)} | ${(quantile(s, 0.5) / quantile(latency.supervisord, 0.5)).toFixed(2)} | ${(rss[name] / 1024).toFixed(1)} |`;
  };
  return [
    `Machine: ${cpus().length} CPUs, ${cpus()[0]?.model ?? "unknown CPU"}; load average at the end ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`,
    `${CRASHES} crashes under each daemon, run at the same time; ms from the program's last write to the listener reading PROCESS_STATE_EXITED.`,
    "",
    "| daemon | median | p10 | p90 | min | max | median / supervisord | RSS at the end, MiB |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
    row("tsvisor"),
    row("supervisord"),
    "",
  ].join("\n");
}

await main();

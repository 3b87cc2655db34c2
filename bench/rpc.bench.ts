// supervisord's API served by tsvisor vs by supervisord itself, each supervising the same 50 programs,
// measured in the same run with the subjects interleaved round by round:
// - `supervisorctl status` (Debian's 4.2.5) against each daemon's unix socket: what an operator waits;
// - one XML-RPC supervisor.getAllProcessInfo() over each unix socket, a new connection per call (as
//   monitoring does: Datadog's supervisord check, Prometheus exporters): the server's share.
//
//   bun bench/rpc.bench.ts            # 200 rounds; writes bench/results/rpc.md
//   bun bench/rpc.bench.ts --short    # 20 rounds (CI); writes nothing
//
// Needs root for apt (scripts/ensure-debian-packages.sh installs supervisor when missing) and a built
// dist/tsvisor (npm run bench:rpc builds it first).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { cpuModel, quantile, run, supervisordConfig } from "./_supervisord.ts";

const ROOT = resolve(import.meta.dir, "..");
const TSVISOR = join(ROOT, "dist/tsvisor");
const PROGRAMS = 50;
const SHORT = process.argv.includes("--short");
const ROUNDS = SHORT ? 20 : 200;
const WARMUP = 3;
const GET_ALL = `<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor.getAllProcessInfo</methodName>\n<params>\n</params>\n</methodCall>\n`;

interface Subject {
  label: string;
  /** One timed run; resolves with how many RUNNING processes the answer listed. */
  run: () => Promise<number>;
}

async function main(): Promise<void> {
  if (!existsSync(TSVISOR)) throw new Error(`${TSVISOR} is missing: run \`npm run build\` (npm run bench:rpc does)`);
  run(["bash", join(ROOT, "scripts/ensure-debian-packages.sh"), "supervisor"]);
  const dir = mkdtempSync(join(tmpdir(), "tsvisor-bench-rpc-"));
  const tsvisorSocket = join(dir, "tsvisor.sock");
  const supervisorSocket = join(dir, "supervisor.sock");
  const supervisorConf = join(dir, "supervisord.conf");
  writeFileSync(join(dir, "tsvisor.toml"), `[supervisor]\nlog_dir = "${dir}/logs"\nconsole = false\n${Array.from({ length: PROGRAMS }, (_, i) => `[programs.p${i}]\ncommand = ["sleep", "100000"]\nstartsecs = 0\n`).join("\n")}`);
  writeFileSync(supervisorConf, supervisordConfig(dir, PROGRAMS));
  const tsvisord = Bun.spawn([TSVISOR, "run", "-c", join(dir, "tsvisor.toml"), "--socket", tsvisorSocket], { stdout: "ignore", stderr: "ignore" });
  const supervisord = Bun.spawn(["supervisord", "-n", "-c", supervisorConf], { stdout: "ignore", stderr: "ignore" });
  try {
    const subjects: Subject[] = [
      { label: "supervisorctl status → tsvisor", run: () => supervisorctl(`unix://${tsvisorSocket}`, dir) },
      { label: "supervisorctl status → supervisord", run: () => supervisorctl(`unix://${supervisorSocket}`, dir) },
      { label: "getAllProcessInfo → tsvisor", run: () => getAllProcessInfo(tsvisorSocket) },
      { label: "getAllProcessInfo → supervisord", run: () => getAllProcessInfo(supervisorSocket) },
    ];
    await waitUntil(async () => (await Promise.all(subjects.map((s) => s.run().catch(() => 0)))).every((n) => n === PROGRAMS), "both daemons to report 50 RUNNING programs");
    const samples = new Map(subjects.map((s) => [s.label, [] as number[]]));
    for (let round = 0; round < WARMUP + ROUNDS; round++) {
      // rotate the order each round so no subject always runs first (or right after another)
      for (let i = 0; i < subjects.length; i++) {
        const subject = subjects[(round + i) % subjects.length]!;
        const start = performance.now();
        const running = await subject.run();
        const ms = performance.now() - start;
        if (running !== PROGRAMS) throw new Error(`${subject.label} listed ${running} RUNNING programs, not ${PROGRAMS}`);
        if (round >= WARMUP) samples.get(subject.label)!.push(ms);
      }
    }
    const text = report(subjects, samples);
    process.stdout.write(text);
    if (!SHORT) writeResults(text);
  } finally {
    run([TSVISOR, "shutdown", "--socket", tsvisorSocket]);
    run(["supervisorctl", "-c", supervisorConf, "shutdown"]);
    await Promise.all([tsvisord.exited, supervisord.exited]);
    rmSync(dir, { recursive: true, force: true });
  }
}

// The whole command, Python's start included (what an operator or an Ansible task waits).
async function supervisorctl(url: string, dir: string): Promise<number> {
  const conf = join(dir, `ctl-${url.length}.conf`);
  if (!existsSync(conf)) writeFileSync(conf, `[supervisorctl]\nserverurl = ${url}\n`);
  const proc = Bun.spawnSync(["/usr/bin/python3", "/usr/bin/supervisorctl", "-c", conf, "status"], { stdout: "pipe", stderr: "pipe" });
  return proc.stdout.toString().split("\n").filter((l) => /^p\d+\s+RUNNING\b/.test(l)).length;
}

// One call on a new connection: connect, POST, read the whole answer.
async function getAllProcessInfo(socket: string): Promise<number> {
  const response = await fetch("http://localhost/RPC2", { unix: socket, method: "POST", body: GET_ALL, headers: { "content-type": "text/xml", connection: "close" } } as RequestInit);
  const xml = await response.text();
  return xml.match(/<name>statename<\/name>\s*<value><string>RUNNING<\/string>/g)?.length ?? 0;
}

async function waitUntil(done: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(100);
  }
}

function report(subjects: readonly Subject[], samples: Map<string, number[]>): string {
  const stats = new Map(subjects.map((s) => {
    const sorted = [...samples.get(s.label)!].sort((a, b) => a - b);
    return [s.label, { median: quantile(sorted, 0.5), p10: quantile(sorted, 0.1), p90: quantile(sorted, 0.9), min: sorted[0]! }];
  }));
  const ms = (n: number) => n.toFixed(2);
  const ratio = (ours: string, theirs: string) => (stats.get(ours)!.median / stats.get(theirs)!.median).toFixed(2);
  const lines = [
    `Machine: ${cpus().length} CPUs, ${cpuModel()}; load average at the end ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`,
    `${PROGRAMS} programs under each daemon; ${ROUNDS} rounds after ${WARMUP} warm-up rounds, subjects interleaved; ms.`,
    "",
    "| what | median | p10 | p90 | min |",
    "|---|---:|---:|---:|---:|",
    ...subjects.map((s) => {
      const x = stats.get(s.label)!;
      return `| ${s.label} | ${ms(x.median)} | ${ms(x.p10)} | ${ms(x.p90)} | ${ms(x.min)} |`;
    }),
    "",
    `tsvisor / supervisord, medians: supervisorctl status ${ratio("supervisorctl status → tsvisor", "supervisorctl status → supervisord")}; getAllProcessInfo ${ratio("getAllProcessInfo → tsvisor", "getAllProcessInfo → supervisord")}.`,
    "",
  ];
  return `${lines.join("\n")}\n`;
}

function writeResults(text: string): void {
  writeFileSync(join(import.meta.dir, "results/rpc.md"), [
    "# supervisord's XML-RPC API: tsvisor vs supervisord",
    "",
    "`npm run bench:rpc` (bench/rpc.bench.ts), run on " + new Date().toISOString().slice(0, 10) + ". The same 50 programs",
    "(`sleep`) under each daemon; Debian's supervisorctl 4.2.5 and supervisord 4.2.5 (Python 3.11); tsvisor's",
    "dist/tsvisor. `supervisorctl status` is the whole command (Python's start-up is most of it, the same",
    "for both); getAllProcessInfo is one XML-RPC call on a new unix-socket connection, from Bun's fetch.",
    "",
    text,
  ].join("\n"));
}

await main();

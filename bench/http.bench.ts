// The HTTP side of each daemon, 50 programs each, measured in the same run and interleaved round by
// round: tsvisor's [http] API against supervisord's [inet_http_server] XML-RPC, both on loopback,
// from one keep-alive client (what a dashboard or a script does):
//   - list every process: GET /api/v1/programs vs supervisor.getAllProcessInfo
//   - restart one:        POST /api/v1/programs/p0/restart vs stopProcess + startProcess (both wait)
//   - GET /metrics (supervisord has none: its figure is tsvisor's alone)
// and what serving HTTP costs in memory: tsvisor's VmRSS with and without [http] after the rounds.
//
//   bun bench/http.bench.ts            # 300 rounds
//   bun bench/http.bench.ts --short    # 20 rounds (CI)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
// The tests' harness (as soak/ uses it): it also refuses to start without a built dist/tsvisor.
// TSVISOR is dist/tsvisor, or TSVISOR_BIN's build (to compare with an older one).
import { TSVISOR, freePort, waitFor } from "../test/integration/_harness.ts";
import { cpuModel, quantile, run, supervisordConfig } from "./_supervisord.ts";

const ROOT = resolve(import.meta.dir, "..");
const PROGRAMS = 50;
const SHORT = process.argv.includes("--short");
const ROUNDS = SHORT ? 20 : 300;
const RESTART_ROUNDS = SHORT ? 5 : 30;
const WARMUP = 3;
// Actions over TCP need a token (docs/security.md): the bench holds one, as a real client does.
const TOKEN = "bench-token-0123456789abcdef";
const AUTH = { authorization: `Bearer ${TOKEN}` };

const xmlrpc = (method: string, ...params: string[]) =>
  `<?xml version="1.0"?><methodCall><methodName>${method}</methodName><params>${params.map((p) => `<param><value><string>${p}</string></value></param>`).join("")}</params></methodCall>`;

interface Subject {
  label: string;
  /** One request (or two, for supervisord's restart); throws when the answer is wrong. */
  once: () => Promise<void>;
}

async function main(): Promise<void> {
  run(["bash", join(ROOT, "scripts/ensure-debian-packages.sh"), "supervisor"]);
  const dir = mkdtempSync(join(tmpdir(), "tsvisor-bench-http-"));
  const [tsvisorPort, supervisordPort] = [freePort(), freePort()];
  const programs = Array.from({ length: PROGRAMS }, (_, i) => `[programs.p${i}]\ncommand = ["sleep", "100000"]\nstartsecs = 0\n`).join("\n");
  writeFileSync(join(dir, "http.toml"), `${programs}\n[supervisor]\nlog_dir = "${dir}/logs-http"\n\n[http]\nlisten = "127.0.0.1:${tsvisorPort}"\ntoken = "${TOKEN}"\n`);
  writeFileSync(join(dir, "plain.toml"), `${programs}\n[supervisor]\nlog_dir = "${dir}/logs-plain"\n`);
  writeFileSync(join(dir, "supervisord.conf"), `${supervisordConfig(dir, PROGRAMS)}\n[inet_http_server]\nport=127.0.0.1:${supervisordPort}\n`);
  const daemons = [
    Bun.spawn([TSVISOR, "run", "-c", join(dir, "http.toml"), "--socket", join(dir, "http.sock")], { stdout: "ignore", stderr: "ignore" }),
    Bun.spawn([TSVISOR, "run", "-c", join(dir, "plain.toml"), "--socket", join(dir, "plain.sock")], { stdout: "ignore", stderr: "ignore" }),
    Bun.spawn(["supervisord", "-n", "-c", join(dir, "supervisord.conf")], { stdout: "ignore", stderr: "ignore" }),
  ];
  const tsvisor = `http://127.0.0.1:${tsvisorPort}`;
  const rpc = (body: string) => fetch(`http://127.0.0.1:${supervisordPort}/RPC2`, { method: "POST", headers: { "content-type": "text/xml" }, body }).then((r) => r.text());
  try {
    const list: Subject[] = [
      { label: "tsvisor GET /api/v1/programs", once: async () => expectCount(((await (await fetch(`${tsvisor}/api/v1/programs`, { headers: AUTH })).json()) as { processes: { state: string }[] }).processes.filter((p: { state: string }) => p.state === "RUNNING").length) },
      { label: "supervisord getAllProcessInfo", once: async () => expectCount([...(await rpc(xmlrpc("supervisor.getAllProcessInfo"))).matchAll(/<name>statename<\/name>\s*<value><string>RUNNING</g)].length) },
      { label: "tsvisor GET /metrics", once: async () => expectCount((await (await fetch(`${tsvisor}/metrics`, { headers: AUTH })).text()).split("\n").filter((l) => l.startsWith("tsvisor_program_up{") && l.endsWith(" 1")).length) },
    ];
    const restart: Subject[] = [
      { label: "tsvisor POST …/p0/restart", once: async () => expectOk((await fetch(`${tsvisor}/api/v1/programs/p0/restart`, { method: "POST", headers: AUTH })).status === 200) },
      {
        label: "supervisord stopProcess + startProcess",
        once: async () => {
          expectOk(/<boolean>1<\/boolean>/.test(await rpc(xmlrpc("supervisor.stopProcess", "p0"))));
          expectOk(/<boolean>1<\/boolean>/.test(await rpc(xmlrpc("supervisor.startProcess", "p0"))));
        },
      },
    ];
    // each subject throws until its daemon reports 50 RUNNING programs
    await waitFor(() => Promise.all(list.map((s) => s.once())).then(() => true, () => false), "every daemon to report 50 RUNNING programs", 30_000);
    const listed = await measure(list, ROUNDS);
    const restarted = await measure(restart, RESTART_ROUNDS);
    const rss = { withHttp: vmRssMiB(daemons[0]!.pid), without: vmRssMiB(daemons[1]!.pid), supervisord: vmRssMiB(daemons[2]!.pid) };
    process.stdout.write(report(listed, restarted, rss));
  } finally {
    run([TSVISOR, "shutdown", "--socket", join(dir, "http.sock")]);
    run([TSVISOR, "shutdown", "--socket", join(dir, "plain.sock")]);
    run(["supervisorctl", "-c", join(dir, "supervisord.conf"), "shutdown"]);
    await Promise.all(daemons.map((d) => d.exited));
    rmSync(dir, { recursive: true, force: true });
  }
}

function expectCount(running: number): void {
  if (running !== PROGRAMS) throw new Error(`expected ${PROGRAMS} RUNNING, got ${running}`);
}

function expectOk(ok: boolean): void {
  if (!ok) throw new Error("a restart failed");
}

// Interleaved rounds, the order rotated each round so no subject always goes first; ms per subject.
async function measure(subjects: readonly Subject[], rounds: number): Promise<Map<string, number[]>> {
  const samples = new Map(subjects.map((s) => [s.label, [] as number[]]));
  for (let round = 0; round < WARMUP + rounds; round++) {
    for (let i = 0; i < subjects.length; i++) {
      const subject = subjects[(round + i) % subjects.length]!;
      const start = performance.now();
      await subject.once();
      if (round >= WARMUP) samples.get(subject.label)!.push(performance.now() - start);
    }
  }
  return samples;
}

function vmRssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmRSS:"))!;
  return Number(line.split(/\s+/)[1]) / 1024;
}

function report(listed: Map<string, number[]>, restarted: Map<string, number[]>, rss: { withHttp: number; without: number; supervisord: number }): string {
  const row = (label: string, samples: number[], versus: number | null) => {
    const sorted = [...samples].sort((a, b) => a - b);
    const median = quantile(sorted, 0.5);
    return { line: `| ${label} | ${median.toFixed(2)} | ${quantile(sorted, 0.1).toFixed(2)} | ${quantile(sorted, 0.9).toFixed(2)} | ${versus === null ? "—" : (median / versus).toFixed(3)} |`, median };
  };
  const median = (m: Map<string, number[]>, label: string) => quantile([...m.get(label)!].sort((a, b) => a - b), 0.5);
  const supList = median(listed, "supervisord getAllProcessInfo");
  const supRestart = median(restarted, "supervisord stopProcess + startProcess");
  return [
    `Machine: ${cpus().length} CPUs, ${cpuModel()}; load average at the end ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`,
    `${PROGRAMS} programs under each daemon; one keep-alive client on loopback; ${ROUNDS} rounds (restart: ${RESTART_ROUNDS}) after ${WARMUP} warm-up rounds, subjects interleaved; ms.`,
    "",
    "| request | median | p10 | p90 | median / supervisord's |",
    "|---|---:|---:|---:|---:|",
    row("tsvisor GET /api/v1/programs", listed.get("tsvisor GET /api/v1/programs")!, supList).line,
    row("supervisord XML-RPC getAllProcessInfo", listed.get("supervisord getAllProcessInfo")!, supList).line,
    row("tsvisor GET /metrics (supervisord: none)", listed.get("tsvisor GET /metrics")!, null).line,
    row("tsvisor POST /api/v1/programs/p0/restart", restarted.get("tsvisor POST …/p0/restart")!, supRestart).line,
    row("supervisord XML-RPC stopProcess + startProcess", restarted.get("supervisord stopProcess + startProcess")!, supRestart).line,
    "",
    "| VmRSS after the rounds | MiB |",
    "|---|---:|",
    `| tsvisor with [http], after ${ROUNDS * 3 + RESTART_ROUNDS} requests | ${rss.withHttp.toFixed(1)} |`,
    `| tsvisor without [http] | ${rss.without.toFixed(1)} |`,
    `| supervisord with [inet_http_server] | ${rss.supervisord.toFixed(1)} |`,
    "",
  ].join("\n");
}

await main();

// HTTP connection floods from nobody: waves of thousands of idle connections (the flood reopens each
// one the server closes) at a token-less loopback [http] server, each wave held for a random time.
// Meanwhile the control socket answers within 5 s, tsvisor's descriptors stay under the HTTP cap plus
// what it held before, and afterwards the refusals are in /metrics, the connections are gone and the
// programs run under their first pids.
import { expect, test } from "bun:test";
import { Daemon, FIXTURES, TSVISOR, freePort, tempDir, waitFor } from "../test/integration/_harness.ts";
import { spawnAsNobody } from "../test/integration/_nobody.ts";
import { budgetMs, fdCount } from "./_budget.ts";

const HTTP_CAP = 256;

async function statusWithin(daemon: Daemon, ms: number): Promise<number> {
  const proc = Bun.spawn([TSVISOR, "status"], { env: { ...process.env, TSVISOR_SOCKET: daemon.socket }, stdin: "ignore", stdout: "ignore", stderr: "ignore", timeout: ms, killSignal: "SIGKILL" });
  const code = await proc.exited;
  return proc.signalCode === "SIGKILL" ? 137 : code;
}

function flood(port: number, connections: number) {
  return spawnAsNobody([process.execPath, `${FIXTURES}/connection-flood-fixture.ts`, "127.0.0.1", String(port), String(connections)], { stderr: "ignore" });
}

test("waves of connections from nobody never take the descriptors or the control socket", async () => {
  using dir = tempDir();
  const port = freePort();
  await using daemon = Daemon.start(dir.path, `[programs.p]\ncommand = ["sleep", "100000"]\nstartsecs = 0\nnumprocs = 3\nconsole = false\n\n[http]\nlisten = "127.0.0.1:${port}"\n`,
    { wrapper: ["prlimit", "--nofile=2048:2048", "--"] });
  await daemon.waitForLog(/http: listening on/);
  await waitFor(async () => (await daemon.ctl(["check"])).exitCode === 0, "3 RUNNING");
  const pids = async () => (JSON.parse((await daemon.ctl(["status", "--json"])).stdout) as { processes: { pid: number }[] }).processes.map((p) => p.pid);
  const before = { fds: fdCount(daemon.proc.pid), pids: await pids() };
  const deadline = Date.now() + budgetMs(0.05);
  let waves = 0;
  let peak = 0;
  const unanswered: number[] = [];
  while (Date.now() < deadline) {
    const wave = flood(port, 500 + Math.floor(Math.random() * 2500));
    const holdUntil = Date.now() + 1000 + Math.random() * 2000;
    while (Date.now() < holdUntil) {
      peak = Math.max(peak, fdCount(daemon.proc.pid));
      const code = await statusWithin(daemon, 5000);
      if (code !== 0) unanswered.push(code);
    }
    wave.kill("SIGTERM");
    await wave.exited;
    waves++;
  }
  expect(unanswered).toEqual([]);
  expect(peak).toBeLessThanOrEqual(before.fds + HTTP_CAP + 16);
  const metrics = async () => fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text()).catch(() => "");
  const value = (text: string, name: string) => Number(new RegExp(`^${name} (\\d+)$`, "m").exec(text)?.[1]);
  const text = await waitFor(async () => {
    const t = await metrics();
    return value(t, "tsvisor_http_connections") <= 1 && t;
  }, "the floods' connections closed", 30_000);
  expect(value(text, "tsvisor_http_connections_refused_total")).toBeGreaterThan(0);
  await waitFor(() => fdCount(daemon.proc.pid) <= before.fds + 2, `fd count back near ${before.fds} (now ${fdCount(daemon.proc.pid)})`, 30_000);
  expect(await pids()).toEqual(before.pids);
  expect(daemon.logLines(/ERROR/)).toEqual([]);
  process.stderr.write(`http flood: ${waves} waves, peak ${peak} descriptors (${before.fds} before), ${value(text, "tsvisor_http_connections_refused_total")} refused\n`);
}, 3_600_000);

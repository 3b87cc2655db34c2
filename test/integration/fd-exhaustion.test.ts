// Regression: issue 14, part 5 — with `ulimit -n 64` and 50 programs, tsvisor spent its descriptors on
// programs, then spun on accept4 -> EMFILE (~21,000 failed calls in 5 s, 37 % of a core) and the
// control socket never answered. It now keeps the last descriptors for answering (os/fd-budget.ts).
import { expect, test } from "bun:test";
import type { ProcessStatus } from "../../src/control/protocol.ts";
import { Daemon, TSVISOR, tempDir, waitFor } from "./_harness.ts";
import { allFdCount, cpuShareOver } from "./_proc.ts";

const LIMIT = 64;
const PROGRAMS = 50;
const DEADLINE_MS = 5000;

// `tsvisor ARGS` against the daemon, killed at the deadline: [exit code, stdout, ms taken]; a command
// that had to be killed exits 128 + 9.
async function ctlWithin(daemon: Daemon, args: string[]): Promise<[number, string, number]> {
  const started = performance.now();
  const proc = Bun.spawn([TSVISOR, ...args], {
    cwd: daemon.dir, env: { ...process.env, TSVISOR_SOCKET: daemon.socket }, stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: DEADLINE_MS, killSignal: "SIGKILL",
  });
  const [stdout, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  return [proc.signalCode === "SIGKILL" ? 137 : code, stdout, Math.round(performance.now() - started)];
}

test(`with ${LIMIT} descriptors and ${PROGRAMS} programs, status and check answer in time and tsvisor stays idle; programs it had no room for are FATAL and say why`, async () => {
  using dir = tempDir();
  const programs = Array.from({ length: PROGRAMS }, (_, i) => `[programs.p${i}]\ncommand = ["sleep", "1000"]\nstartsecs = 0\nstartretries = 0\n`).join("\n");
  await using daemon = Daemon.start(dir.path, programs, { wrapper: ["prlimit", `--nofile=${LIMIT}:${LIMIT}`, "--"] });
  // settled: every program RUNNING or given up
  await waitFor(() => daemon.logLines(/success: p\d+ entered RUNNING|gave up: p\d+ entered FATAL/).length === PROGRAMS, `${PROGRAMS} programs RUNNING or FATAL\n${daemon.log.slice(-5).join("\n")}`, 30_000);

  // A few clients keep connections open meanwhile (a monitoring agent, an `events -f`): whatever room
  // the programs left, they take it, as they would in life.
  const idle = await Promise.all(Array.from({ length: 4 }, () => Bun.connect({ unix: daemon.socket, socket: { data() {} } })));
  const status = await ctlWithin(daemon, ["status", "--json"]);
  const check = await ctlWithin(daemon, ["check"]);
  const cpu = await cpuShareOver(daemon.proc.pid, 2000);
  for (const connection of idle) connection.end();
  expect({ status: [status[0], status[2] < DEADLINE_MS], check: [check[0], check[2] < DEADLINE_MS], cpuBelowAFifth: cpu < 0.2, fds: allFdCount(daemon.proc.pid) <= LIMIT })
    .toEqual({ status: [0, true], check: [1, true], cpuBelowAFifth: true, fds: true });

  const processes = (JSON.parse(status[1]) as { processes: ProcessStatus[] }).processes;
  const running = processes.filter((p) => p.state === "RUNNING");
  const fatal = processes.filter((p) => p.state === "FATAL");
  expect(running.length + fatal.length).toBe(PROGRAMS);
  expect(running.length).toBeGreaterThan(0);
  expect(fatal[0]!.reason).toMatch(/^spawn error: too few file descriptors left: \d+ of 64 are open, and tsvisor keeps the last 32 to answer status and check \(raise the limit: ulimit -n, LimitNOFILE=, docker run --ulimit nofile=N\)/);
  // said once, not once per refused spawn
  expect(daemon.logLines(/WARN file descriptors: \d+ of 64 open; new programs, HTTP connections and streams are refused/)).toHaveLength(1);

  // once programs are stopped there is room again: said once, and a program starts
  expect((await daemon.ctl(["stop", ...running.map((p) => p.name)])).exitCode).toBe(0);
  await daemon.waitForLog(/INFO file descriptors: \d+ of 64 open; programs, connections and streams are accepted again/);
  expect(await daemon.ctl(["start", fatal[0]!.name])).toMatchObject({ stdout: `${fatal[0]!.name}: started\n`, exitCode: 0 });
}, 90_000);

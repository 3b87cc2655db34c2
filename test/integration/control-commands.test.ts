// Every client command against a real `tsvisor run` over its real socket, with its exit code.
import { expect, test } from "bun:test";
import { chmodSync } from "node:fs";
import { join } from "node:path";
import type { ProcessStatus } from "../../src/control/protocol.ts";
import { Daemon, fixture, isAlive, readLines, runTsvisor, tempDir, waitFor, writeConfig } from "./_harness.ts";

const CONFIG = (record: string) => `
[programs.web]
command = ["${fixture("record")}"]
environment = { RECORD = "${record}" }
startsecs = 0

[programs.worker]
command = ["sleep", "1000"]
numprocs = 2
startsecs = 0

[programs.crashy]
command = ["${fixture("exit-with")}", "3"]
startretries = 0

[programs.manual]
command = ["sleep", "1000"]
autostart = false
startsecs = 0
`;

// The daemon's view of every process, by name.
async function statuses(daemon: Daemon): Promise<Record<string, ProcessStatus>> {
  const { stdout } = await daemon.ctl(["status", "--json"]);
  const { processes } = JSON.parse(stdout) as { processes: ProcessStatus[] };
  return Object.fromEntries(processes.map((p) => [p.name, p]));
}

async function started(dir: string): Promise<Daemon> {
  const daemon = Daemon.start(dir, CONFIG(join(dir, "record")));
  await daemon.waitForLog(/gave up: crashy entered FATAL/);
  await waitFor(async () => Object.values(await statuses(daemon)).filter((p) => p.state === "RUNNING").length === 3, "web and the workers RUNNING");
  return daemon;
}

test("status shows every process as a table, --json as the protocol's result, and exits 0", async () => {
  using dir = tempDir();
  await using daemon = await started(dir.path);
  const table = await daemon.ctl(["status"]);
  const rows = table.stdout.trimEnd().split("\n").map((line) => line.split(/\s+/).slice(0, 2));
  expect([rows, table.stderr, table.exitCode]).toEqual([
    [["NAME", "STATE"], ["web", "RUNNING"], ["worker-0", "RUNNING"], ["worker-1", "RUNNING"], ["crashy", "FATAL"], ["manual", "STOPPED"]],
    "", 0,
  ]);
  expect(table.stdout).toMatch(/crashy +FATAL +- +- +0 +- +- +- +- +exit status 3; not expected; gave up after 1 attempt, \d+s ago/);
  const web = (await statuses(daemon)).web!;
  expect(web).toMatchObject({ name: "web", group: "web", state: "RUNNING", restarts: 0, last_exit: null, wanted: true });
  expect(isAlive(web.pid!)).toBe(true);
  const some = await daemon.ctl(["status", "worker:*", "--json"]);
  expect(JSON.parse(some.stdout).processes.map((p: ProcessStatus) => p.name)).toEqual(["worker-0", "worker-1"]);
});

test("a name that matches nothing is refused before anything is done, exit 1", async () => {
  using dir = tempDir();
  await using daemon = await started(dir.path);
  const before = await statuses(daemon);
  const results = await Promise.all([
    daemon.ctl(["stop", "web", "wbe"]), daemon.ctl(["status", "wbe"]), daemon.ctl(["start", "nope:*"]),
  ]);
  expect(results).toEqual([
    { stdout: "wbe: ERROR (no such process)\n", stderr: "", exitCode: 1 },
    { stdout: "wbe: ERROR (no such process)\n", stderr: "", exitCode: 1 },
    { stdout: "nope:*: ERROR (no such group)\n", stderr: "", exitCode: 1 },
  ]);
  expect((await statuses(daemon)).web!.pid).toBe(before.web!.pid!);
});

test("start and stop of a FATAL program, start of a running one, stop of a stopped one", async () => {
  using dir = tempDir();
  await using daemon = await started(dir.path);
  expect(await daemon.ctl(["start", "crashy"])).toEqual({
    stdout: "crashy: ERROR (abnormal termination: exit status 3; not expected; gave up after 1 attempt; now FATAL)\n", stderr: "", exitCode: 1,
  });
  expect(await daemon.ctl(["stop", "crashy"])).toEqual({ stdout: "crashy: ERROR (not running)\n", stderr: "", exitCode: 1 });
  expect(await daemon.ctl(["start", "web"])).toEqual({ stdout: "web: ERROR (already started)\n", stderr: "", exitCode: 1 });
  expect(await daemon.ctl(["stop", "manual"])).toEqual({ stdout: "manual: ERROR (not running)\n", stderr: "", exitCode: 1 });
  expect(await daemon.ctl(["start", "manual"])).toEqual({ stdout: "manual: started\n", stderr: "", exitCode: 0 });
  expect((await statuses(daemon)).manual!.state).toBe("RUNNING");
});

test("stop and start a group and all, waiting for STOPPED and RUNNING", async () => {
  using dir = tempDir();
  await using daemon = await started(dir.path);
  const pids = Object.values(await statuses(daemon)).flatMap((p) => (p.pid === null ? [] : [p.pid]));
  expect(await daemon.ctl(["stop", "worker:*"])).toEqual({ stdout: "worker-0: stopped\nworker-1: stopped\n", stderr: "", exitCode: 0 });
  expect(Object.values(await statuses(daemon)).map((p) => `${p.name}=${p.state}`)).toEqual([
    "web=RUNNING", "worker-0=STOPPED", "worker-1=STOPPED", "crashy=FATAL", "manual=STOPPED",
  ]);
  // Regression: #19 — `stop all` exited 1 for the processes that were already down. As supervisord's
  // stopAllProcesses, it acts on the ones that run (the FATAL and never-started ones are left out)
  expect(await daemon.ctl(["stop", "all"])).toEqual({ stdout: "web: stopped\n", stderr: "", exitCode: 0 });
  expect(await daemon.ctl(["stop", "all"])).toEqual({ stdout: "", stderr: "", exitCode: 0 });
  // a process named is still answered for
  expect(await daemon.ctl(["stop", "web"])).toEqual({ stdout: "web: ERROR (not running)\n", stderr: "", exitCode: 1 });
  expect(pids.filter(isAlive)).toEqual([]);
  const start = await daemon.ctl(["start", "web", "worker"]);
  expect(start).toEqual({ stdout: "web: started\nworker-0: started\nworker-1: started\n", stderr: "", exitCode: 0 });
  expect(await daemon.ctl(["start", "worker:*"])).toEqual({ stdout: "", stderr: "", exitCode: 0 });
  expect(Object.values(await statuses(daemon)).filter((p) => p.state === "RUNNING").map((p) => p.name)).toEqual(["web", "worker-0", "worker-1"]);
});

test("restart gives a running process a new pid; --no-wait answers at once", async () => {
  using dir = tempDir();
  await using daemon = await started(dir.path);
  const before = (await statuses(daemon)).web!.pid;
  expect(await daemon.ctl(["restart", "web"])).toEqual({ stdout: "web: restarted\n", stderr: "", exitCode: 0 });
  const after = (await statuses(daemon)).web!;
  expect([after.state, after.pid !== before, isAlive(before!)]).toEqual(["RUNNING", true, false]);
  expect(await daemon.ctl(["stop", "--no-wait", "worker-0"])).toEqual({ stdout: "worker-0: stopping\n", stderr: "", exitCode: 0 });
  await waitFor(async () => (await statuses(daemon))["worker-0"]!.state === "STOPPED", "worker-0 to stop");
  expect(await daemon.ctl(["start", "--no-wait", "worker-0"])).toEqual({ stdout: "worker-0: starting\n", stderr: "", exitCode: 0 });
  await waitFor(async () => (await statuses(daemon))["worker-0"]!.state === "RUNNING", "worker-0 to run again");
});

test("signal sends the signal to the process; a bad signal name is a usage error", async () => {
  using dir = tempDir();
  const record = join(dir.path, "record");
  await using daemon = await started(dir.path);
  await waitFor(() => readLines(record).length === 1, "web's traps");
  expect(await daemon.ctl(["signal", "HUP", "web"])).toEqual({ stdout: "web: signalled\n", stderr: "", exitCode: 0 });
  await waitFor(() => readLines(record).some((l) => l.startsWith("stop web HUP")), "web to record the HUP");
  const bad = await daemon.ctl(["signal", "HUPP", "web"]);
  expect([bad.stdout, bad.stderr, bad.exitCode]).toEqual(["", 'tsvisor: ERROR (bad signal name "HUPP"; use a name such as HUP, USR1, TERM)\n', 2]);
  expect(await daemon.ctl(["signal", "USR1", "manual"])).toEqual({ stdout: "manual: ERROR (not running)\n", stderr: "", exitCode: 1 });
});

// Regression: #15 — `tsvisor check web` exited 0 after `tsvisor stop web` (a readiness probe said ready).
test("check: 1 while a program is down after a crash, 0 once it runs again or was stopped by hand; a process named must be RUNNING", async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, `
[programs.api]
command = ["sleep", "1000"]
autorestart = false
startsecs = 0

[programs.manual]
command = ["sleep", "1000"]
autostart = false
`);
  await daemon.waitForLog(/success: api entered RUNNING/);
  // manual never ran and is not wanted: not counted
  expect(await daemon.ctl(["check"])).toEqual({ stdout: "ok: every process that should run is RUNNING (1 checked)\n", stderr: "", exitCode: 0 });
  expect(await daemon.ctl(["check", "api"])).toEqual({ stdout: "ok: every process named is RUNNING and ready (1 checked)\n", stderr: "", exitCode: 0 });
  process.kill((await statuses(daemon)).api!.pid!, "SIGKILL");
  await daemon.waitForLog(/exited: api \(terminated by SIGKILL; not expected\)/);
  expect(await daemon.ctl(["check"])).toEqual({ stdout: "api: EXITED (terminated by SIGKILL; not expected)\n", stderr: "", exitCode: 1 });
  const json = await daemon.ctl(["check", "--json"]);
  expect([JSON.parse(json.stdout), json.exitCode]).toEqual([
    { healthy: false, checked: 1, offenders: [{ name: "api", state: "EXITED", reason: "terminated by SIGKILL; not expected" }] }, 1,
  ]);
  expect(await daemon.ctl(["check", "manual"])).toEqual({ stdout: "manual: STOPPED\n", stderr: "", exitCode: 1 });
  expect((await daemon.ctl(["start", "api"])).exitCode).toBe(0);
  expect((await daemon.ctl(["check"])).exitCode).toBe(0);
  expect((await daemon.ctl(["stop", "api"])).exitCode).toBe(0);
  expect(await daemon.ctl(["check"])).toEqual({ stdout: "ok: every process that should run is RUNNING (0 checked)\n", stderr: "", exitCode: 0 });
  const named = await daemon.ctl(["check", "api"]);
  expect([named.stdout.startsWith("api: STOPPED"), named.stdout.includes("ok:"), named.exitCode]).toEqual([true, false, 1]);
  expect((await daemon.ctl(["check", "all"])).exitCode).toBe(0);
});

test("reload: an unchanged config is no change, a changed one is applied and printed, a broken one is refused with its diagnostics", async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, `[programs.web]\ncommand = ["sleep", "1000"]\nstartsecs = 0\n`);
  await daemon.waitForLog(/success: web entered RUNNING/);
  expect(await daemon.ctl(["reload"])).toEqual({ stdout: "no changes\n", stderr: "", exitCode: 0 });
  const pidBefore = JSON.parse((await daemon.ctl(["status", "web", "--json"])).stdout).processes[0].pid;
  writeConfig(dir.path, `[programs.web]\ncommand = ["sleep", "1001"]\nstartsecs = 0\n[programs.cron]\ncommand = ["sleep", "1000"]\nstartsecs = 0\n`);
  expect(await daemon.ctl(["reload"])).toEqual({ stdout: "cron: added\nweb: changed\n", stderr: "", exitCode: 0 });
  await daemon.waitForLog(/success: cron entered RUNNING/);
  await waitFor(async () => {
    const [web] = JSON.parse((await daemon.ctl(["status", "web", "--json"])).stdout).processes;
    return web.state === "RUNNING" && web.pid !== pidBefore;
  }, "web to run again with its new command");
  writeConfig(dir.path, `[programs.web]\ncommand = ["sleep", "1001"]\nstartsecs = 0\n`);
  expect(await daemon.ctl(["reload"])).toEqual({ stdout: "cron: removed\n", stderr: "", exitCode: 0 });
  writeConfig(dir.path, `[programs.web]\ncommand = ["sleep", "1000"]\nstartsecs = "soon"\n`);
  const broken = await daemon.ctl(["reload"]);
  expect([broken.stdout, broken.stderr.split("\n")[0], broken.stderr, broken.exitCode]).toEqual([
    "", "tsvisor: the config does not load; nothing changed:", expect.stringContaining('tsvisor.toml:3:13: programs.web.startsecs: expected seconds'), 2,
  ]);
  expect((await daemon.ctl(["check"])).exitCode).toBe(0);
});

test("version names the client and the daemon; shutdown stops everything and waits for the exit", async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, `[programs.web]\ncommand = ["sleep", "1000"]\nstartsecs = 0\n`);
  await daemon.waitForLog(/success: web entered RUNNING/);
  const version = await daemon.ctl(["version"]);
  expect(version.stdout).toMatch(new RegExp(`^tsvisor \\d+\\.\\d+\\.\\d+\\ndaemon: tsvisor \\d+\\.\\d+\\.\\d+ \\(pid ${daemon.proc.pid}, protocol 1, socket ${daemon.socket}\\)\\n$`));
  const web = (await statuses(daemon)).web!.pid!;
  expect(await daemon.ctl(["shutdown"])).toEqual({ stdout: "Shut down\n", stderr: "", exitCode: 0 });
  expect(isAlive(web)).toBe(false); // "Shut down" comes once every program has stopped
  expect(await daemon.exited()).toBe(0);
  expect(daemon.logLines(/shutdown requested on the control socket/).length).toBe(1);
});

test("every client command exits 2 when no tsvisor listens", async () => {
  using dir = tempDir();
  const env = { TSVISOR_SOCKET: join(dir.path, "none.sock") };
  const commands = [["status"], ["check"], ["start", "web"], ["stop", "web"], ["restart", "web"], ["signal", "HUP", "web"], ["reload"], ["shutdown"]];
  const results = await Promise.all(commands.map((args) => runTsvisor(args, { env })));
  const unreachable = `tsvisor: cannot reach tsvisor at ${env.TSVISOR_SOCKET}: no such socket\n`;
  expect(results.map((r) => [r.stdout, r.stderr.split("hint:")[0], r.exitCode])).toEqual(commands.map(() => ["", unreachable, 2]));
  const version = await runTsvisor(["version"], { env });
  expect([version.stdout.split("\n")[1], version.exitCode]).toEqual([`daemon: not reachable (cannot reach tsvisor at ${env.TSVISOR_SOCKET}: no such socket)`, 0]);
});

test("without --socket or TSVISOR_SOCKET a client finds the socket in the config, like run", async () => {
  using dir = tempDir();
  const socket = join(dir.path, "from-config.sock");
  await using daemon = Daemon.start(dir.path, `[supervisor]\nsocket = "from-config.sock"\n[programs.web]\ncommand = ["sleep", "1000"]\nstartsecs = 0\n`, {
    env: { TSVISOR_SOCKET: "" },
  });
  await daemon.waitForLog(/success: web entered RUNNING/);
  const viaConfig = await runTsvisor(["check", "-c", join(dir.path, "tsvisor.toml")], { env: { TSVISOR_SOCKET: "" } });
  chmodSync(dir.path, 0o755); // ./tsvisor.toml counts only in a directory no one else may write (docs/security.md)
  const viaCwd = await runTsvisor(["check"], { cwd: dir.path, env: { TSVISOR_SOCKET: "" } });
  const viaFlag = await runTsvisor(["check", "--socket", socket], { env: { TSVISOR_SOCKET: "" } });
  expect([viaConfig.exitCode, viaCwd.exitCode, viaFlag.exitCode]).toEqual([0, 0, 0]);
  expect(daemon.logLines(/control socket /)[0]).toContain(socket);
});

test("while tsvisor shuts down it still answers status, refuses starts, and shutdown --no-wait returns at once", async () => {
  using dir = tempDir();
  const record = join(dir.path, "record");
  await using daemon = Daemon.start(dir.path, `
[programs.slow]
command = ["${fixture("ignore-term")}"]
environment = { RECORD = "${record}" }
stopwaitsecs = 2
startsecs = 0

[programs.idle]
command = ["sleep", "1000"]
autostart = false
`);
  await waitFor(() => readLines(record).length === 1, "slow to ignore TERM");
  expect(await daemon.ctl(["shutdown", "--no-wait"])).toEqual({ stdout: "Shutting down\n", stderr: "", exitCode: 0 });
  expect((await statuses(daemon)).slow!.state).toBe("STOPPING");
  expect(await daemon.ctl(["start", "idle"])).toEqual({ stdout: "idle: ERROR (tsvisor is shutting down)\n", stderr: "", exitCode: 1 });
  // Regression: #19 — a reload during a shutdown answered "no changes", exit 0
  expect(await daemon.ctl(["reload"])).toEqual({ stdout: "", stderr: "tsvisor: tsvisor is shutting down: the config was not read again\n", exitCode: 1 });
  expect(await daemon.exited()).toBe(0);
  expect(daemon.logLines(/killing: slow/).length).toBe(1);
});

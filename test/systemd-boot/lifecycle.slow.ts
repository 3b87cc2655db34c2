// packaging/systemd/tsvisor.service under a booted systemd: start, status, reload and stop as an
// administrator types them (docs/install.md, "systemd").
import { expect, test } from "bun:test";
import { waitFor } from "../infra/wait-for.ts";
import { BootedSystem } from "./_system.ts";

interface Process { name: string; state: string; pid: number; started_at: number }

async function processes(system: BootedSystem): Promise<Process[]> {
  const { stdout, exitCode } = await system.tsvisor("status", "--json");
  return exitCode === 0 ? (JSON.parse(stdout) as { processes: Process[] }).processes : [];
}

test("`systemctl start` returns only once the programs are RUNNING (READY=1), and `systemctl status` shows STATUS=", async () => {
  await using system = await BootedSystem.boot({
    config: `
[programs.slow]
command = ["sleep", "infinity"]
startsecs = 3        # RUNNING only 3 s after the spawn: READY=1 must wait for it
[programs.quick]
command = ["sleep", "infinity"]
`,
  });
  const started = performance.now();
  expect((await system.systemctl("start", "tsvisor")).exitCode).toBe(0);
  const seconds = (performance.now() - started) / 1000;
  expect((await processes(system)).map((p) => [p.name, p.state])).toEqual([["slow", "RUNNING"], ["quick", "RUNNING"]]);
  expect(seconds).toBeGreaterThanOrEqual(3);
  const status = await system.systemctl("status", "tsvisor");
  expect(status.stdout).toMatch(/^\s+Active: active \(running\)/m);
  expect(status.stdout).toMatch(/^\s+Status: "2 running"$/m);

  // STATUS= follows the processes: one stopped by hand
  await system.tsvisor("stop", "quick");
  await waitFor(async () => (await system.property("tsvisor", "StatusText")) === "1 running, 1 stopped", "StatusText to say 1 running, 1 stopped");
});

const KEEPER = `
[programs.keeper]
command = ["sleep", "infinity"]
`;

// A system running the unit on KEEPER: tsvisor's pid and keeper's process before a reload.
async function startKeeper(): Promise<{ system: BootedSystem; mainPid: string; before: Process }> {
  const system = await BootedSystem.boot({ config: KEEPER });
  try {
    expect((await system.systemctl("start", "tsvisor")).exitCode).toBe(0);
    const [before] = await processes(system);
    return { system, mainPid: await system.property("tsvisor", "MainPID"), before: before! };
  } catch (error) {
    await system[Symbol.asyncDispose]();
    throw error;
  }
}

test("`systemctl reload` applies a changed config: the added program starts, the unchanged one keeps running, tsvisor is not restarted", async () => {
  const { system: booted, mainPid, before } = await startKeeper();
  await using system = booted;
  system.writeFile("/etc/tsvisor/tsvisor.toml", `${KEEPER}
[programs.newcomer]
command = ["sleep", "infinity"]
`);
  expect((await system.systemctl("reload", "tsvisor")).exitCode).toBe(0);
  const after = await waitFor(async () => {
    const now = await processes(system);
    return now.find((p) => p.name === "newcomer" && p.state === "RUNNING") && now;
  }, "newcomer to be RUNNING after the reload");
  const keeperAfter = after.find((p) => p.name === "keeper")!;
  expect([keeperAfter.state, keeperAfter.pid, keeperAfter.started_at]).toEqual(["RUNNING", before.pid, before.started_at]);
  expect(await system.property("tsvisor", "MainPID")).toBe(mainPid);
  expect(await system.journalctl("-u", "tsvisor", "-o", "cat", "--grep", "^reload:")).toEqual([expect.stringMatching(/^reload: added newcomer; .*unchanged keeper/)]);
});

test("`systemctl stop` is graceful: each program gets its stopsignal and exits on its own, the unit ends inactive, not failed", async () => {
  await using system = await BootedSystem.boot({
    config: `
[programs.polite]
command = ["sh", "-c", "trap 'echo cleaning up; exit 0' TERM; echo ready; while :; do sleep 0.1; done"]
stopwaitsecs = 30
`,
  });
  expect((await system.systemctl("start", "tsvisor")).exitCode).toBe(0);
  // its trap is set once it has said ready
  await waitFor(async () => (await system.journalctl("-u", "tsvisor", "-o", "cat")).includes("polite | ready"), "polite to be ready");
  const started = performance.now();
  expect((await system.systemctl("stop", "tsvisor")).exitCode).toBe(0);
  expect((performance.now() - started) / 1000).toBeLessThan(10); // nowhere near TimeoutStopSec=90
  expect([await system.property("tsvisor", "ActiveState"), await system.property("tsvisor", "Result")]).toEqual(["inactive", "success"]);
  const journal = await system.journalctl("-u", "tsvisor", "-o", "cat");
  expect(journal).toContain("polite | cleaning up");
  expect(journal).toContain("stopped: polite (exit status 0)");
  expect(journal).toContain("tsvisor exiting with code 0");
  expect(journal.filter((line) => /SIGKILL/.test(line))).toEqual([]);
});

test("`systemctl reload` of a broken config fails visibly: non-zero, the reason at error priority in the journal, the unit and its programs untouched", async () => {
  const { system: booted, mainPid, before } = await startKeeper();
  await using system = booted;
  system.writeFile("/etc/tsvisor/tsvisor.toml", `${KEEPER}
[programs.broken]
command = 5
`);
  const reload = await system.systemctl("reload", "tsvisor");
  expect([reload.exitCode, reload.stderr]).toEqual([1, expect.stringContaining("Job for tsvisor.service failed")]);
  expect([await system.property("tsvisor", "ActiveState"), await system.property("tsvisor", "MainPID")]).toEqual(["active", mainPid]);
  const [after] = await processes(system);
  expect([after!.name, after!.state, after!.pid, after!.started_at]).toEqual(["keeper", "RUNNING", before.pid, before.started_at]);
  // ExecReload's `tsvisor reload` says why, every line at error priority, the file by its absolute path
  const errors = await system.journalctl("-u", "tsvisor", "-o", "cat", "-p", "err");
  expect(errors).toEqual(expect.arrayContaining([
    expect.stringMatching(/nothing changed:$/),
    "/etc/tsvisor/tsvisor.toml:6:11: programs.broken.command: expected a command string or a non-empty array of non-empty strings; got 5",
    "    6 | command = 5",
    "      |           ^",
  ]));
});

// The unit's watchdog (WatchdogSec=, Restart=on-failure): a tsvisor whose loop stops pinging is
// killed and restarted by systemd, and its programs come back with it.
import { expect, test } from "bun:test";
import { waitFor } from "../infra/wait-for.ts";
import { BootedSystem } from "./_system.ts";

test("a SIGSTOPped tsvisor is killed by the watchdog and restarted; its programs run again", async () => {
  await using system = await BootedSystem.boot({
    config: `
[programs.worker]
command = ["sleep", "infinity"]
`,
    // The shipped 30 s, shortened as an administrator would with `systemctl edit tsvisor`: the
    // mechanism under test is the unit's, the period only makes the test wait less.
    dropIns: { "watchdog.conf": "[Service]\nWatchdogSec=2\n" },
  });
  expect((await system.systemctl("start", "tsvisor")).exitCode).toBe(0);
  const frozen = await system.property("tsvisor", "MainPID");
  await system.run(["kill", "-STOP", frozen]);

  // a new tsvisor, ready (READY=1) with its program RUNNING again
  await waitFor(async () => {
    const [pid, state] = [await system.property("tsvisor", "MainPID"), await system.property("tsvisor", "ActiveState")];
    return pid !== "0" && pid !== frozen && state === "active";
  }, "systemd to restart tsvisor after the watchdog fired", 60_000);
  expect(await system.property("tsvisor", "NRestarts")).toBe("1");
  const { stdout } = await system.tsvisor("status", "worker");
  expect(stdout).toMatch(/^worker\s+RUNNING\s/m);
  const systemdSaid = await system.journalctl("-u", "tsvisor", "-o", "cat", "--grep", "[Ww]atchdog");
  expect(systemdSaid).toEqual(expect.arrayContaining([expect.stringMatching(/Watchdog timeout/), "tsvisor.service: Failed with result 'watchdog'."]));
  // Issue 15 item 17: tsvisor's own line, at crit, and not Bun's crash banner blaming Bun. systemd
  // sends SIGCONT right after the SIGABRT (kill_and_sigcont), so the frozen tsvisor wakes to take it
  // in its C handler, as a tsvisor whose JavaScript thread hung would.
  const journal = await system.journalctl("-u", "tsvisor", "-o", "cat");
  expect({
    line: await system.journalctl("-u", "tsvisor", "-o", "cat", "-p", "crit", "--grep", "^watchdog:"),
    banner: journal.filter((l) => /Bun has crashed|a bug in Bun/.test(l)),
  }).toEqual({ line: ["watchdog: systemd's watchdog fired (no WATCHDOG=1 for 2 s); aborting"], banner: [] });
});

// A config that does not load when the unit starts: tsvisor exits 2, which RestartPreventExitStatus=2
// tells systemd restarting cannot fix, so the unit fails once, with the reason in the journal, instead
// of looping under Restart=on-failure (issue 15 item 16: 19 restarts in 45 s).
import { expect, test } from "bun:test";
import { BootedSystem } from "./_system.ts";

test("a config error at start fails the unit once: exit status 2, no restart, the reason at error priority", async () => {
  await using system = await BootedSystem.boot({ config: "[programs.broken]\ncommand = 5\n" });
  const start = await system.systemctl("start", "tsvisor");
  expect(start.exitCode).not.toBe(0);
  // a loop would show by now: RestartSec=2, three times over
  await Bun.sleep(7_000); // an absence (of restarts) is only seen by waiting
  expect({
    active: await system.property("tsvisor", "ActiveState"),
    status: await system.property("tsvisor", "ExecMainStatus"),
    restarts: await system.property("tsvisor", "NRestarts"),
  }).toEqual({ active: "failed", status: "2", restarts: "0" });
  const errors = await system.journalctl("-u", "tsvisor", "-o", "cat", "-p", "err");
  expect(errors).toEqual(expect.arrayContaining([
    "tsvisor: /etc/tsvisor/tsvisor.toml:2:11: programs.broken.command: expected a command string or a non-empty array of non-empty strings; got 5",
    "    2 | command = 5",
  ]));
  // one start, not a loop of them
  expect((await system.journalctl("-u", "tsvisor", "-o", "cat", "--grep", "^tsvisor: .*programs.broken.command")).length).toBe(1);
});

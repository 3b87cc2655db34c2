// tsvisor's lines carry their syslog priority into the journal (docs/systemd.md, "Log lines"):
// `journalctl -p warning` shows what went wrong and nothing of the routine.
import { expect, test } from "bun:test";
import { waitFor } from "../infra/wait-for.ts";
import { BootedSystem } from "./_system.ts";

test("`journalctl -p warning` shows a program's crash and none of the routine lines", async () => {
  await using system = await BootedSystem.boot({
    config: `
[programs.steady]
command = ["sh", "-c", "echo steady output; exec sleep infinity"]
[programs.crashy]
command = ["sleep", "infinity"]
autorestart = false
`,
  });
  expect((await system.systemctl("start", "tsvisor")).exitCode).toBe(0);
  await system.tsvisor("signal", "KILL", "crashy");
  const crash = await waitFor(async () => {
    const lines = await system.journalctl("-u", "tsvisor", "-o", "cat", "-p", "warning");
    return lines.length > 0 && lines;
  }, "a warning in the journal");
  expect(crash).toEqual(["exited: crashy (terminated by SIGKILL; not expected)"]);
  // the routine is there, at info
  const info = await system.journalctl("-u", "tsvisor", "-o", "cat", "-p", "info");
  expect(info).toEqual(expect.arrayContaining([expect.stringMatching(/^spawned: steady \(pid \d+\)$/), "steady | steady output"]));
  // and journald read the priority from the line: no "<4>" left in the message
  expect(info.filter((line) => /^<\d>/.test(line))).toEqual([]);
});

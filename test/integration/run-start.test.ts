import { expect, test } from "bun:test";
import { join } from "node:path";
import { Daemon, fixture, readLines, tempDir, waitFor } from "./_harness.ts";

test("a program starts, reaches RUNNING after startsecs, and tsvisor exits 0 after stopping it on SIGTERM", async () => {
  using dir = tempDir();
  const record = join(dir.path, "record");
  await using daemon = Daemon.start(dir.path, `
[programs.web]
command = ["${fixture("record")}"]
environment = { RECORD = "${record}" }
startsecs = 0.3
`);
  await daemon.waitForLog(/success: web entered RUNNING state/);
  expect(readLines(record)[0]).toStartWith("start web ");
  daemon.signal("SIGTERM");
  expect(await daemon.exited()).toBe(0);
  expect([daemon.logLines(/spawned: web \(pid \d+\)/).length, daemon.logLines(/stopped: web \(exit status 0\)/).length]).toEqual([1, 1]);
  expect(readLines(record)[1]).toStartWith("stop web TERM ");
});

test("a command given as a string is split like a shell would, without running one", async () => {
  using dir = tempDir();
  const out = join(dir.path, "out");
  await using daemon = Daemon.start(dir.path, `
[programs.echo]
command = "sh -c 'printf \\"%s|\\" \\"$0\\" \\"$1\\" > ${out}' 'a b' \\"c'd\\""
autorestart = false
startsecs = 0
`);
  await daemon.waitForLog(/exited: echo \(exit status 0; expected\)/);
  expect(await waitFor(() => readLines(out)[0], "the output file")).toBe("a b|c'd|");
});

test("autostart = false leaves a program STOPPED while the others start", async () => {
  using dir = tempDir();
  const record = join(dir.path, "record");
  await using daemon = Daemon.start(dir.path, `
[programs.on]
command = ["${fixture("record")}"]
environment = { RECORD = "${record}" }
startsecs = 0
[programs.off]
command = ["${fixture("record")}"]
environment = { RECORD = "${record}" }
autostart = false
`);
  await daemon.waitForLog(/success: on entered RUNNING/);
  daemon.signal("SIGTERM");
  expect(await daemon.exited()).toBe(0);
  expect([daemon.logLines(/spawned: off/), readLines(record).filter((l) => l.includes(" off "))]).toEqual([[], []]);
});

// Regression: issue 15 (smaller items) — a directory as `command` (or as init mode's CMD) was "not
// executable (permission denied)"; with `user =` a missing or unrunnable command showed only "exit status 127" in status
// (setpriv's words went to the program's log); "SIGCONT received: ignored" was an info line on every
// `systemctl stop` (systemd sends CONT right after TERM).
import { expect, test } from "bun:test";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Daemon, TSVISOR, tempDir, waitFor } from "../../integration/_harness.ts";

test("status gives the reason a command cannot run: a directory, or missing or not executable for the program's user", async () => {
  using dir = tempDir();
  const rootOnly = join(dir.path, "root-only.sh");
  writeFileSync(rootOnly, "#!/bin/sh\nsleep 100\n");
  chmodSync(rootOnly, 0o700);
  await using daemon = Daemon.start(dir.path, `
[programs.dir]
command = ["${dir.path}"]
startretries = 0
[programs.missing]
command = ["no-such-command-anywhere"]
user = "nobody"
startretries = 0
[programs.private]
command = ["${rootOnly}"]
user = "nobody"
startretries = 0
`);
  const reasons = await waitFor(async () => {
    const all = await Promise.all(["dir", "missing", "private"].map((n) => daemon.status(n)));
    return all.every((s) => s?.state === "FATAL") ? all.map((s) => s!.reason) : undefined;
  }, "three programs FATAL");
  expect(reasons).toEqual([
    `spawn error: command ${JSON.stringify(dir.path)} is a directory, not a program; gave up after 1 attempt`,
    `spawn error: can't find command "no-such-command-anywhere"; gave up after 1 attempt`,
    `spawn error: command ${JSON.stringify(rootOnly)} is not executable by uid 65534 (permission denied); gave up after 1 attempt`,
  ]);
});

test("SIGCONT (systemd sends it after every SIGTERM) is logged at debug level only", async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, `[programs.p]\ncommand = ["sleep", "100000"]\n`, { env: { TSVISOR_DEBUG: "1" } });
  await daemon.waitForSocket();
  daemon.signal("SIGCONT");
  const line = await daemon.waitForLog(/SIGCONT received/);
  expect(line).toMatch(/ DEBUG SIGCONT received: ignored/);
});

// Init mode: off a terminal CMD is spawned directly; on one (script(1) gives it a terminal, as
// `docker run -t` does) through the helper that execs it, where the words came from execvp's EACCES.
test.each([["off a terminal", false], ["on a terminal", true]])("`tsvisor -- DIRECTORY` %s says it is a directory and exits 126 (tini's code)", async (_, onTerminal) => {
  using dir = tempDir();
  const command = [TSVISOR, "--", dir.path];
  const proc = onTerminal
    ? Bun.spawn(["script", "-qefc", command.join(" "), "/dev/null"], { stdin: "pipe", stdout: "pipe", stderr: "pipe" })
    : Bun.spawn(command, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [out, err, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  expect([exitCode, (out + err).replaceAll("\r", "")]).toEqual([126, `tsvisor: exec failed: command ${JSON.stringify(dir.path)} is a directory, not a program\n`]);
});

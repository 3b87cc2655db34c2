// Regression: issue 15 (smaller items) — a directory as `command` (or as init mode's CMD) was "not
// executable (permission denied)"; with `user =` a missing or unrunnable command showed only "exit status 127" in status
// (setpriv's words went to the program's log); "SIGCONT received: ignored" was an info line on every
// `systemctl stop` (systemd sends CONT right after TERM).
import { expect, test } from "bun:test";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
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

// Red team, 2026-12-05: a script whose #! interpreter does not exist showed only "exit status 127"
// (the parent-death exec's) in status, and init mode called the script itself missing.
test("a script whose #! interpreter is missing: status and init mode name the interpreter", async () => {
  using dir = tempDir();
  const script = join(dir.path, "job.sh");
  writeFileSync(script, "#!/opt/gone/python3 -u\nprint('hi')\n");
  chmodSync(script, 0o755);
  const reason = `command ${JSON.stringify(script)} is a script whose interpreter "/opt/gone/python3" (its #! line) does not exist`;
  await using daemon = Daemon.start(dir.path, `[programs.job]\ncommand = ["${script}"]\nstartretries = 0\n`);
  const status = await waitFor(async () => { const s = await daemon.status("job"); return s?.state === "FATAL" ? s : undefined; }, "job FATAL");
  expect(status.reason).toBe(`spawn error: ${reason}; gave up after 1 attempt`);
  const init = Bun.spawnSync([TSVISOR, "--", script], { stdin: "ignore" });
  expect([init.exitCode, init.stderr.toString()]).toEqual([127, `tsvisor: exec failed: ${reason}\n`]);
});

// Red team, 2026-12-05: E2BIG was Bun's text, naming the /proc/self/fd path of the parent-death exec.
// Programs now start in one exec (os/native-spawn.ts), which adds no argument; the exec fails after
// the spawn has returned, and its words still reach status.
// Red team, 2026-12-07: found only by the exec, after the spawn had returned, a startsecs = 0 program
// was RUNNING, then exited 127, and was started again for ever instead of going FATAL.
test.each([1, 0])("arguments too long for the kernel: status says so in words, with the sizes, and no /proc path (startsecs = %d)", async (startsecs) => {
  using dir = tempDir();
  // under a 2 MiB stack limit exec takes 512 KiB of arguments and environment: 6 arguments of 100,000 bytes are too many
  const args = Array.from({ length: 6 }, () => `"${"x".repeat(100_000)}"`).join(", ");
  await using daemon = Daemon.start(dir.path, `[programs.big]\ncommand = ["/bin/echo", ${args}]\nstartretries = 0\nstartsecs = ${startsecs}\n`, { wrapper: ["prlimit", "--stack=2097152"] });
  const status = await waitFor(async () => { const s = await daemon.status("big"); return s?.state === "FATAL" ? s : undefined; }, "big FATAL");
  expect(status.reason).toMatch(/^spawn error: can't start "\/bin\/echo": its arguments and environment are too long for the kernel \(E2BIG\): [\d,]+ bytes in 7 arguments and [\d,]+ variables, the longest 100,000 bytes; Linux takes at most a quarter of the stack size limit \(ulimit -s\) in all and 131,072 bytes in one; gave up after 1 attempt$/);
});

// Red team, 2026-12-05 (second round): tsvisor looks at a #! interpreter as root, so naming it
// missing told a program's user whether a path in a directory closed to them exists.
test("for a program of another user, a missing interpreter is named only where that user could have looked", async () => {
  using dir = tempDir();
  const closed = join(dir.path, "closed");
  mkdirSync(closed, { mode: 0o700 }); // root's: nobody may not look inside
  const [hidden, open] = [join(dir.path, "hidden.sh"), join(dir.path, "open.sh")];
  writeFileSync(hidden, `#!${closed}/nothere\n`);
  writeFileSync(open, `#!${dir.path}/gone/python3\n`);
  for (const script of [hidden, open]) chmodSync(script, 0o755);
  await using daemon = Daemon.start(dir.path, `[programs.hidden]\ncommand = ["${hidden}"]\nuser = "nobody"\nstartretries = 0\nstartsecs = 0\nautorestart = false\n[programs.open]\ncommand = ["${open}"]\nuser = "nobody"\nstartretries = 0\n`);
  const reasons = await waitFor(async () => {
    const [h, o] = await Promise.all([daemon.status("hidden"), daemon.status("open")]);
    return h?.state === "EXITED" && o?.state === "FATAL" ? [h.reason ?? "", o.reason ?? ""] : undefined;
  }, "hidden EXITED and open FATAL");
  expect(reasons[0]).not.toContain("nothere");
  expect(reasons[1]).toBe(`spawn error: command ${JSON.stringify(open)} is a script whose interpreter ${JSON.stringify(`${dir.path}/gone/python3`)} (its #! line) does not exist; gave up after 1 attempt`);
});

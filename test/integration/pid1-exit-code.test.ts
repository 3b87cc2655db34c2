// tsvisor as PID 1 exits with the code an orchestrator should see: CMD's in init mode, a critical
// program's in run mode, 128 + N for a death by signal N (what a shell and tini report).
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { foreignElf } from "../infra/foreign-elf.ts";
import { fixture, readLines, tempDir } from "./_harness.ts";
import { Pid1 } from "./_pidns.ts";

describe("init mode: tsvisor -- CMD exits with CMD's code", () => {
  test.concurrent.each([
    ["exit 0", 0],
    ["exit 1", 1],
    ["exit 42", 42],
    ["kill -TERM $$", 128 + 15],
    ["kill -USR1 $$", 128 + 10],
    ["kill -KILL $$", 128 + 9],
  ])("sh -c %p -> %p", async (script, code) => {
    await using pid1 = Pid1.start(["--", "sh", "-c", script]);
    expect(await pid1.exited()).toBe(code);
  });

  test.concurrent("a command that does not exist exits 127 and one that is not executable 126, as under tini", async () => {
    using dir = tempDir();
    const notExecutableFile = join(dir.path, "data.txt");
    writeFileSync(notExecutableFile, "not a program\n", { mode: 0o644 });
    // executable, but neither ELF nor #!: a shell says "cannot execute binary file" and gives 126
    const noFormat = join(dir.path, "no-format");
    writeFileSync(noFormat, "echo not a program\n", { mode: 0o755 });
    await using missing = Pid1.start(["--", "no-such-command-anywhere"]);
    await using notExecutable = Pid1.start(["--", notExecutableFile]);
    await using empty = Pid1.start(["--", ""]);
    await using notAFormat = Pid1.start(["--", noFormat]);
    expect([await missing.exited(), missing.log, await notExecutable.exited(), await empty.exited(), empty.log, await notAFormat.exited()]).toEqual([
      127, [`tsvisor: exec failed: can't find command "no-such-command-anywhere"`], 126,
      127, [`tsvisor: exec failed: can't find command ""`], 126,
    ]);
  });

  // Found from outside: a CMD built for another machine exited 126 with nothing said, where tini
  // prints "Exec format error". The kernel refuses it only at the exec, which the foreground exec can
  // report only as a status, so tsvisor says afterwards what the file is.
  test.concurrent("a CMD built for another machine exits 126 and tsvisor says why; a CMD's own 126 gets no such line", async () => {
    using dir = tempDir();
    // an executable for a machine number no kernel or emulator runs; the same machine's object file,
    // which no kernel runs either, is not a program: nothing to say of its machine
    const foreign = join(dir.path, "foreign-app");
    writeFileSync(foreign, foreignElf(0x1234), { mode: 0o755 });
    const object = join(dir.path, "foreign.o");
    writeFileSync(object, foreignElf(0x1234, { type: 1 }), { mode: 0o755 });
    await using refused = Pid1.start(["--", foreign]);
    await using notAProgram = Pid1.start(["--", object]);
    await using itself = Pid1.start(["--", "sh", "-c", "exit 126"]);
    expect([await refused.exited(), await notAProgram.exited(), notAProgram.log, await itself.exited(), itself.log]).toEqual([126, 126, [], 126, []]);
    expect(refused.log).toEqual([
      `tsvisor: ${JSON.stringify(foreign)} is a program for machine number 4660 and this machine is x86-64: exit code 126 most likely means the kernel refused to run it (exec format error), as it does without an emulator for machine number 4660 registered with binfmt_misc (qemu-user)`,
    ]);
  });
});

describe("run mode: a critical program's end stops everything and sets tsvisor's exit code", () => {
  // `other` is a normal program: it must be stopped gracefully (it records the TERM) before tsvisor
  // exits. `main` waits until `other` is ready (its traps set), so that there is something to stop.
  const config = (command: string[], extra = "") => (record: string) => `
[programs.other]
command = ["${fixture("signals")}"]
environment = { RECORD = "${record}" }
startsecs = 0

[programs.main]
command = ${JSON.stringify(["sh", "-c", `until [ -s "${record}" ]; do sleep 0.02; done; exec "$0" "$@"`, ...command])}
critical = true
autorestart = false
${extra || "startsecs = 0"}`;

  test.concurrent.each([
    ["exits 42", config([fixture("exit-with"), "42"]), 42],
    ["exits 0 (a job that finished)", config([fixture("exit-with"), "0"]), 0],
    ["is killed by SIGKILL", config([fixture("kill-self"), "KILL"]), 137],
    ["goes FATAL after exiting 3 too quickly", config([fixture("exit-with"), "3"], "startsecs = 10\nstartretries = 0"), 3],
  ])("when it %s", async (_what, makeConfig, code) => {
    using dir = tempDir();
    const record = join(dir.path, "record");
    await using pid1 = Pid1.run(dir.path, makeConfig(record));
    expect(await pid1.exited()).toBe(code);
    expect([pid1.logLines(/critical: main ended/).length, readLines(record)]).toEqual([1, ["ready", "TERM"]]);
  });

  test.concurrent("a program that is not critical ends without stopping tsvisor", async () => {
    using dir = tempDir();
    await using pid1 = Pid1.run(dir.path, `
[programs.job]
command = ["${fixture("exit-with")}", "42"]
autorestart = false
startsecs = 0
`);
    await pid1.waitForLog(/exited: job \(exit status 42; not expected\)/);
    await pid1.signal("SIGTERM");
    expect(await pid1.exited()).toBe(0);
  });
});

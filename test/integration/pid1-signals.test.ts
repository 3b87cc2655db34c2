// Signals sent to tsvisor as PID 1 from outside its namespace (as `docker kill -s` and `docker stop`
// send them). As PID 1 the kernel drops any signal tsvisor has no handler for, so each one here
// proves a handler as well as its meaning.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { fixture, readLines, tempDir, waitFor, writeConfig } from "./_harness.ts";
import { Pid1 } from "./_pidns.ts";

const SIGNALS = ["USR1", "USR2", "HUP", "INT", "QUIT", "TERM"] as const;

describe("init mode: every signal reaches CMD", () => {
  test.concurrent("TERM, INT, HUP, QUIT, USR1 and USR2 sent to tsvisor each reach CMD, which then exits with its own code", async () => {
    using dir = tempDir();
    const record = join(dir.path, "record");
    await using pid1 = Pid1.start(["--", fixture("signals")], { env: { RECORD: record } });
    await waitFor(() => readLines(record).includes("ready"), "the fixture's traps");
    // one at a time, each awaited, so that two signals never merge into one pending signal
    for (const [i, signal] of SIGNALS.entries()) {
      await pid1.signal(`SIG${signal}`);
      await waitFor(() => readLines(record).length === i + 2, `SIG${signal} to reach CMD\n${readLines(record).join("\n")}`);
    }
    expect([readLines(record), await pid1.exited()]).toEqual([["ready", ...SIGNALS], 0]);
  });

  test.concurrent("with -g a signal reaches CMD's whole process group; without, CMD alone", async () => {
    using dir = tempDir();
    // CMD starts a second signals fixture in its own process group, then becomes the first one
    const script = (tag: string) => `RECORD=${dir.path}/${tag}-grandchild "${fixture("signals")}" & exec env RECORD=${dir.path}/${tag}-child "${fixture("signals")}"`;
    await using grouped = Pid1.start(["-g", "--", "sh", "-c", script("g")]);
    await using single = Pid1.start(["--", "sh", "-c", script("s")]);
    const files = ["g-child", "g-grandchild", "s-child", "s-grandchild"].map((f) => join(dir.path, f));
    await waitFor(() => files.every((f) => readLines(f).includes("ready")), "four fixtures ready");
    await grouped.signal("SIGUSR1");
    await single.signal("SIGUSR1");
    await waitFor(() => readLines(files[0]!).includes("USR1") && readLines(files[1]!).includes("USR1") && readLines(files[2]!).includes("USR1"), "USR1 to arrive");
    await grouped.signal("SIGTERM");
    await single.signal("SIGTERM");
    expect([await grouped.exited(), await single.exited()]).toEqual([0, 0]);
    expect(files.map((f) => readLines(f).filter((l) => l === "USR1").length)).toEqual([1, 1, 1, 0]);
  });
});

describe("run mode: signals have supervisord's meanings", () => {
  const program = (record: string) => `
[programs.app]
command = ["${fixture("signals")}"]
environment = { RECORD = "${record}" }
startsecs = 0
`;

  test.concurrent.each(["TERM", "INT", "QUIT"] as const)("SIG%s stops every program gracefully and exits 0", async (signal) => {
    using dir = tempDir();
    const record = join(dir.path, "record");
    await using pid1 = Pid1.run(dir.path, program(record));
    await waitFor(() => readLines(record).includes("ready"), "the program to start");
    await pid1.signal(`SIG${signal}`);
    expect(await pid1.exited()).toBe(0);
    expect([readLines(record), pid1.logLines(/stopped: app/)]).toEqual([["ready", "TERM"], [expect.stringContaining("stopped: app (exit status 0)")]]);
  });

  test.concurrent("SIGHUP reloads the config: a program added to the file starts", async () => {
    using dir = tempDir();
    const record = join(dir.path, "record");
    const added = join(dir.path, "added");
    await using pid1 = Pid1.run(dir.path, program(record));
    await waitFor(() => readLines(record).includes("ready"), "the program to start");
    writeConfig(dir.path, program(record) + program(added).replace("[programs.app]", "[programs.added]"));
    await pid1.signal("SIGHUP");
    await waitFor(() => readLines(added).includes("ready"), "the added program to start");
    expect(readLines(record)).toEqual(["ready"]); // the unchanged program got nothing
    await pid1.waitForLog(/reload: added added; unchanged app/);
  });

  test.concurrent("SIGUSR2 reopens the log files and leaves everything running", async () => {
    using dir = tempDir();
    const record = join(dir.path, "record");
    await using pid1 = Pid1.run(dir.path, program(record));
    await waitFor(() => readLines(record).includes("ready"), "the program to start");
    await pid1.signal("SIGUSR2");
    await pid1.waitForLog(/SIGUSR2 received: reopened \d+ log files?/);
    await pid1.signal("SIGTERM");
    expect([await pid1.exited(), readLines(record)]).toEqual([0, ["ready", "TERM"]]);
  });

  test.concurrent("SIGUSR1 is forwarded to every running program when forward_signals lists it, to the group with stopasgroup", async () => {
    using dir = tempDir();
    const [one, two, grandchild] = ["one", "two", "grandchild"].map((f) => join(dir.path, f)) as [string, string, string];
    await using pid1 = Pid1.run(dir.path, `
[supervisor]
forward_signals = ["USR1"]
${program(one).replace("app", "one")}
[programs.two]
command = ["sh", "-c", "RECORD=${grandchild} ${fixture("signals")} & exec ${fixture("signals")}"]
environment = { RECORD = "${two}" }
stopasgroup = true
startsecs = 0
`);
    await waitFor(() => [one, two, grandchild].every((f) => readLines(f).includes("ready")), "the programs to start");
    await pid1.signal("SIGUSR1");
    await waitFor(() => [one, two, grandchild].every((f) => readLines(f).includes("USR1")), "USR1 in every program");
    await pid1.waitForLog(/SIGUSR1 received: forwarded to one, two/);
  });

  test.concurrent("SIGUSR1 not listed in forward_signals is logged and ignored: tsvisor and its programs keep running", async () => {
    using dir = tempDir();
    const record = join(dir.path, "record");
    await using pid1 = Pid1.run(dir.path, program(record));
    await waitFor(() => readLines(record).includes("ready"), "the program to start");
    await pid1.signal("SIGUSR1");
    await pid1.waitForLog(/SIGUSR1 received: ignored \(list it in \[supervisor\] forward_signals/);
    await pid1.signal("SIGTERM");
    expect([await pid1.exited(), readLines(record)]).toEqual([0, ["ready", "TERM"]]);
  });
});

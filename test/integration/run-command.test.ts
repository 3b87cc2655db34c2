// Regression: issue 15 item 9 — `tsvisor run` ignored extra arguments: under the image's
// `ENTRYPOINT ["tsvisor", "run"]`, `docker run IMAGE -- sh -c 'exit 3'` ran the config's programs
// forever. Now `tsvisor run [-c FILE] -- CMD` runs CMD beside the programs as the main process
// (s6-overlay's services-plus-CMD model; docs/init.md "run -- CMD"), and any other extra argument is a
// usage error.
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { foreignElf } from "../infra/foreign-elf.ts";
import { Daemon, TSVISOR, collectLines, fixture, readLines, tempDir, waitFor, writeConfig } from "./_harness.ts";
import { Pid1, descendantsOf, requirePidNamespace } from "./_pidns.ts";

// A program that records its start and its stop ("start web …", "stop web TERM …").
const WEB = (record: string) => `
[programs.web]
command = ["${fixture("record")}"]
environment = { RECORD = "${record}" }
startsecs = 0.5
`;
// SIGKILL to `pid` and everything below it that is still there.
function killTree(pid: number): void {
  for (const p of [pid, ...descendantsOf(pid).map((d) => d.pid)]) {
    try {
      process.kill(p, "SIGKILL");
    } catch {
      // gone already
    }
  }
}
const withoutTimes = (lines: string[]) => lines.map((line) => line.replace(/ \d+$/, ""));

describe("CMD's end is tsvisor's", () => {
  test.concurrent("CMD starts once the programs are RUNNING; when it exits the programs stop and tsvisor exits with its code", async () => {
    using dir = tempDir();
    const record = join(dir.path, "record");
    await using daemon = Daemon.start(dir.path, WEB(record), { args: ["--", "sh", "-c", "echo cmd ran; exit 3"] });
    expect(await daemon.exited()).toBe(3);
    expect(withoutTimes(readLines(record))).toEqual(["start web", "stop web TERM"]);
    const order = ["success: web entered RUNNING", "spawned: CMD sh", "exited: CMD sh (exit status 3)", "stopped: web", "exiting with code 3"];
    const at = order.map((text) => daemon.log.findIndex((line) => line.includes(text)));
    expect([at.includes(-1), at]).toEqual([false, at.toSorted((a, b) => a - b)]);
    expect(daemon.stdout).toEqual(["cmd ran"]); // CMD writes to tsvisor's own stdout, not through a log file
  });

  test.concurrent("a CMD killed by signal N gives 128 + N", async () => {
    using dir = tempDir();
    await using daemon = Daemon.start(dir.path, WEB(join(dir.path, "record")), { args: ["--", "sh", "-c", "kill -TERM $$"] });
    expect(await daemon.exited()).toBe(143);
  });

  test.concurrent("a critical program's end stops CMD (SIGTERM) and the exit code is the program's", async () => {
    using dir = tempDir();
    const cmdRecord = join(dir.path, "cmd");
    await using daemon = Daemon.start(dir.path, `
[programs.job]
command = ["sh", "-c", "until [ -s '${cmdRecord}' ]; do sleep 0.02; done; exit 42"]
critical = true
autorestart = false
startsecs = 0
`, { args: ["--", fixture("signals")], env: { RECORD: cmdRecord } });
    expect(await daemon.exited()).toBe(42);
    expect(readLines(cmdRecord)).toEqual(["ready", "TERM"]);
  });
});

// Found from outside (2026-12-07): a CMD built for another machine exited 126 in silence, and a newline
// in CMD's name made a second log line of whatever followed it.
test.concurrent("a CMD built for another machine is said to be so in the log, and a newline in its name forges no line", async () => {
  using dir = tempDir();
  const name = "app\nFORGED: not tsvisor's";
  writeFileSync(join(dir.path, name), foreignElf(183), { mode: 0o755 });
  await using daemon = Daemon.start(dir.path, WEB(join(dir.path, "record")), { args: ["--", `./${name}`] });
  expect(await daemon.exited()).toBe(126);
  expect(daemon.log.filter((line) => line.startsWith("FORGED"))).toEqual([]);
  expect(daemon.logLines(/ERROR/).map((line) => line.replace(/^.*ERROR /, ""))).toEqual([
    `CMD "./app\\nFORGED: not tsvisor's": "./app\\nFORGED: not tsvisor's" is a program for aarch64 and this machine is x86-64: exit code 126 most likely means the kernel refused to run it (exec format error), as it does without an emulator for aarch64 registered with binfmt_misc (qemu-user)`,
  ]);
});

test.concurrent("as PID 1: SIGHUP and SIGTERM (docker kill -s HUP, docker stop) go to CMD; the programs stop after it", async () => {
  using dir = tempDir();
  const [record, cmdRecord] = [join(dir.path, "record"), join(dir.path, "cmd")];
  const file = writeConfig(dir.path, WEB(record));
  await using pid1 = Pid1.start(["run", "-c", file, "--", fixture("signals")], {
    cwd: dir.path, env: { TSVISOR_SOCKET: join(dir.path, "tsvisor.sock"), RECORD: cmdRecord },
  });
  await waitFor(() => readLines(cmdRecord).includes("ready"), "CMD to start");
  await pid1.signal("SIGHUP");
  await waitFor(() => readLines(cmdRecord).includes("HUP"), "HUP to reach CMD");
  await pid1.signal("SIGTERM");
  expect(await pid1.exited()).toBe(0); // CMD's code: the fixture exits 0 on TERM
  expect(readLines(cmdRecord)).toEqual(["ready", "HUP", "TERM"]);
  expect(withoutTimes(readLines(record))).toEqual(["start web", "stop web TERM"]);
  expect([pid1.logLines(/reloading the config|reload: /), pid1.logLines(/SIGHUP received: forwarded to CMD/).length]).toEqual([[], 1]);
});

test("on a terminal CMD reads it, as in init mode", async () => {
  requirePidNamespace(); // for util-linux's script, which that check installs
  using dir = tempDir();
  const file = writeConfig(dir.path, WEB(join(dir.path, "record")));
  // script runs its command on a new pseudo-terminal and copies our stdin to it; -e: its exit code is the command's.
  const proc = Bun.spawn(["script", "-qec", `TSVISOR_SOCKET=${dir.path}/tsvisor.sock ${TSVISOR} run -c ${file} -- sh -c 'echo cmd-ready; read line; echo "read:$line"; exit 5'`, "/dev/null"], {
    stdin: "pipe", stdout: "pipe", stderr: "pipe",
  });
  // On failure, script's SIGKILL would leave tsvisor running on the closed terminal: kill all of it.
  await using _ = { async [Symbol.asyncDispose]() { if (proc.exitCode === null && proc.signalCode === null) killTree(proc.pid); await proc.exited; } };
  const lines: string[] = [];
  const drained = collectLines(proc.stdout, lines);
  await waitFor(() => lines.some((l) => l.includes("cmd-ready")), `CMD to start\n${lines.join("\n")}`);
  proc.stdin.write("hello\n");
  await proc.stdin.end();
  expect(await proc.exited).toBe(5);
  await drained;
  expect(lines.map((l) => l.replace(/\r$/, "")).filter((l) => l.startsWith("read:"))).toEqual(["read:hello"]);
});

describe("any other extra argument is a usage error (exit 2)", () => {
  test.concurrent.each([
    [["sh", "-c", "exit 3"], 'tsvisor: unexpected argument "sh"'],
    [["--"], "tsvisor: missing CMD after --"],
  ])("run -c FILE %p", async (args, message) => {
    using dir = tempDir();
    await using daemon = Daemon.start(dir.path, WEB(join(dir.path, "record")), { args });
    expect(await daemon.exited(10_000)).toBe(2);
    expect(daemon.log[0]).toBe(message);
    expect(daemon.log[1]).toStartWith("hint: ");
  });
});

// Regression: issue 15 item 11 — `tsvisor -- CMD` closed every descriptor it inherited above 2; tini
// and dumb-init pass them on (socket activation, `exec 5>file; tsvisor -- sh -c 'echo x >&5'`). Now CMD
// gets them under the same numbers, none of Bun's own, and under socket activation a LISTEN_PID that
// names CMD rather than tsvisor (os/foreground-child.ts, os/inherited-fds.ts).
import { expect, test } from "bun:test";
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connect } from "node:net";
import { TSVISOR, runTsvisor, tempDir, waitFor, writeConfig } from "./_harness.ts";

// systemd-socket-activate is in Debian's systemd package (as systemd-analyze, for the unit's test).
const ensured = Bun.spawnSync(["bash", join(import.meta.dir, "../../scripts/ensure-debian-packages.sh"), "systemd"], { stderr: "pipe" });
if (!ensured.success) throw new Error(`cannot install systemd (for systemd-socket-activate): ${ensured.stderr.toString()}`);

// CMD lists its own descriptors (sh's, as `ls /proc/$$/fd` runs in a child) and writes to two of them.
// (Not `ls > file`: dash keeps a copy of its stdout on fd 10 while a redirection is in force.)
const LIST_AND_WRITE = 'echo three >&3; echo five >&5; ls /proc/$$/fd';

// `tsvisor ARGS` started with `fds` as its descriptors 3 and up (null: closed), as a shell's `3>file 5>file` does.
async function runWithFds(args: string[], fds: (number | null)[], env: Record<string, string> = {}) {
  const proc = Bun.spawn([TSVISOR, ...args], {
    env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe", ...fds],
  });
  // A tsvisor that does not end (one that ignores `-- CMD` supervises its programs forever) fails the test.
  const deadline = setTimeout(() => proc.kill("SIGKILL"), 20_000);
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(deadline);
  return { stdout: stdout.split("\n").filter(Boolean), stderr, exitCode };
}

test.concurrent("init mode: CMD gets every descriptor tsvisor inherited under its number, and no descriptor of tsvisor's own", async () => {
  using dir = tempDir();
  const [three, five] = [join(dir.path, "three"), join(dir.path, "five")];
  const fds = [openSync(three, "w"), null, openSync(five, "w")];
  try {
    // What CMD must not see: Bun's event loop (an epoll and an eventfd) and the duplicates of stdout
    // and stderr it makes when the logger loads; a 4 left closed stays closed.
    const result = await runWithFds(["--", "sh", "-c", LIST_AND_WRITE], fds);
    expect(result).toEqual({ stdout: ["0", "1", "2", "3", "5"], stderr: "", exitCode: 0 });
    expect([readFileSync(three, "utf8"), readFileSync(five, "utf8")]).toEqual(["three\n", "five\n"]);
  } finally {
    for (const fd of fds) if (fd !== null) closeSync(fd);
  }
});

// The program's shell has its descriptors listed by a child shell that does the redirecting: no pipeline
// (the shell holds a pipe end while the pipeline's `ls` may already read) and no redirection of its own
// (dash keeps a copy of stdout on fd 10 while one is in force).
test.concurrent("run -- CMD: CMD gets them too; the programs do not", async () => {
  using dir = tempDir();
  const [three, five, programFds] = [join(dir.path, "three"), join(dir.path, "five"), join(dir.path, "program-fds")];
  const file = writeConfig(dir.path, `
[programs.lister]
command = ["sh", "-c", "sh -c 'ls /proc/$PPID/fd > ${programFds}'; exec sleep 1000"]
startsecs = 0
`);
  const fds = [openSync(three, "w"), null, openSync(five, "w")];
  try {
    // CMD waits for the program's list: it could otherwise end, and stop the program, before it is written
    const cmd = `until [ -s ${programFds} ]; do sleep 0.02; done; ${LIST_AND_WRITE}`;
    const result = await runWithFds(["run", "-c", file, "--", "sh", "-c", cmd], fds, { TSVISOR_SOCKET: join(dir.path, "tsvisor.sock") });
    expect([result.exitCode, result.stdout]).toEqual([0, ["0", "1", "2", "3", "5"]]);
    expect([readFileSync(three, "utf8"), readFileSync(five, "utf8")]).toEqual(["three\n", "five\n"]);
    expect(readFileSync(programFds, "utf8").split("\n").filter(Boolean)).toEqual(["0", "1", "2"]);
  } finally {
    for (const fd of fds) if (fd !== null) closeSync(fd);
  }
});

test.concurrent("a LISTEN_PID that is not tsvisor's reaches CMD unchanged", async () => {
  const { stdout, exitCode } = await runTsvisor(["--", "sh", "-c", 'echo "$LISTEN_PID"'], { env: { LISTEN_PID: "4242", LISTEN_FDS: "1" } });
  expect([exitCode, stdout]).toEqual([0, "4242\n"]);
});

test.concurrent("under systemd's socket activation CMD gets the socket as fd 3 and a LISTEN_PID naming itself", async () => {
  using dir = tempDir();
  const socket = join(dir.path, "activation.sock");
  const report = join(dir.path, "report");
  // systemd-socket-activate binds the socket, waits for a first connection, then execs tsvisor with
  // the socket as fd 3, LISTEN_FDS=1 and LISTEN_PID=tsvisor's pid: what systemd does for a .socket unit.
  const activator = Bun.spawn(["systemd-socket-activate", "-l", socket, TSVISOR, "--", "sh", "-c",
    `echo "pid=$$ LISTEN_PID=$LISTEN_PID LISTEN_FDS=$LISTEN_FDS fd3=$(readlink /proc/$$/fd/3 | cut -d: -f1)" > ${report}`,
  ], { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  await using _ = { async [Symbol.asyncDispose]() { activator.kill("SIGKILL"); await activator.exited; } };
  await waitFor(() => { try { return readFileSync(`/proc/${activator.pid}/net/unix`, "utf8").includes(socket); } catch { return false; } }, "the socket to be bound");
  const client = connect(socket);
  await using __ = { async [Symbol.asyncDispose]() { client.destroy(); } };
  expect(await activator.exited).toBe(0);
  const [, pid, listenPid, rest] = /^pid=(\d+) LISTEN_PID=(\d*) (.*)$/.exec(readFileSync(report, "utf8").trim()) ?? [];
  expect({ listenPidIsCmd: listenPid === pid, rest }).toEqual({ listenPidIsCmd: true, rest: "LISTEN_FDS=1 fd3=socket" });
});

// With a descriptor to pass on, CMD went through setpriv, which runs a file the kernel refuses
// (ENOEXEC) as a shell script: text behind an ELF magic ran (red team, 2026-12-06), where without one
// the parent-death exec gave 126. The foreground exec now starts CMD either way.
test.concurrent("init mode: a file the kernel will not run exits 126 and is not run as a script, with or without inherited descriptors", async () => {
  using dir = tempDir();
  const marker = join(dir.path, "ran");
  const fakeElf = join(dir.path, "fake-elf");
  writeFileSync(fakeElf, `\x7fELF\ntouch ${marker}\nexit 42\n`, { mode: 0o755 });
  const passed = openSync(join(dir.path, "passed"), "w");
  try {
    const results = [await runWithFds(["--", fakeElf], [passed]), await runWithFds(["--", fakeElf], [])];
    expect({ codes: results.map((r) => r.exitCode), ranAsScript: existsSync(marker) }).toEqual({ codes: [126, 126], ranAsScript: false });
  } finally {
    closeSync(passed);
  }
});

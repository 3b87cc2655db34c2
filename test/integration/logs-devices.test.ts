// A log path that is a character device or a named pipe (`stdout_logfile = "/dev/stdout"`, a FIFO) is
// written as is, as supervisord does: never rotated, renamed or replaced by a regular file, every line
// delivered; `tsvisor logs` and the HTTP API say where such a log goes instead of reading it.
// (The regression: rotation renamed /dev/stdout and put regular files in its place, and 21 of 100
// lines reached the real stdout.)
import { expect, test } from "bun:test";
import { closeSync, constants, existsSync, lstatSync, openSync, readdirSync, readFileSync, readSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "bun";
import { Daemon, TSVISOR, collectLines, freePort, runTsvisor, tempDir, waitFor, writeConfig } from "./_harness.ts";

const HUNDRED_LINES = `["sh", "-c", "i=0; while [ $i -lt 100 ]; do i=$((i+1)); echo line-$i; done; exec sleep 1000"]`;
const EXPECTED = Array.from({ length: 100 }, (_, i) => `line-${i + 1}`);
// Small enough that 100 lines would rotate a regular file about ten times.
const ROTATING = "stdout_logfile_maxbytes = 100\nstdout_logfile_backups = 3\n";

// unshare (util-linux) makes the private /dev below; part of a Debian base system, installed if missing.
const ensured = spawnSync([join(import.meta.dir, "../../scripts/ensure-debian-packages.sh"), "util-linux"], { stderr: "pipe" });
if (ensured.exitCode !== 0) throw new Error(`ensure-debian-packages.sh util-linux: ${ensured.stderr.toString()}`);

test("these tests run as root: they mount a private /dev and make named pipes", () => {
  expect(process.getuid?.()).toBe(0);
});

// tsvisor run in a private mount namespace whose /dev is a fresh tmpfs holding only null, fd, stdout
// and stderr: a build that renames /dev/stdout (the old one did) damages only that copy, which is
// listed into DIR/dev-listing once tsvisor has exited (its exit code goes to DIR/exit-code). Its
// stdout is the socket Bun.spawn gives (as journald's is), or a pipe in between (as Docker's is).
function startWithPrivateDev(dir: string, config: string, stdout: "socket" | "pipe") {
  const file = writeConfig(dir, config);
  const setup = [
    "mount -t tmpfs -o mode=0755 tsvisor-test-dev /dev",
    "mknod -m 666 /dev/null c 1 3",
    "ln -s /proc/self/fd /dev/fd",
    "ln -s /proc/self/fd/1 /dev/stdout",
    "ln -s /proc/self/fd/2 /dev/stderr",
  ].join(" && ");
  const run = `{ "$0" run -c "$1"; echo $? > "$3"; }${stdout === "pipe" ? " | cat" : ""}`;
  const script = `${setup} || exit 99\n${run}\nls -la /dev > "$2"`;
  const proc = Bun.spawn(["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", script, TSVISOR, file, join(dir, "dev-listing"), join(dir, "exit-code")], {
    cwd: dir, env: { ...process.env, TSVISOR_SOCKET: join(dir, "tsvisor.sock") }, stdin: "ignore", stdout: "pipe", stderr: "pipe",
  });
  const lines: string[] = [];
  const log: string[] = [];
  const drained = Promise.all([collectLines(proc.stdout, lines), collectLines(proc.stderr, log)]);
  return { proc, stdout: lines, stderr: log, drained, socket: join(dir, "tsvisor.sock") };
}

test.each(["pipe", "socket"] as const)(`stdout_logfile = "/dev/stdout" with rotation configured, tsvisor's stdout a %s: all 100 lines reach it and /dev/stdout is never renamed`, async (kind) => {
  using dir = tempDir();
  const run = startWithPrivateDev(dir.path, `[supervisor]\nconsole = false\n[programs.p]\ncommand = ${HUNDRED_LINES}\nstartsecs = 0\nstdout_logfile = "/dev/stdout"\n${ROTATING}`, kind);
  try {
    await waitFor(() => run.stdout.length >= 100 || run.proc.exitCode !== null, `100 lines on tsvisor's stdout; so far ${run.stdout.length}`, 10_000).catch(() => {});
    const ctl = (args: string[]) => runTsvisor([...args, "--socket", run.socket]);
    // `tsvisor logs` says where the lines go instead of reading its own stdout
    const logs = await runTsvisor(["logs", "p", "-c", join(dir.path, "tsvisor.toml")]);
    const dropped = JSON.parse((await ctl(["status", "p", "--json"])).stdout).processes[0].dropped_log_lines;
    await ctl(["shutdown"]);
    await run.proc.exited;
    await run.drained;
    const regularFiles = readFileSync(join(dir.path, "dev-listing"), "utf8").split("\n").filter((line) => line.startsWith("-"));
    expect({ stdout: run.stdout, regularFiles, dropped, exit: readFileSync(join(dir.path, "exit-code"), "utf8"), logs }).toEqual({
      stdout: EXPECTED,
      regularFiles: [],
      dropped: 0,
      exit: "0\n",
      logs: {
        stdout: "",
        stderr: "tsvisor: p's stdout goes to /dev/stdout, tsvisor's own stdout, not to a file: no lines are kept there to read back\n"
          + "hint: its lines are in tsvisor run's own output: docker logs, journalctl, or the terminal it runs in\n",
        exitCode: 2,
      },
    });
  } finally {
    if (run.proc.exitCode === null) run.proc.kill("SIGKILL");
  }
});

test("a named pipe as stdout_logfile gets every line, stays a pipe and is never rotated; logs and the HTTP API say where it goes", async () => {
  using dir = tempDir();
  const fifo = join(dir.path, "p.fifo");
  expect(spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
  // the reader is there first, non-blocking so the test never waits in open() or read()
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const port = freePort();
  try {
    await using daemon = Daemon.start(dir.path, `[supervisor]\nconsole = false\n[http]\nlisten = "127.0.0.1:${port}"\ntoken = "a-token-of-20-chars!"\n[programs.p]\ncommand = ${HUNDRED_LINES}\nstartsecs = 0\nstdout_logfile = "${fifo}"\n${ROTATING}`);
    let received = "";
    const buffer = Buffer.alloc(65536);
    await waitFor(() => {
      try {
        for (let n; (n = readSync(reader, buffer, 0, buffer.length, null)) > 0; ) received += buffer.toString("utf8", 0, n);
      } catch {
        // EAGAIN: nothing more for now
      }
      return received.split("\n").length > 100;
    }, "100 lines through the named pipe", 10_000).catch(() => {});
    const logs = await runTsvisor(["logs", "p", "-c", join(dir.path, "tsvisor.toml")]);
    const http = await fetch(`http://127.0.0.1:${port}/api/v1/programs/p/logs`, { headers: { authorization: "Bearer a-token-of-20-chars!" } });
    const message = `p's stdout goes to ${fifo}, a named pipe, not to a file: no lines are kept there to read back`;
    expect({
      received: received.split("\n").filter(Boolean),
      stillAFifo: lstatSync(fifo).isFIFO(),
      besideIt: readdirSync(dir.path).filter((f) => f.startsWith("p.fifo")),
      logs,
      http: [http.status, await http.json()],
      dropped: (await daemon.status("p"))?.dropped_log_lines,
    }).toEqual({
      received: EXPECTED,
      stillAFifo: true,
      besideIt: ["p.fifo"],
      logs: { stdout: "", stderr: `tsvisor: ${message}\nhint: its lines go to whatever reads that pipe\n`, exitCode: 2 },
      http: [404, { error: { code: "NO_LOG", name: "p", message } }],
      dropped: 0,
    });
  } finally {
    closeSync(reader);
  }
});

test("a named pipe nobody reads: lines are dropped and counted (said once), and they flow again once a reader opens it", async () => {
  using dir = tempDir();
  const fifo = join(dir.path, "p.fifo");
  expect(spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
  await using daemon = Daemon.start(dir.path, `[supervisor]\nconsole = false\n[programs.p]\ncommand = ["sh", "-c", "i=0; while :; do i=$((i+1)); echo tick-$i; sleep 0.05; done"]\nstartsecs = 0\nstdout_logfile = "${fifo}"\n`);
  await waitFor(async () => ((await daemon.status("p"))?.dropped_log_lines ?? 0) > 3, "lines dropped while the pipe has no reader");
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const buffer = Buffer.alloc(65536);
    let received = "";
    await waitFor(() => {
      try {
        for (let n; (n = readSync(reader, buffer, 0, buffer.length, null)) > 0; ) received += buffer.toString("utf8", 0, n);
      } catch {
        // EAGAIN
      }
      return /tick-\d+\n/.test(received);
    }, "ticks through the pipe once it has a reader");
    await daemon.waitForLog(/log: p stdout .*p\.fifo: writing again; \d+ lines dropped/);
    expect([daemon.logLines(/p\.fifo: can't open: the named pipe has no reader; dropping lines/).length, existsSync(`${fifo}.1`), lstatSync(fifo).isFIFO()]).toEqual([1, false, true]);
  } finally {
    closeSync(reader);
  }
});

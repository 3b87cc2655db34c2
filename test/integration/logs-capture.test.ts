import { expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fixtureOutput } from "../fixtures/lines.ts";
import { Daemon, FIXTURES, tempDir, waitFor } from "./_harness.ts";

// bunfig.toml's [test] timeout is not read by bun test 1.4.5 (5 s default): these write megabytes on a shared 2-core machine.
setDefaultTimeout(30_000);

const printLines = (...args: (string | number)[]) => JSON.stringify([process.execPath, join(FIXTURES, "print-lines-fixture.ts"), ...args.map(String)]);

// name.log.N ... name.log.1, name.log: the whole output, oldest first.
function readRotated(path: string): Buffer {
  const dir = join(path, "..");
  const base = path.slice(dir.length + 1);
  const backups = readdirSync(dir).filter((f) => f.startsWith(`${base}.`)).map((f) => Number(f.slice(base.length + 1))).sort((a, b) => b - a);
  return Buffer.concat([...backups.map((n) => readFileSync(`${path}.${n}`)), readFileSync(path)]);
}

test("the bytes a program writes equal its log file and backups, in order, across many rotations", async () => {
  using dir = tempDir();
  const logs = join(dir.path, "logs");
  await using daemon = Daemon.start(dir.path, `
[programs.writer]
command = ${printLines("out", 20000, "--stderr")}
startsecs = 0
autorestart = false
console = false
stdout_logfile_maxbytes = "100KB"
stdout_logfile_backups = 40
stderr_logfile_maxbytes = 65536
stderr_logfile_backups = 40
`);
  await daemon.waitForLog(/exited: writer \(exit status 0; expected\)/);
  daemon.signal("SIGTERM");
  expect(await daemon.exited()).toBe(0);
  const [out, err] = [readRotated(join(logs, "writer.out.log")), readRotated(join(logs, "writer.err.log"))];
  const rotations = readdirSync(logs).filter((f) => /^writer\.out\.log\.\d+$/.test(f)).length;
  expect([out.equals(fixtureOutput("out", 20000)), err.equals(fixtureOutput("err", 20000)), rotations >= 10]).toEqual([true, true, true]);
});

test("programs that restart again and again keep every line: each start's new pipes are watched, whatever numbers they reuse", async () => {
  // Each start makes new pipes, whose descriptor numbers are those of pipes just closed, often another
  // program's: the watch on a number must follow the pipe it now is (os/epoll.ts), or a start's lines
  // stay unread until the program exits, or are lost with it.
  using dir = tempDir();
  const runs = 8;
  const count = 20;
  await using daemon = Daemon.start(dir.path, `
[programs.restarter]
command = ["sh", "-c", "echo x >> ${dir.path}/runs.$TSVISOR_PROCESS_NUM; n=$(wc -l < ${dir.path}/runs.$TSVISOR_PROCESS_NUM); echo run $n; echo err $n >&2; echo end $n; [ $n -ge ${runs} ] && exit 0; exit 3"]
numprocs = ${count}
startsecs = 0
autorestart = "unexpected"
exitcodes = [0]
backoff_delay = 0
console = false
`);
  await waitFor(() => daemon.logLines(/exited: restarter-\d+ \(exit status 0; expected\)/).length === count, `all ${count} programs through ${runs} runs`, 30_000);
  daemon.signal("SIGTERM");
  expect(await daemon.exited()).toBe(0);
  const expected = (stream: "out" | "err") => Array.from({ length: runs }, (_, i) => (stream === "out" ? `run ${i + 1}\nend ${i + 1}\n` : `err ${i + 1}\n`)).join("");
  const files = readdirSync(join(dir.path, "logs")).filter((f) => f.startsWith("restarter-")).sort();
  const wrong = files.filter((f) => readFileSync(join(dir.path, "logs", f), "utf8") !== expected(f.endsWith(".out.log") ? "out" : "err"));
  expect([files.length, wrong]).toEqual([2 * count, []]);
});

test("redirect_stderr sends stderr to the stdout log, in order (one pipe, as 2>&1), and to tsvisor's stdout; there is no stderr log", async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, `
[programs.both]
command = ["sh", "-c", "echo out1; echo err1 >&2; echo out2"]
startsecs = 0
autorestart = false
redirect_stderr = true
`);
  await daemon.waitForLog(/exited: both/);
  daemon.signal("SIGTERM");
  expect(await daemon.exited()).toBe(0);
  const file = readFileSync(join(dir.path, "logs", "both.out.log"), "utf8");
  expect([file, existsSync(join(dir.path, "logs", "both.err.log")), daemon.stdout.filter((l) => l.startsWith("both | ")), daemon.logLines(/err1/)]).toEqual([
    "out1\nerr1\nout2\n", false, ["both | out1", "both | err1", "both | out2"], [],
  ]);
});

test("a partial last line is written when the program exits: as is to the file, ended on the console", async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, `
[programs.partial]
command = ["sh", "-c", "echo whole; printf 'no newline'; printf 'to stderr too' >&2"]
startsecs = 0
autorestart = false
`);
  await daemon.waitForLog(/exited: partial/);
  daemon.signal("SIGTERM");
  expect(await daemon.exited()).toBe(0);
  const read = (name: string) => readFileSync(join(dir.path, "logs", name), "utf8");
  expect([read("partial.out.log"), read("partial.err.log"), daemon.stdout, daemon.logLines(/^partial \| /)]).toEqual([
    "whole\nno newline", "to stderr too", ["partial | whole", "partial | no newline"], ["partial | to stderr too"],
  ]);
});

test("with log_timestamps each line in the file starts with an RFC 3339 timestamp; the console shows none", async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, `
[programs.stamped]
command = ["sh", "-c", "echo one; echo two"]
startsecs = 0
autorestart = false
log_timestamps = true
`);
  await daemon.waitForLog(/exited: stamped/);
  daemon.signal("SIGTERM");
  expect(await daemon.exited()).toBe(0);
  const lines = readFileSync(join(dir.path, "logs", "stamped.out.log"), "utf8").split("\n");
  expect([lines.map((l) => l.replace(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /, "<ts> ")), daemon.stdout]).toEqual([
    ["<ts> one", "<ts> two", ""], ["stamped | one", "stamped | two"],
  ]);
});

test("tsvisor's own log goes to stderr and to {log_dir}/tsvisor.log", async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, `
[programs.quiet]
command = ["sleep", "100"]
startsecs = 0
`);
  await daemon.waitForLog(/success: quiet entered RUNNING/);
  daemon.signal("SIGTERM");
  expect(await daemon.exited()).toBe(0);
  const file = readFileSync(join(dir.path, "logs", "tsvisor.log"), "utf8").split("\n").filter(Boolean);
  expect(file).toEqual(daemon.log);
});

test("log files are created 0640 and owned by the program's user", async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, `
[programs.nobodys]
command = ["sh", "-c", "echo hello; echo oops >&2"]
user = "nobody"
startsecs = 0
autorestart = false
`);
  await daemon.waitForLog(/exited: nobodys/);
  daemon.signal("SIGTERM");
  expect(await daemon.exited()).toBe(0);
  const stat = (name: string) => statSync(join(dir.path, "logs", name));
  expect(["nobodys.out.log", "nobodys.err.log"].map((f) => [stat(f).uid, (stat(f).mode & 0o777).toString(8)])).toEqual([
    [65534, "640"], [65534, "640"],
  ]);
});

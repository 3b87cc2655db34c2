// Regression (red team, 2026-12-06): console lines still waiting for a slow reader when tsvisor
// exited were thrown away silently. tsvisor waited 1 s for its stdout and stderr, whatever the reader
// did, then exited: `tsvisor run | (sleep 4; cat)` got about 1 MB of a program's 2.16 MB burst, ending
// mid-line, with nothing counted or logged; a reader that kept taking, only slowly, lost the rest too.
// tsvisor now waits as long as the reader keeps taking (up to 5 s in all), gives up once it has taken
// nothing for 1 s, and says in its log how many lines it threw away and whether the last one shown
// was cut off. The same for a log path that is a named pipe (stdout_logfile = "/run/shipper.fifo").
import { expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readFileSync, statSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { Daemon, TSVISOR, tempDir, waitFor, writeConfig } from "../../integration/_harness.ts";

setDefaultTimeout(60_000);

const LINES = 20000;
// 20,000 lines of 100 bytes at once (2 MB; 2.16 MB prefixed on the console), then it waits to be stopped.
const BURST = `
[programs.burst]
command = ["perl", "-e", "$| = 1; for (1..${LINES}) { printf \\"%099d\\\\n\\", $_ } sleep 100000"]
startsecs = 0
`;
const CONSOLE_LINE = /^burst \| \d{99}$/;

// tsvisor's stdout is a named pipe that `reader` (a shell command line, reading its stdin) reads into
// `out`. Not a child of tsvisor (`>(reader)` would be one): tsvisor stops what is left below it.
function startWithReader(dir: string, reader: string, args: string[] = [], config = BURST): { daemon: Daemon; out: string; reader: Subprocess } {
  const [console, out] = [join(dir, "console"), join(dir, "console.out")];
  Bun.spawnSync(["mkfifo", console]);
  const readerProc = Bun.spawn(["sh", "-c", `${reader} < "${console}" > "${out}"`], { stdio: ["ignore", "ignore", "inherit"] });
  const wrapper = ["bash", "-c", `exec "$@" > "${console}"`, "bash"]; // bash execs tsvisor: its pid is the test's
  return { daemon: Daemon.start(dir, config, { wrapper, args }), out, reader: readerProc };
}

// The burst is all in the file, so all of it is in tsvisor (on the console, or waiting for it).
async function burstInFile(dir: string): Promise<void> {
  const file = join(dir, "logs", "burst.out.log");
  await waitFor(() => existsSync(file) && statSync(file).size >= LINES * 100, "the burst in burst.out.log");
}

async function stopAfterBurst(daemon: Daemon, dir: string): Promise<void> {
  await burstInFile(dir);
  daemon.signal("SIGTERM");
  expect(await daemon.exited()).toBe(0);
}

test("console lines a reader that took nothing for 1 s never got at exit are counted in tsvisor's log, with the cut last line said", async () => {
  using dir = tempDir();
  const gate = join(dir.path, "gate");
  Bun.spawnSync(["mkfifo", gate]);
  // The reader takes nothing until the test opens the gate, after tsvisor has exited.
  const { daemon, out, reader } = startWithReader(dir.path, `{ read _ < "${gate}"; cat; }`);
  await using _ = daemon;
  await stopAfterBurst(daemon, dir.path);
  await Bun.write(gate, "go\n");
  await reader.exited;
  const shown = readFileSync(out, "utf8").split("\n");
  const cutLast = shown.pop() !== ""; // what follows the last newline: a line cut off, or nothing
  const report = daemon.logLines(/lost at exit: \d+ lines? .* never reached tsvisor's stdout:/);
  const notShown = Number(/lost at exit: (\d+) line/.exec(report[0] ?? "")?.[1]);
  // Every line is either shown whole or counted; the report says whether the last one shown is cut.
  expect({
    reports: report.length,
    shownWhole: shown.every((line) => CONSOLE_LINE.test(line)),
    accounted: shown.length + notShown,
    saysCut: report.some((line) => line.includes("the last line it got is cut off")),
  }).toEqual({ reports: 1, shownWhole: true, accounted: LINES, saysCut: cutLast });
});

test("a reader that keeps taking, slowly, gets every console line before tsvisor exits, however long past 1 s", async () => {
  using dir = tempDir();
  // 32 KiB every 50 ms: about 3 s for the 2.16 MB, most of it after tsvisor is told to stop.
  const reader = `perl -e 'while (sysread(STDIN, my $b, 32768)) { syswrite(STDOUT, $b); select(undef, undef, undef, 0.05) }'`;
  const started = startWithReader(dir.path, reader);
  await using daemon = started.daemon;
  await stopAfterBurst(daemon, dir.path);
  await started.reader.exited;
  const shown = readFileSync(started.out, "utf8");
  expect({
    lines: shown.split("\n").filter((line) => CONSOLE_LINE.test(line)).length,
    endsWithNewline: shown.endsWith("\n"),
    reports: daemon.logLines(/lost at exit/),
  }).toEqual({ lines: LINES, endsWithNewline: true, reports: [] });
});

// Reopened (`tsvisor logs --reopen`) with lines waiting: the same pipe goes on through the same
// output, nothing dropped (before, what waited was dropped unsaid, and the new description wrote on
// after the line the old one's full pipe had cut).
test.each([false, true])("lines for a log path that is a named pipe whose reader took nothing for 1 s as the log closed are counted in tsvisor's log too (reopened before: %p)", async (reopened) => {
  using dir = tempDir();
  const [fifo, gate, out, printed] = [join(dir.path, "shipper.fifo"), join(dir.path, "gate"), join(dir.path, "shipper.out"), join(dir.path, "printed")] as const;
  Bun.spawnSync(["mkfifo", fifo, gate]);
  const reader = Bun.spawn(["sh", "-c", `{ read _ < "${gate}"; cat; } < "${fifo}" > "${out}"`], { stdio: ["ignore", "ignore", "inherit"] });
  // `printed` once every line is in the program's pipe: tsvisor reads it to its end before it stops.
  await using daemon = Daemon.start(dir.path, `
[programs.burst]
command = ["perl", "-e", "$| = 1; for (1..${LINES}) { printf \\"%099d\\\\n\\", $_ } open(my $f, '>', '${printed}'); sleep 100000"]
startsecs = 0
stdout_logfile = "${fifo}"
console = false
`);
  await waitFor(() => existsSync(printed), "the burst printed");
  if (reopened) expect((await daemon.ctl(["logs", "--reopen"])).exitCode).toBe(0);
  daemon.signal("SIGTERM");
  expect(await daemon.exited()).toBe(0);
  await Bun.write(gate, "go\n");
  await reader.exited;
  const shown = readFileSync(out, "utf8").split("\n");
  const cutLast = shown.pop() !== "";
  const report = daemon.logLines(new RegExp(`log: burst stdout ${fifo}: lost as the log was closed: \\d+ lines? .* never reached it:`));
  expect({
    reports: report.length,
    shownWhole: shown.every((line) => /^\d{99}$/.test(line)),
    accounted: shown.length + Number(/closed: (\d+) line/.exec(report[0] ?? "")?.[1]),
    saysCut: report.some((line) => line.includes("the last line it got is cut off")),
    droppedAtReopen: daemon.logLines(/opened again/),
  }).toEqual({ reports: 1, shownWhole: true, accounted: LINES, saysCut: cutLast, droppedAtReopen: [] });
});


// Red team of the above, 2026-12-06: a reader that went away during the wait (EPIPE) lost its lines
// with nothing said.
test("a reader that goes away while tsvisor waits for it at exit is said to have gone, with what it never got", async () => {
  using dir = tempDir();
  const gate = join(dir.path, "gate");
  Bun.spawnSync(["mkfifo", gate]);
  const { daemon, reader } = startWithReader(dir.path, `{ read _ < "${gate}"; head -c 300000; }`);
  await using _ = daemon;
  await burstInFile(dir.path);
  daemon.signal("SIGTERM");
  await Bun.write(gate, "go\n"); // it takes 300,000 bytes during the wait, then closes its end
  expect(await daemon.exited()).toBe(0);
  await reader.exited;
  expect(daemon.logLines(/lost at exit: \d+ lines \(\d+ bytes\) never reached tsvisor's stdout: its reader went away \(its pipe or terminal was closed\)/).length).toBe(1);
});

// Seen in npm test, 2026-12-07: a reader that went away before tsvisor began its wait at exit (during
// the stops; or any time before) took with it what waited for it, and nothing said so: the wait found
// the output already broken and reported nothing. The burst here is followed by a line every 20 ms, so
// that tsvisor's warning that nothing reads its stdout any more shows it has seen the reader go.
const BURST_THEN_TICKS = BURST.replace("sleep 100000", 'while (1) { print \\"tick\\\\n\\"; select(undef, undef, undef, 0.02) }');
test("a reader that went away before tsvisor's exit took what waited for it, and that is said at exit", async () => {
  using dir = tempDir();
  const gate = join(dir.path, "gate");
  Bun.spawnSync(["mkfifo", gate]);
  const { daemon, reader } = startWithReader(dir.path, `{ read _ < "${gate}"; head -c 300000; }`, [], BURST_THEN_TICKS);
  await using _ = daemon;
  await burstInFile(dir.path);
  await Bun.write(gate, "go\n"); // it takes 300,000 bytes while tsvisor runs, then closes its end
  await reader.exited;
  await waitFor(() => daemon.logLines(/nothing reads it any more/).length > 0, "tsvisor to see its stdout's reader gone");
  daemon.signal("SIGTERM");
  expect(await daemon.exited()).toBe(0);
  expect(daemon.logLines(/lost at exit: \d+ lines \(\d+ bytes\) never reached tsvisor's stdout: its reader went away/).length).toBe(1);
});

// The same for a log path that is a named pipe, while tsvisor runs: its reader goes away with lines
// waiting for it, and the program's next line finds the pipe broken.
test("lines waiting for a named pipe log path whose reader went away are counted and said", async () => {
  using dir = tempDir();
  const [fifo, gate, printed] = [join(dir.path, "shipper.fifo"), join(dir.path, "gate"), join(dir.path, "printed")] as const;
  Bun.spawnSync(["mkfifo", fifo, gate]);
  const reader = Bun.spawn(["sh", "-c", `{ read _ < "${gate}"; head -c 300000 > /dev/null; } < "${fifo}"`], { stdio: ["ignore", "ignore", "inherit"] });
  await using daemon = Daemon.start(dir.path, `
[programs.burst]
command = ["perl", "-e", "$| = 1; for (1..${LINES}) { printf \\"%099d\\\\n\\", $_ } open(my $f, '>', '${printed}'); while (1) { print \\"tick\\\\n\\"; select(undef, undef, undef, 0.02) }"]
startsecs = 0
stdout_logfile = "${fifo}"
console = false
`);
  await waitFor(() => existsSync(printed), "the burst printed");
  await Bun.write(gate, "go\n");
  await reader.exited;
  await waitFor(() => daemon.logLines(/never reached it: its reader went away/).length > 0, "the lines the reader went away with, said");
  const said = daemon.logLines(new RegExp(`log: burst stdout ${fifo}: lost: (\\d+) lines? \\(\\d+ bytes\\) never reached it: its reader went away`));
  expect({ said: said.length, lines: Number(/lost: (\d+) line/.exec(said[0] ?? "")?.[1]) > 0 }).toEqual({ said: 1, lines: true });
});

// Red team, 2026-12-06: `tsvisor shutdown` answered while tsvisor still waited for its console, still
// holding log_dir, so `tsvisor shutdown && tsvisor run` failed ("log_dir … is in use by another tsvisor").
test("`tsvisor shutdown` returns once tsvisor is done with its console, and the same config starts again at once", async () => {
  using dir = tempDir();
  const gate = join(dir.path, "gate");
  Bun.spawnSync(["mkfifo", gate]);
  const { daemon, reader } = startWithReader(dir.path, `{ read _ < "${gate}"; cat; }`);
  await using _ = daemon;
  await burstInFile(dir.path);
  expect((await daemon.ctl(["shutdown"])).exitCode).toBe(0);
  const lost = daemon.logLines(/lost at exit/).length; // said before the answer
  await using again = Daemon.start(dir.path, BURST);
  await again.waitForSocket();
  await Bun.write(gate, "go\n");
  await reader.exited;
  expect({ lost, refused: again.logLines(/in use by another tsvisor/) }).toEqual({ lost: 1, refused: [] });
});

// Red team, 2026-12-06: under `run -- CMD` tsvisor's stdout pipe was written blocking (CMD inherits
// it), so a reader that stopped taking froze tsvisor whole: no status, programs blocked on their pipes.
test("under `run -- CMD` a console reader that takes nothing freezes nothing: the program's file fills, status answers", async () => {
  using dir = tempDir();
  const gate = join(dir.path, "gate");
  Bun.spawnSync(["mkfifo", gate]);
  const { daemon, reader } = startWithReader(dir.path, `{ read _ < "${gate}"; cat > /dev/null; }`, ["--", "sleep", "1000"]);
  await using _ = daemon;
  await burstInFile(dir.path);
  const status = await daemon.ctl(["status", "burst"]);
  daemon.signal("SIGTERM");
  await daemon.exited();
  await Bun.write(gate, "go\n");
  await reader.exited;
  expect({ exitCode: status.exitCode, running: status.stdout.includes("RUNNING") }).toEqual({ exitCode: 0, running: true });
});

// Red team, 2026-12-06: tsvisor made the pipe it shares with its shell non-blocking, and left it so:
// the next command of the pipeline got EAGAIN for a large write.
test("tsvisor leaves the pipe or socket it shares with the shell blocking for the next command", async () => {
  using dir = tempDir();
  const check = "import fcntl, os; print('non-blocking' if fcntl.fcntl(1, fcntl.F_GETFL) & os.O_NONBLOCK else 'blocking')";
  const config = writeConfig(dir.path, `
[programs.hello]
command = ["echo", "hello"]
startsecs = 0
autorestart = false
critical = true
`);
  // tsvisor mirrors hello's line and exits after it (critical); then python writes to the same pipe (a
  // pipe to cat: Bun.spawn's "pipe" is a socket, which tsvisor must leave blocking too; both are checked)
  const proc = Bun.spawn(["bash", "-c", `{ "$@" 2> /dev/null; python3 -c "${check}"; } | cat; "$@" 2> /dev/null; python3 -c "${check}"`, "bash", TSVISOR, "run", "-c", config], {
    cwd: dir.path, env: { ...process.env, TSVISOR_SOCKET: join(dir.path, "tsvisor.sock") }, stdout: "pipe", stderr: "inherit",
  });
  expect((await new Response(proc.stdout).text()).split("\n")).toEqual(["hello | hello", "blocking", "hello | hello", "blocking", ""]);
});

// Red team, 2026-12-06: signals during the wait logged lines after "exiting" ("SIGINT received twice:
// killing every program at once", twice) about programs long stopped.
test("signals while tsvisor waits for its console at exit change nothing and say nothing after `exiting`", async () => {
  using dir = tempDir();
  const gate = join(dir.path, "gate");
  Bun.spawnSync(["mkfifo", gate]);
  const { daemon, reader } = startWithReader(dir.path, `{ read _ < "${gate}"; cat > /dev/null; }`);
  await using _ = daemon;
  await burstInFile(dir.path);
  daemon.signal("SIGTERM");
  await daemon.waitForLog(/tsvisor exiting with code 0/);
  for (const signal of ["SIGINT", "SIGINT", "SIGHUP", "SIGTERM"] as const) daemon.signal(signal);
  const code = await daemon.exited();
  await Bun.write(gate, "go\n");
  await reader.exited;
  const after = daemon.log.slice(daemon.log.findIndex((line) => line.includes("tsvisor exiting")) + 1);
  // (whether the last line it got is cut off depends on where the pipe filled)
  const plain = (line: string) => line.replace(/^\S+ /, "").replace(/\d+/g, "N").replace("; the last line it got is cut off", "");
  expect({ code, after: after.map(plain) }).toEqual({
    code: 0,
    after: ["WARN lost at exit: N lines (N bytes) never reached tsvisor's stdout: its reader took nothing for N s"],
  });
});

// Red team, 2026-12-06: a reload closed a named pipe's log with its last line cut off (its reader took
// nothing), and the changed program's new log, on the same pipe, wrote its first line onto the cut one.
test("a log opened on a named pipe whose last log cut a line there starts on a line of its own", async () => {
  using dir = tempDir();
  const [fifo, gate, out, printed] = [join(dir.path, "w.fifo"), join(dir.path, "gate"), join(dir.path, "w.out"), join(dir.path, "printed")] as const;
  Bun.spawnSync(["mkfifo", fifo, gate]);
  const reader = Bun.spawn(["sh", "-c", `{ read _ < "${gate}"; cat; } < "${fifo}" > "${out}"`], { stdio: ["ignore", "ignore", "inherit"] });
  const config = (code: string) => `
[programs.w]
command = ["perl", "-e", "$| = 1; ${code} open(my $f, '>', '${printed}'); sleep 100000"]
startsecs = 0
stdout_logfile = "${fifo}"
console = false
`;
  // one 3 MB line: the pipe (1 MiB) fills inside it, so the old log lets go of a cut line for sure
  await using daemon = Daemon.start(dir.path, config(`print 'x' x 3000000, \\"\\\\n\\";`));
  await waitFor(() => existsSync(printed), "the burst printed");
  unlinkSync(printed);
  writeConfig(dir.path, config(`print \\"new\\\\n\\" for 1..10;`));
  expect((await daemon.ctl(["reload"])).stdout).toBe("w: changed\n"); // the old log let go: cut
  await waitFor(() => existsSync(printed), "the new program's lines printed");
  await Bun.write(gate, "go\n");
  daemon.signal("SIGTERM");
  expect(await daemon.exited()).toBe(0);
  await reader.exited;
  const lines = readFileSync(out, "utf8").split("\n");
  expect({
    cut: daemon.logLines(/lost as the log was closed: .*the last line it got is cut off/).length,
    glued: lines.filter((line) => line.includes("new") && line !== "new"),
    newLines: lines.filter((line) => line === "new").length,
  }).toEqual({ cut: 1, glued: [], newLines: 10 });
});

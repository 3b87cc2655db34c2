import { expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readFileSync, renameSync, statSync, truncateSync } from "node:fs";
import { join } from "node:path";
import { fixtureLine, fixtureOutput } from "../fixtures/lines.ts";
import { Daemon, FIXTURES, TSVISOR, readLines, runTsvisor, tempDir, waitFor } from "./_harness.ts";

// bunfig.toml's [test] timeout is not read by bun test 1.4.5 (5 s default): these write megabytes on a shared 2-core machine.
setDefaultTimeout(30_000);

const printLines = (...args: (string | number)[]) => JSON.stringify([process.execPath, join(FIXTURES, "print-lines-fixture.ts"), ...args.map(String)]);
const numbers = (lines: string[]) => lines.map((l) => Number(l.split(" ")[1]));
const consecutive = (n: number, from = 1) => Array.from({ length: n }, (_, i) => from + i);

test.each(["SIGUSR2", "tsvisor logs --reopen"])("%s reopens the log files after an external mv: nothing lost, new lines in a new file", async (how) => {
  using dir = tempDir();
  const log = join(dir.path, "logs", "ticker.out.log");
  await using daemon = Daemon.start(dir.path, `
[programs.ticker]
command = ${printLines("out", 100000, "--interval", 10)}
startsecs = 0
console = false
`);
  await waitFor(() => readLines(log).length >= 5, "a few lines in the log");
  renameSync(log, `${log}.old`);
  if (how === "SIGUSR2") {
    daemon.signal("SIGUSR2");
    await daemon.waitForLog(/SIGUSR2 received: reopened \d+ log files?/);
  } else {
    // ticker.out.log, ticker.err.log and tsvisor.log
    expect(await daemon.ctl(["logs", "--reopen"])).toEqual({ stdout: "reopened 3 log files\n", stderr: "", exitCode: 0 });
  }
  await waitFor(() => readLines(log).length >= 5, "a few lines in the new log");
  daemon.signal("SIGTERM");
  expect(await daemon.exited()).toBe(0);
  const [before, after] = [numbers(readLines(`${log}.old`)), numbers(readLines(log))];
  expect([...before, ...after]).toEqual(consecutive(before.length + after.length));
});

test("a log emptied from outside (`: > file`) rotates at maxbytes counted from then, not early", async () => {
  using dir = tempDir();
  const log = join(dir.path, "logs", "ticker.out.log");
  await using daemon = Daemon.start(dir.path, `
[programs.ticker]
command = ${printLines("out", 100000, "--interval", 5)}
startsecs = 0
console = false
stdout_logfile_maxbytes = 20000
stdout_logfile_backups = 1
`);
  await waitFor(() => existsSync(log) && statSync(log).size >= 12000, "12,000 bytes in the log");
  const rotatedBefore = existsSync(`${log}.1`);
  truncateSync(log, 0);
  await waitFor(() => existsSync(`${log}.1`), "the first rotation");
  const rotated = readLines(`${log}.1`);
  const size = statSync(`${log}.1`).size;
  daemon.signal("SIGTERM");
  expect(await daemon.exited()).toBe(0);
  // Filled to within one line (at most 160 bytes) of maxbytes: counted from the emptied file's size, not from the 12,000 before.
  expect({ rotatedBefore, full: size > 20000 - 160 && size <= 20000, consecutive: numbers(rotated).every((n, i, all) => i === 0 || n === all[i - 1]! + 1) })
    .toEqual({ rotatedBefore: false, full: true, consecutive: true });
});

test("logs -n prints the last N lines across a rotation, from the files, with tsvisor stopped", async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, `
[programs.writer]
command = ${printLines("out", 1000)}
startsecs = 0
autorestart = false
console = false
stdout_logfile_maxbytes = 4096
stdout_logfile_backups = 100
`);
  await daemon.waitForLog(/exited: writer/);
  daemon.signal("SIGTERM");
  expect(await daemon.exited()).toBe(0);
  const config = join(dir.path, "tsvisor.toml");
  const last = await runTsvisor(["logs", "writer", "-n", "300", "-c", config]);
  const missing = await runTsvisor(["logs", "writr", "-c", config]);
  expect([last.stdout === fixtureOutput("out", 300, 701).toString(), last.stderr, last.exitCode, missing.stderr, missing.exitCode]).toEqual([
    true, "", 0, `tsvisor: no process named "writr" in ${config} (did you mean "writer"?)\n`, 2,
  ]);
});

test("logs -f follows the log across rotations: every line once, in order", async () => {
  using dir = tempDir();
  const COUNT = 200;
  await using daemon = Daemon.start(dir.path, `
[programs.slow]
command = ${printLines("out", COUNT, "--interval", 10, "--stay")}
startsecs = 0
console = false
stdout_logfile_maxbytes = 2000
stdout_logfile_backups = 100
`);
  await waitFor(() => readLines(join(dir.path, "logs", "slow.out.log")).length > 0, "the first line");
  await using tail = Bun.spawn([TSVISOR, "logs", "slow", "-f", "-n", "1000", "-c", join(dir.path, "tsvisor.toml")], { stdout: "pipe", stderr: "inherit" });
  let text = "";
  const decoder = new TextDecoder();
  const reading = (async () => {
    for await (const chunk of tail.stdout) text += decoder.decode(chunk, { stream: true });
  })();
  await waitFor(() => text.endsWith(fixtureLine("out", COUNT)), `line ${COUNT} from logs -f`);
  tail.kill();
  await reading;
  const rotations = readFileSync(join(dir.path, "logs", "slow.out.log.1")).length > 0;
  expect([text === fixtureOutput("out", COUNT).toString(), rotations]).toEqual([true, true]);
});

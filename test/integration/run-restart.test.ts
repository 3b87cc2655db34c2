import { expect, test } from "bun:test";
import { join } from "node:path";
import { Daemon, fixture, readLines, tempDir, waitFor } from "./_harness.ts";

// "spawn <ns>" lines written by exit-with-fixture.sh -> gaps between spawns in ms
const spawnGapsMs = (lines: string[]) =>
  lines.map((l) => Number(l.split(" ")[1]) / 1e6).flatMap((t, i, all) => (i === 0 ? [] : [t - all[i - 1]!]));

test("a program that crashes at once backs off 1 s, 2 s, ... and goes FATAL after startretries", async () => {
  using dir = tempDir();
  const record = join(dir.path, "spawns");
  await using daemon = Daemon.start(dir.path, `
[programs.crasher]
command = ["${fixture("exit-with")}", "3"]
environment = { RECORD = "${record}" }
startretries = 2
`);
  await daemon.waitForLog(/gave up: crasher entered FATAL state, too many start retries too quickly/, 20_000);
  const gaps = spawnGapsMs(readLines(record));
  expect(gaps.length).toBe(2); // 1 start + 2 retries
  expect(gaps[0]).toBeGreaterThanOrEqual(1000);
  expect(gaps[1]).toBeGreaterThanOrEqual(2000);
  expect(gaps[1]! - gaps[0]!).toBeGreaterThanOrEqual(900); // the delay grows
  expect(daemon.logLines(/exited: crasher \(exit status 3; not expected\)/).length).toBe(3);
  expect(daemon.logLines(/backoff: crasher will retry in (1|2)s/).length).toBe(2);
});

test("a program that crashes after it stayed RUNNING for backoff_reset is restarted at once, without back-off", async () => {
  using dir = tempDir();
  const count = join(dir.path, "count");
  await using daemon = Daemon.start(dir.path, `
[programs.flaky]
command = ["sh", "-c", "echo run >> ${count}; sleep 0.3; exit 1"]
startsecs = 0.1
backoff_reset = "100ms"
`);
  await waitFor(() => readLines(count).length >= 3, "three runs");
  expect(daemon.logLines(/exited: flaky \(exit status 1; not expected\)/).length).toBeGreaterThanOrEqual(2);
  expect(daemon.logLines(/backoff: flaky/)).toEqual([]);
});

test(`autorestart = "unexpected" leaves a program that exits with one of exitcodes EXITED`, async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, `
[programs.done]
command = ["sh", "-c", "sleep 0.2; exit 2"]
startsecs = 0.1
exitcodes = [0, 2]
`);
  await daemon.waitForLog(/exited: done \(exit status 2; expected\)/);
  daemon.signal("SIGTERM");
  expect(await daemon.exited()).toBe(0);
  expect(daemon.logLines(/spawned: done/).length).toBe(1);
});

test("a command that does not exist goes to FATAL with the spawn error, and the other programs run on", async () => {
  using dir = tempDir();
  const record = join(dir.path, "record");
  await using daemon = Daemon.start(dir.path, `
[programs.missing]
command = ["/nonexistent/program", "--flag"]
startretries = 1
[programs.fine]
command = ["${fixture("record")}"]
environment = { RECORD = "${record}" }
startsecs = 0
`);
  await daemon.waitForLog(/gave up: missing entered FATAL state/);
  expect(daemon.logLines(/spawnerr: missing: can't find command "\/nonexistent\/program"/).length).toBe(2);
  expect(readLines(record).length).toBe(1); // fine started once and is still up
  daemon.signal("SIGTERM");
  expect(await daemon.exited()).toBe(0);
  expect(daemon.logLines(/stopped: fine/).length).toBe(1);
});

test("max_runtime stops a program gracefully and then handles it as any exit (autorestart = true: restarted)", async () => {
  using dir = tempDir();
  const record = join(dir.path, "record");
  await using daemon = Daemon.start(dir.path, `
[programs.limited]
command = ["${fixture("record")}"]
environment = { RECORD = "${record}" }
startsecs = 0
max_runtime = "500ms"
autorestart = true
`);
  await waitFor(() => readLines(record).filter((l) => l.startsWith("start")).length >= 2, "a second start");
  expect(readLines(record)[1]).toStartWith("stop limited TERM");
  expect(daemon.logLines(/max_runtime: limited ran for 0.5s; stopping it/).length).toBeGreaterThanOrEqual(1);
});

// Issue 19: the README said max_runtime counts from RUNNING; it counts from the spawn (now documented).
test("max_runtime counts from the spawn, startsecs included", async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, `
[programs.limited]
command = ["sleep", "1000"]
startsecs = 1
max_runtime = "1.5s"
autorestart = false
`);
  const at = (line: string) => Date.parse(line.split(" ")[0]!);
  const spawned = at(await daemon.waitForLog(/spawned: limited/));
  const stopping = at(await daemon.waitForLog(/max_runtime: limited ran for 1.5s; stopping it/));
  // from RUNNING it would be 2.5 s after the spawn
  expect(stopping - spawned).toBeLessThan(2300);
});

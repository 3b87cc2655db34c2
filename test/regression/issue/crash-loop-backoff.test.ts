// Regression: issue 15 item 4 — a program that exits right after starting with startsecs = 0 was
// respawned ~30 times a second forever (148 spawns in 5 s; supervisord: 3), and the back-off could
// not be configured (Supervisor/supervisor #487, #323, #1528). Each test reads the times at which the
// program itself started (date +%s%N), not tsvisor's log.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { Daemon, readLines, tempDir, waitFor } from "../../integration/_harness.ts";

// A program NAME that writes the time it started (ns) to DIR/starts and exits 1 at once, with `keys`.
function startCrasher(dir: string, name: string, keys: string) {
  const starts = join(dir, "starts");
  const daemon = Daemon.start(dir, `[programs.${name}]\ncommand = ["sh", "-c", "date +%s%N >> ${starts}; exit 1"]\n${keys}\n`);
  return { daemon, starts };
}
// The gaps between consecutive starts, in seconds.
const gaps = (file: string) => {
  const t = readLines(file).map(Number);
  return t.slice(1).map((x, i) => (x - t[i]!) / 1e9);
};

test("a crash loop from RUNNING (startsecs = 0) is paced: at once, then 1 s, 2 s, 3 s", async () => {
  using dir = tempDir();
  const { daemon: started, starts } = startCrasher(dir.path, "crasher", "startsecs = 0");
  await using daemon = started;
  await waitFor(() => readLines(starts).length >= 5, "five starts");
  const [first, ...paced] = gaps(starts).slice(0, 4);
  expect(first!).toBeLessThan(1); // one crash restarts at once, as supervisord
  expect(paced.map((g, i) => g >= i + 1)).toEqual([true, true, true]);
  expect(daemon.logLines(/backoff: crasher exited 2 times in a row within 60s of RUNNING; restarting in 1s/).length).toBe(1);
  expect((await daemon.status("crasher"))?.state).toMatch(/^(BACKOFF|STARTING|RUNNING)$/);
}, 30_000);

test('backoff_delay, backoff_factor and backoff_max shape the waits; startretries = "unlimited" never gives up', async () => {
  using dir = tempDir();
  const { daemon: started, starts } = startCrasher(dir.path, "failing", `startsecs = 1
startretries = "unlimited"
backoff_delay = "200ms"
backoff_factor = 2
backoff_max = "800ms"`);
  await using daemon = started;
  // failed starts (it never stays up startsecs): 0.2, 0.4, 0.8, then 0.8 s every time
  await waitFor(() => readLines(starts).length >= 7, "seven starts");
  const waits = gaps(starts).slice(0, 6);
  expect(waits.map((g, i) => g >= [0.2, 0.4, 0.8, 0.8, 0.8, 0.8][i]!)).toEqual([true, true, true, true, true, true]);
  expect(waits.slice(3).every((g) => g < 1.5)).toBe(true); // capped: uncapped, the fifth would be 3.2 s
  expect((await daemon.status("failing"))?.state).not.toBe("FATAL");
  await daemon.waitForLog(/backoff: failing will retry in 0\.8s \(attempt 7, startretries unlimited\)/);
}, 30_000);

test("a bad back-off setting is a config error that names the key", async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, `
[programs.p]
command = ["true"]
backoff_factor = 0.5
startretries = "forever"
`);
  expect(await daemon.exited()).toBe(2);
  const log = daemon.log.join("\n");
  expect(log).toContain('programs.p.backoff_factor: expected a number from 1 to 100 (2 doubles the wait after each short run); got 0.5');
  expect(log).toContain('programs.p.startretries: expected an integer >= 0 or "unlimited"; got "forever"');
});

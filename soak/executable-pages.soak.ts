// The executable's pages, let go again at a minute by which 2 MiB came back (daemon.ts, os/startup-pages.ts): what the first
// minute touched (JavaScriptCore compiling the hot paths, each code path's first run) leaves tsvisor's
// RSS, and supervising goes on unharmed while the pages it does use come back by minor faults.
// Needs more than a minute of a running daemon, hence here and not in `npm test`.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { fileBackedResidentKib } from "../src/os/startup-pages.ts";
import { Daemon, readLines, tempDir, waitFor } from "../test/integration/_harness.ts";
import { budgetMs } from "./_budget.ts";

const rssFileMiB = (pid: number) => fileBackedResidentKib(pid)! / 1024;

test("a minute after start-up tsvisor lets go of the pages it touched since, and goes on supervising and logging", async () => {
  using dir = tempDir();
  // 20 programs each writing a numbered line every 50 ms: output, sampling and the event loop keep running throughout
  await using daemon = Daemon.start(dir.path, `
[supervisor]
console = false
[programs.ticker]
command = ["/bin/sh", "-c", "i=0; while :; do i=$((i+1)); echo $i; sleep 0.05; done"]
numprocs = 20
process_name = "ticker{num}"
startsecs = 0
`, { env: { TSVISOR_DEBUG: "1" } });
  await daemon.waitForLog(/start-up pages: \d+ MiB of the executable let go/, 30_000);
  const pid = daemon.proc.pid;
  expect(daemon.logLines(/pages touched since/)).toEqual([]);
  // The next release comes at a minute of the wall clock by which 2 MiB or more came back (daemon.ts):
  // RssFile, which only grows between releases, is read at every poll until its line is logged; the
  // highest reading is the level just before it.
  let before = rssFileMiB(pid);
  const line = await waitFor(() => {
    before = Math.max(before, rssFileMiB(pid));
    return daemon.log.find((l) => /pages touched since: \d+ MiB of the executable let go/.test(l));
  }, "the first release after start-up's", 150_000);
  const after = rssFileMiB(pid);
  expect(Number(/(\d+) MiB/.exec(line)![1])).toBeGreaterThan(2);
  expect(before - after).toBeGreaterThan(2);
  // still supervising: every program RUNNING, each one's count still climbing in its log file
  const count = (n: number) => Number(readLines(join(dir.path, "logs", `ticker${n}.out.log`)).at(-1) ?? 0);
  const counts = Array.from({ length: 20 }, (_, n) => count(n));
  await waitFor(() => counts.every((c, n) => count(n) > c + 10) || undefined, "every ticker's log growing after the release", Math.max(10_000, budgetMs(0.1)));
  expect((await daemon.ctl(["check"])).exitCode).toBe(0);
  process.stderr.write(`executable pages: RssFile ${before.toFixed(1)} -> ${after.toFixed(1)} MiB (${line.trim()})\n`);
}, 240_000);

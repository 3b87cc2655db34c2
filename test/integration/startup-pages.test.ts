// Regression: #18 — an idle tsvisor kept every page of its executable that start-up had touched
// (~40 MB of JavaScriptCore and Bun code it never runs again), 1.5x supervisord's RSS with 1 program.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Daemon, readLines, tempDir, waitFor } from "./_harness.ts";

const MIB = 1024 * 1024;
const rssFile = (pid: number) => Number(/^RssFile:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024;

test("once its programs have started, tsvisor lets go of its start-up pages, and goes on supervising and logging", async () => {
  using dir = tempDir();
  const marker = join(dir.path, "go");
  await using daemon = Daemon.start(dir.path, `
[programs.ticker]
command = ["/bin/sh", "-c", "echo first; while [ ! -e ${marker} ]; do sleep 0.05; done; echo after"]
startsecs = 0
autorestart = false
`, { env: { TSVISOR_DEBUG: "1" } });
  await daemon.waitForLog(/success: ticker entered RUNNING/);
  const before = rssFile(daemon.proc.pid);
  const line = await daemon.waitForLog(/start-up pages: \d+ MiB of the executable let go/, 20_000);
  const after = rssFile(daemon.proc.pid);
  expect(Number(/(\d+) MiB/.exec(line)![1])).toBeGreaterThan(10);
  expect(before - after).toBeGreaterThan(10 * MIB);
  // everything still runs: a request, the program's output, its exit
  expect((await daemon.ctl(["status", "ticker"])).stdout).toMatch(/^ticker +RUNNING/m);
  Bun.write(marker, "");
  await daemon.waitForLog(/exited: ticker \(exit status 0; expected\)/);
  await waitFor(() => readLines(join(dir.path, "logs", "ticker.out.log")).join(",") === "first,after" || undefined, "both lines in the log file");
});

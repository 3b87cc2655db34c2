// Regression: #18 — an idle tsvisor kept every page of its executable that start-up had touched
// (~40 MB of JavaScriptCore and Bun code it never runs again), 1.5x supervisord's RSS with 1 program.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { fileBackedResidentKib } from "../../src/os/startup-pages.ts";
import { pageByPageExpected } from "../infra/page-by-page-expected.ts";
import { Daemon, readLines, tempDir, waitFor } from "./_harness.ts";

const MIB = 1024 * 1024;
const rssFile = (pid: number) => fileBackedResidentKib(pid)! * 1024;

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

// The kernel maps a released page back alone, not with the 64 KiB around it, where a write-protect
// userfaultfd registration is allowed (Linux 6.7 and later, as root here): os/page-by-page.ts.

test(`the released pages come back ${pageByPageExpected ? "page by page" : "64 KiB at a time (no write-protect userfaultfd here)"}, and no program gets the userfaultfd that does it`, async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, `
[programs.idle]
command = ["sleep", "1000"]
startsecs = 0
[programs.late]
command = ["/bin/sh", "-c", "for f in /proc/$$/fd/*; do readlink $f; done; echo listed"]
startsecs = 0
autostart = false
autorestart = false
`, { env: { TSVISOR_DEBUG: "1" } });
  const line = await daemon.waitForLog(/start-up pages: \d+ MiB of the executable let go/, 20_000);
  expect(line).toContain(pageByPageExpected ? "comes back page by page" : "comes back 64 KiB at a time (");
  // started after the registration: a descriptor it inherited would let it register tsvisor's own
  // memory (a userfaultfd acts on the memory of the process that made it)
  expect((await daemon.ctl(["start", "late"])).exitCode).toBe(0);
  await daemon.waitForLog(/exited: late \(exit status 0/);
  const seen = readLines(join(dir.path, "logs", "late.out.log"));
  expect(seen.at(-1)).toBe("listed");
  expect(seen.filter((target) => target.includes("userfaultfd"))).toEqual([]);
  expect((await daemon.ctl(["status", "idle"])).stdout).toMatch(/^idle +RUNNING/m);
});

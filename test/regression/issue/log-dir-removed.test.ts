// Regression: with its log directory removed while running, a program's lines vanished into the unlinked file until the next rotation.
import { expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Daemon, tempDir, waitFor } from "../../integration/_harness.ts";

test("a removed log directory is recreated and the program's lines land in a new log file, no restart needed", async () => {
  using dir = tempDir();
  const logs = join(dir.path, "logs");
  const log = join(logs, "w.out.log");
  await using daemon = Daemon.start(dir.path, `[supervisor]
console = false
[programs.w]
command = ["/bin/sh", "-c", "i=0; while :; do i=$((i+1)); echo line-$i; sleep 0.02; done"]
startsecs = 0
stdout_logfile_maxbytes = 0
`);
  await waitFor(() => existsSync(log) && readFileSync(log, "utf8").includes("line-3"), "w logging");
  rmSync(logs, { recursive: true, force: true });
  await waitFor(() => existsSync(log) && /line-\d+\n/.test(readFileSync(log, "utf8")), "w.out.log again, with new lines", 10_000);
  const first = Number(/line-(\d+)/.exec(readFileSync(log, "utf8"))![1]);
  expect(first).toBeGreaterThan(3);
  expect((await daemon.ctl(["check"])).exitCode).toBe(0);
});

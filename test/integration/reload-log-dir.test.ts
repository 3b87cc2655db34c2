// Issue 19: docs/init.md said a changed log_dir waits for a restart, while the programs' log files
// moved at once. The behaviour, now documented and pinned: programs with auto log files restart into
// the new directory; tsvisor.log stays until tsvisor restarts, and a warning says both.
import { expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Daemon, readLines, tempDir, waitFor, writeConfig } from "./_harness.ts";

test("a reload that changes log_dir restarts the programs into it and leaves tsvisor.log where it was", async () => {
  using dir = tempDir();
  const [before, after] = [join(dir.path, "before"), join(dir.path, "after")];
  const config = (logDir: string) => `[supervisor]\nlog_dir = "${logDir}"\n[programs.talk]\ncommand = ["sh", "-c", "echo hello; exec sleep 1000"]\nstartsecs = 0\n`;
  await using daemon = Daemon.start(dir.path, config(before));
  await waitFor(() => readLines(join(before, "talk.out.log")).includes("hello"), "talk's line in the first log_dir");
  writeConfig(dir.path, config(after));
  expect((await daemon.ctl(["reload"])).stdout).toBe("talk: changed\n");
  await waitFor(() => readLines(join(after, "talk.out.log")).includes("hello"), "talk's line in the new log_dir");
  await daemon.waitForLog(new RegExp(`reload: log_dir is now ${after}: the programs with auto log files restarted into it; tsvisor.log stays in ${before}`));
  expect([existsSync(join(before, "tsvisor.log")), existsSync(join(after, "tsvisor.log"))]).toEqual([true, false]);
});

// Regression (red team): a hook that failed on every log line of a program wrote one `hook failed`
// WARN per run, 240 lines in a few seconds: a program of any user could flood tsvisor's log through a
// PROCESS_LOG_* hook. The same hook failing for the same source is now logged once, then counted, and
// one line a minute says how many (src/events/repeated-warnings.ts).
import { expect, test } from "bun:test";
import { join } from "node:path";
import { Daemon, readLines, tempDir, waitFor } from "../../integration/_harness.ts";

test("a log hook failing on every line of a flooding program is logged once, not once per run", async () => {
  using dir = tempDir();
  const runs = join(dir.path, "runs");
  await using daemon = Daemon.start(dir.path, `
[programs.app]
command = ["sh", "-c", "while :; do echo line; done"]
user = "nobody"
stdout_events_enabled = true
console = false

[[hooks]]
on = ["PROCESS_LOG_STDOUT"]
command = ["sh", "-c", "cat > /dev/null; echo run >> ${runs}; exit 1"]
`);
  await waitFor(() => readLines(runs).length >= 50, "50 runs of the failing hook");
  expect(daemon.logLines(/hook failed/).map((line) => line.replace(/^\S+ /, ""))).toEqual([
    `WARN hook failed: "sh -c cat > /dev/null; echo run >> ${runs}; exit 1" for PROCESS_LOG_STDOUT: exit status 1`,
  ]);
}, 30_000);

// Regression (red-team F13): hooks shared one queue (4 running, 1000 waiting, the rest dropped). A
// nobody program whose stderr feeds a PROCESS_LOG_STDERR hook filled it, and the hook for another
// program's PROCESS_STATE_FATAL was dropped: the alert never went out. Log-line runs now wait in a
// queue per program, and every other event has its own queue, taken first.
import { expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Daemon, tempDir, waitFor } from "../../integration/_harness.ts";

test("a program flooding a log-line hook drops neither another program's FATAL alert nor its own place in line", async () => {
  using dir = tempDir();
  const alerts = join(dir.path, "alerts");
  await using daemon = Daemon.start(dir.path, `
[programs.app]
command = ["sh", "-c", "while :; do echo error >&2; done"]
user = "nobody"
stderr_events_enabled = true
console = false

[programs.db]
command = ["sh", "-c", "sleep 2; exit 1"]
startsecs = 30
startretries = 0
console = false

[[hooks]]
on = ["PROCESS_LOG_STDERR"]
command = ["sh", "-c", "cat > /dev/null; sleep 1"]

[[hooks]]
on = ["PROCESS_STATE_FATAL"]
command = ["sh", "-c", "echo \\"ALERT: $TSVISOR_EVENT_PROGRAM is FATAL\\" >> ${alerts}"]
`);
  // the flood fills app's queue before db fails
  await daemon.waitForLog(/hook dropped: .* for PROCESS_LOG_STDERR/, 10_000);
  await waitFor(async () => (await daemon.status("db"))?.state === "FATAL", "db FATAL", 15_000);
  // a hook slot frees within a second (each log-line run sleeps 1 s): the alert runs next
  await waitFor(() => existsSync(alerts), `the FATAL alert in ${alerts}\n${daemon.logLines(/hook dropped: .*FATAL/).join("\n")}`, 10_000);
  expect(readFileSync(alerts, "utf8")).toBe("ALERT: db is FATAL\n");
  expect(daemon.logLines(/hook dropped: .* for PROCESS_STATE/)).toEqual([]);
}, 60_000);

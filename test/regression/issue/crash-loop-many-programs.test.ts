// Regression (red team, 2026-12-07, on tsvisor's own spawn): 60 programs that each end after 0.2 s and
// are started again at once (backoff_delay = 0) kept the SIGCHLD pass that collects their ends going
// for ever: each end it told started the program again, whose end came before the pass was done.
// Nothing else ran: `status` got no answer, SIGTERM went unheard, and the output pipes of the ended
// programs were never read to their end and closed (14,000 descriptors in 45 s). A pass now collects
// the children there were when it began and tells them after.
import { expect, setDefaultTimeout, test } from "bun:test";
import { readdirSync } from "node:fs";
import { Daemon, runTsvisor, tempDir, waitFor } from "../../integration/_harness.ts";

setDefaultTimeout(90_000);

const PROGRAMS = 60;

test("a crash loop of many programs leaves tsvisor answering status, its descriptors bounded, and SIGTERM heard", async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, `
[programs.blink]
command = ["sleep", "0.2"]
numprocs = ${PROGRAMS}
startsecs = 0
autorestart = true
backoff_delay = 0
`);
  // every program started again at least four times
  await waitFor(() => daemon.log.filter((line) => line.includes("spawned: blink")).length >= PROGRAMS * 5 || undefined, "five starts of each program", 60_000);
  const status = await runTsvisor(["status", "--socket", daemon.socket]);
  expect(status.exitCode).toBe(0);
  expect(status.stdout.split("\n").filter((line) => line.startsWith("blink")).length).toBe(PROGRAMS);
  // each program's two log files and the pipes of its last starts (read to their end as they close):
  // some 420 here, as with the build before this spawn; the broken one had 2,000 within seconds and
  // 14,000 in 45 s
  expect(readdirSync(`/proc/${daemon.proc.pid}/fd`).length).toBeLessThan(PROGRAMS * 10 + 100);
  daemon.signal("SIGTERM");
  expect(await daemon.exited()).toBe(0);
});

// Regression: issue 15 (smaller items) — "(1 processes)" at start-up, "gave up after 1 attempts":
// a count of one reads in the singular.
import { expect, test } from "bun:test";
import { Daemon, tempDir, waitFor } from "../../integration/_harness.ts";

test("one process, one attempt: singular", async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, `[programs.missing]\ncommand = ["/nonexistent/program"]\nstartretries = 0\n`);
  const fatal = await waitFor(async () => {
    const s = await daemon.status("missing");
    return s?.state === "FATAL" ? s : undefined;
  }, "missing FATAL");
  expect(fatal.reason).toEndWith("; gave up after 1 attempt");
  expect(daemon.logLines(/ starting with /)).toEqual([expect.stringContaining(" (1 process), control socket ")]);
});

// Regression: issue 15 (smaller items) — "(1 processes)" at start-up, "gave up after 1 attempts":
// a count of one reads in the singular, in "reopened N log files" and "N lines dropped" too.
import { expect, test } from "bun:test";
import { closeSync, constants, openSync, writeFileSync } from "node:fs";
import { join } from "node:path";
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

test("`tsvisor logs --reopen` of one file: reopened 1 log file", async () => {
  using dir = tempDir();
  // tsvisor.log is the only file: the program keeps no log of its own
  await using daemon = Daemon.start(dir.path, `[programs.p]\ncommand = ["sleep", "100000"]\nstdout_logfile = "none"\nredirect_stderr = true\n`);
  await daemon.waitForSocket();
  const reopen = await daemon.ctl(["logs", "--reopen"]);
  expect([reopen.exitCode, reopen.stdout]).toEqual([0, "reopened 1 log file\n"]);
});

test("one line dropped (a named pipe with no reader): writing again; 1 line dropped", async () => {
  using dir = tempDir();
  const fifo = join(dir.path, "p.fifo");
  expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
  const go = join(dir.path, "go");
  await using daemon = Daemon.start(dir.path, `[supervisor]\nconsole = false\n[programs.p]
command = ["sh", "-c", "echo one; while [ ! -e ${go} ]; do sleep 0.02; done; sleep 1.2; echo two; exec sleep 100000"]
startsecs = 0
stdout_logfile = "${fifo}"
`);
  await waitFor(async () => (await daemon.status("p"))?.dropped_log_lines === 1, "the first line dropped (no reader)");
  // the pipe is tried again a second after it failed: "two" comes later than that
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    writeFileSync(go, "");
    const line = await daemon.waitForLog(/p\.fifo: writing again/);
    expect(line).toEndWith("writing again; 1 line dropped (1 in all)");
  } finally {
    closeSync(reader);
  }
});

// Regression (red team, 2026-12-07): hook runs waiting in a queue were bounded by count (1,000 per
// program's output), not by size. A program of any user printing lines of 1 MiB, with a log hook slower
// than its output, had tsvisor (root) hold 1,000 of them: 1.29 GB resident within 4 s, 1.47 GB at its
// peak. (Before the same day's fix for long lines such runs failed at once with E2BIG, so the queue
// never filled.) The queues are now bounded by the bytes they hold too, and the runs past it are
// dropped and said. 623 MiB at peak here on 790e801's binary, 150 with the bound.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Daemon, tempDir, waitFor } from "../../integration/_harness.ts";

const MIB = 1024 * 1024;
const LINES = 600;

function peakResidentMib(pid: number): number {
  const kib = Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
  return kib / 1024;
}

test("a program printing 1 MiB lines faster than its log hook runs does not grow tsvisor by what waits", async () => {
  using dir = tempDir();
  const log = join(dir.path, "flood.log");
  // The log rotates at 2 MB without backups, so the disk holds little of the 600 MiB; "done" last.
  await using daemon = Daemon.start(dir.path, `
[programs.flood]
command = ["perl", "-e", "$| = 1; print 'x' x ${MIB - 1}, qq(\\\\n) for 1 .. ${LINES}; print qq(done\\\\n); sleep 100"]
user = "nobody"
stdout_events_enabled = true
stdout_logfile = ${JSON.stringify(log)}
stdout_logfile_maxbytes = "2MB"
stdout_logfile_backups = 0
console = false

[[hooks]]
on = ["PROCESS_LOG_STDOUT"]
command = ["sleep", "30"]
timeout = "40s"
`);
  await waitFor(() => { try { return readFileSync(log, "utf8").includes("done\n"); } catch { return false; } }, "all of the program's output read (its last line in the log)", 30_000);
  // 600 MiB of lines came through tsvisor while 4 runs of the hook slept: what waits is bounded
  expect(peakResidentMib(daemon.proc.pid)).toBeLessThan(250);
  expect(daemon.logLines(/hook dropped: "sleep 30" for PROCESS_LOG_STDOUT \(.*MiB of .* already waiting for flood's output\)/).length).toBe(1);
}, 60_000);

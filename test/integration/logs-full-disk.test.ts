// Needs root to mount a tiny tmpfs: under CI=true (root) a failing mount fails the test loudly.
import { expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, readFileSync, truncateSync } from "node:fs";
import { join } from "node:path";
import { Daemon, FIXTURES, isAlive, tempDir, waitFor } from "./_harness.ts";

// bunfig.toml's [test] timeout is not read by bun test 1.4.5 (5 s default).
setDefaultTimeout(30_000);

async function run(argv: string[]): Promise<void> {
  const proc = Bun.spawn(argv, { stdout: "ignore", stderr: "pipe" });
  const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`${argv.join(" ")} failed (exit ${code}): ${stderr.trim()} — this test needs root to mount a tmpfs`);
}

test("a full disk drops and counts lines, the program keeps running, and writing resumes at the new end once space is freed", async () => {
  using dir = tempDir();
  const disk = join(dir.path, "disk");
  mkdirSync(disk);
  await run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", disk]);
  try {
    const log = join(disk, "filler.out.log");
    await using daemon = Daemon.start(dir.path, `
[programs.filler]
command = ${JSON.stringify([process.execPath, join(FIXTURES, "print-lines-fixture.ts"), "out", "1000000", "--interval", "1"])}
startsecs = 0
console = false
stdout_logfile = "${log}"
stdout_logfile_maxbytes = 0
`);
    const pid = Number((await daemon.waitForLog(/spawned: filler \(pid \d+\)/)).match(/pid (\d+)/)![1]);
    const full = /log: filler stdout .*: ENOSPC \(no space left on device\); dropping lines until it works again/;
    await daemon.waitForLog(full);
    const freedAt = daemon.log.length;
    truncateSync(log, 0); // an operator frees space (`: > file`)
    // Writing resumes at the file's new end, and the disk fills up again from there.
    await waitFor(() => daemon.log.slice(freedAt).some((line) => full.test(line)), "the disk full again after space was freed");
    // The program writes on every millisecond, so tsvisor keeps trying: a write that fits only part of
    // a line is followed at once by taking that part back out. Read the file between two such tries.
    const content = await waitFor(() => {
      const c = readFileSync(log);
      return c.length > 0 && c[c.length - 1] === 0x0a && c;
    }, "the log file to end with a whole line", 10_000);
    const lines = content.toString("utf8").split("\n");
    // Said once per recovery; a line short enough for the room a cut line left can recover before the operator does.
    const dropped = daemon.logLines(/log: filler stdout .*: writing again; \d+ lines? dropped/).map((l) => Number(l.match(/(\d+) lines? dropped/)![1]));
    // Every line in the file whole (a line cut by the full disk was taken back out) and no hole: the
    // file was written from its new size, not from the size tsvisor had written before it was emptied.
    expect({
      nulBytes: content.includes(0),
      withinTheDisk: content.length <= 64 * 1024,
      endsWithNewline: lines.pop() === "",
      wholeLines: lines.every((l) => /^out \d+ (é)?x*$/.test(l)),
      refilled: lines.length > 100,
      droppedSome: dropped.length > 0 && dropped.every((n) => n > 0),
      programRunning: isAlive(pid),
      exits: daemon.logLines(/exited: filler/),
    }).toEqual({ nulBytes: false, withinTheDisk: true, endsWithNewline: true, wholeLines: true, refilled: true, droppedSome: true, programRunning: true, exits: [] });
    // The count is in `tsvisor status` too, in its JSON and in the table's INFO column.
    const status = await daemon.ctl(["status", "filler", "--json"]);
    const [filler] = JSON.parse(status.stdout).processes;
    expect(filler.dropped_log_lines).toBeGreaterThanOrEqual(dropped.reduce((a, b) => a + b));
    expect((await daemon.ctl(["status", "filler"])).stdout).toMatch(/\d+ log lines dropped/);
    daemon.signal("SIGTERM");
    expect(await daemon.exited()).toBe(0);
  } finally {
    await run(["umount", "-l", disk]);
  }
});

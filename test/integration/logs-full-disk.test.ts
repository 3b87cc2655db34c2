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

test("a full disk drops and counts lines, the program keeps running, and writing resumes once space is freed", async () => {
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
    await daemon.waitForLog(/log: filler stdout .*: ENOSPC \(no space left on device\); dropping lines until it works again/);
    truncateSync(log, 0); // an operator frees space
    const resumed = await daemon.waitForLog(/log: filler stdout .*: writing again; \d+ lines dropped/);
    await waitFor(() => readFileSync(log, "utf8").split("\n").length > 5, "new lines after space was freed");
    const lines = readFileSync(log, "utf8").split("\n").slice(0, -1);
    const dropped = Number(resumed.match(/(\d+) lines dropped/)![1]);
    // Every line in the file whole (a line cut by the full disk was taken back out), the program never stopped.
    expect([dropped > 0, lines.every((l) => /^out \d+ (é)?x*$/.test(l)), isAlive(pid), daemon.logLines(/exited: filler/)]).toEqual([true, true, true, []]);
    // The count is in `tsvisor status` too, in its JSON and in the table's INFO column.
    const status = await daemon.ctl(["status", "filler", "--json"]);
    const [filler] = JSON.parse(status.stdout).processes;
    expect(filler.dropped_log_lines).toBeGreaterThanOrEqual(dropped);
    expect((await daemon.ctl(["status", "filler"])).stdout).toMatch(/\d+ log lines dropped/);
    daemon.signal("SIGTERM");
    expect(await daemon.exited()).toBe(0);
  } finally {
    await run(["umount", "-l", disk]);
  }
});

// Needs root to mount a tiny tmpfs: under CI=true (root) a failing mount fails the test loudly.
// A write that the full disk cuts inside a line is followed by taking that line's start back out of
// the file (fstat for its size, then ftruncate). An operator emptying the log (`: > file`) between
// those two calls made the ftruncate stretch the emptied file back over a hole of NUL bytes; CI met
// it once in test/integration/logs-full-disk.test.ts. Here the disk has one page left for the log and
// the file is emptied in a loop, so tsvisor takes a cut line back out thousands of times meanwhile.
// Emptied with `: > file`, and with `echo > file`, which leaves a newline: the red team found the
// first fix (a file with no block of its own) missed that one (65,520 NUL bytes after its newline).
import { expect, setDefaultTimeout, test } from "bun:test";
import { closeSync, mkdirSync, openSync, readFileSync, truncateSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { Daemon, tempDir, waitFor } from "../../integration/_harness.ts";

setDefaultTimeout(60_000);

async function run(argv: string[]): Promise<void> {
  const proc = Bun.spawn(argv, { stdout: "ignore", stderr: "pipe" });
  const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`${argv.join(" ")} failed (exit ${code}): ${stderr.trim()} — this test needs root to mount a tmpfs`);
}

const EMPTYINGS = 20_000;

// What a shell's `echo > file` does: open with O_TRUNC, then write. (writeFileSync writes first and
// truncates after, which can itself stretch a file emptied in between.)
function echoInto(path: string): void {
  const fd = openSync(path, "w");
  try {
    writeSync(fd, "\n");
  } finally {
    closeSync(fd);
  }
}

test.each([
  ["`: > file`", (path: string) => truncateSync(path, 0)],
  ["`echo > file`", echoInto],
] as const)("a log emptied from outside with %s while the full disk cuts lines never keeps a hole of NUL bytes", async (_, empty) => {
  using dir = tempDir();
  const disk = join(dir.path, "disk");
  mkdirSync(disk);
  await run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", disk]);
  try {
    writeFileSync(join(disk, "ballast"), Buffer.alloc(60 * 1024, 1)); // one 4 KiB page left for the log
    const log = join(disk, "lines.out.log");
    const line = "x".repeat(1500);
    await using daemon = Daemon.start(dir.path, `
[programs.lines]
command = ["yes", "${line}"]
startsecs = 0
console = false
stdout_logfile = "${log}"
stdout_logfile_maxbytes = 0
`);
    await daemon.waitForLog(/log: lines stdout .*: ENOSPC/);
    // The operator's `: > file`, again and again; before each, what the file holds is looked at. A hole
    // can be seen for the few microseconds tsvisor takes to find it and empty the file again; one that
    // is still there once tsvisor has written on (or after a second) is kept.
    const kept: string[] = [];
    for (let i = 0; i < EMPTYINGS && kept.length === 0; i++) {
      if (readFileSync(log).includes(0)) {
        const after = await waitFor(() => {
          const content = readFileSync(log);
          return (!content.includes(0) || content.at(-1) === 0x0a) && content;
        }, "tsvisor to write on", 1_000).catch(() => readFileSync(log));
        if (after.includes(0)) kept.push(`${after.length} bytes, NUL bytes from ${after.indexOf(0)} to ${after.lastIndexOf(0)}`);
      }
      empty(log);
    }
    expect({ kept }).toEqual({ kept: [] });
  } finally {
    await run(["umount", "-l", disk]);
  }
});

// Regression: #18 F10 — a program made every memory sample expensive: the sampler read
// /proc/PID/smaps_rollup of each of its processes on tsvisor's one JS thread, and the kernel walks
// page tables for it (12 processes mapping a 1 GiB memfd 8 times: `status` took 11 s, `check` failed
// at its 10 s limit). The reads now run on Bun's thread pool. The test watches the daemon's main
// thread (the one that answers the control socket) through /proc/PID/task/PID/syscall: caught inside
// a read of a smaps_rollup file, the old way, it fails; no stopwatch anywhere.
import { expect, test } from "bun:test";
import { readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Daemon, tempDir, waitFor } from "./_harness.ts";

// The parent and 2 children, each mapping one shared 256 MiB memfd 8 times, every page touched: each process has
// ~4 MiB of page tables, which smaps_rollup walks (a few ms a read). Says "mapped" when all are, in ONE
// write: Python's print() writes the text and the newline apart, and three processes on one pipe then
// interleave them ("mappedmapped\n\n" failed a CI run).
const HEAVY = `
import mmap, os, sys, signal
size, maps = 256 << 20, 8
fd = os.memfd_create("x"); os.ftruncate(fd, size)
if os.fork(): os.fork()  # the parent and 2 children
held = []
for _ in range(maps):
    m = mmap.mmap(fd, size, mmap.MAP_SHARED)
    m.madvise(23)  # MADV_POPULATE_WRITE (Linux 5.14): every page-table entry made
    held.append(m)
os.write(1, b"mapped\\n")
signal.pause()
`;

// The file the main thread is reading now, if its current syscall's first argument is an fd.
function mainThreadFile(pid: number): string | null {
  try {
    const [nr, fd] = readFileSync(`/proc/${pid}/task/${pid}/syscall`, "latin1").split(" ");
    if (nr === "running" || fd === undefined) return null;
    return readlinkSync(`/proc/${pid}/fd/${Number(fd)}`);
  } catch {
    return null; // not in a syscall with an fd, or the fd closed meanwhile
  }
}

test("the memory sampler never reads a program's smaps_rollup on the thread that answers the control socket", async () => {
  using dir = tempDir();
  const heavy = join(dir.path, "heavy.py");
  writeFileSync(heavy, HEAVY);
  await using daemon = Daemon.start(dir.path, `
[supervisor]
sample_interval = "100ms"
[programs.heavy]
command = ["/usr/bin/python3", "${heavy}"]
startsecs = 0
`);
  // 60 s: making every page-table entry of 3 × 8 large maps takes long on a loaded machine (15 s ran out in CI once)
  await waitFor(() => daemon.stdout.filter((l) => /mapped/.test(l)).length === 3 || undefined, "the 3 processes to map their memory", 60_000);
  const seen: string[] = [];
  // a few hundred looks, spread over several samples
  for (let look = 0; look < 2000; look++) {
    const file = mainThreadFile(daemon.proc.pid);
    if (file !== null && file.endsWith("/smaps_rollup")) seen.push(file);
    if (look % 4 === 0) await Bun.sleep(1);
  }
  expect(seen).toEqual([]);
  // PSS is still measured: the figure comes from the reads off the main thread
  await waitFor(async () => ((await daemon.status("heavy"))?.pss_bytes ?? 0) > 0 || undefined, "a PSS figure in status");
  expect((await daemon.ctl(["status", "heavy"])).stdout).toMatch(/^heavy +RUNNING/m);
}, 120_000);

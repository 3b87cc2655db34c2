// Thousands of spawns and exits leave tsvisor's descriptors and memory where they were: nothing
// per child (a pidfd, a pipe, a listener, a timer) outlives the child.
import { expect, test } from "bun:test";
import { countOpenFds, readRssBytes } from "../../src/os/procfs.ts";
import { Daemon, tempDir, waitFor } from "./_harness.ts";

// The fewest descriptors over a few samples: a child being spawned holds a pidfd for a moment.
async function settledFds(pid: number): Promise<number> {
  let fewest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 10; i++, await Bun.sleep(10)) fewest = Math.min(fewest, countOpenFds(pid));
  return fewest;
}

test("2,000 spawns and exits of a program restarted at once leave fds unchanged and RSS within 10 MB", async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, `
[programs.blink]
command = ["true"]
autorestart = true
startsecs = 0
`);
  const spawns = () => daemon.logLines(/spawned: blink/).length;
  const WARM_UP = 300;
  await waitFor(() => spawns() >= WARM_UP, "the warm-up spawns", 60_000);
  const before = { fds: await settledFds(daemon.proc.pid), rss: readRssBytes(daemon.proc.pid)! };
  await waitFor(() => spawns() >= WARM_UP + 2000, "2,000 more spawns", 120_000);
  const after = { fds: await settledFds(daemon.proc.pid), rss: readRssBytes(daemon.proc.pid)! };
  // A leak would add descriptors per spawn (2,000 here); a child caught mid-spawn by every sample of
  // a loaded machine holds at most its pidfd and its output pipes (3).
  expect(after.fds).toBeLessThanOrEqual(before.fds + 3);
  expect((after.rss - before.rss) / 2 ** 20).toBeLessThan(10);
}, 180_000);

// Regression: issue 15 (smaller items) — a process tree's memory was its summed RSS, which counts a
// shared page once per process (2,000 `sleep` children showed 3.1 GiB on a machine using 1.48 GiB),
// so max_memory restarted programs that used a fraction of it. The tree's PSS is what max_memory
// compares now, and status shows it as pss_bytes beside rss_bytes.
import { expect, test } from "bun:test";
import { Daemon, tempDir, waitFor } from "../../integration/_harness.ts";
import { killStrays } from "../../integration/_strays.ts";

const MB = 1024 ** 2;

test("200 children sharing their pages stay under a max_memory that their summed RSS is far above", async () => {
  using dir = tempDir();
  using _cleanup = { [Symbol.dispose]: () => killStrays(dir.path) }; // a build that restarts it leaves 200 sleeps each time
  await using daemon = Daemon.start(dir.path, `
[supervisor]
sample_interval = "200ms"
[programs.sleepers]
command = ["sh", "-c", "for i in $(seq 200); do sleep 100000 & done; echo started; wait"]
startsecs = 0
max_memory = "150MB"
[programs.control]
command = ["sleep", "100000"]
startsecs = 0
max_memory = "1KB"
`);
  const sleepers = await waitFor(async () => {
    const s = await daemon.status("sleepers");
    return s !== undefined && (s.rss_bytes ?? 0) > 150 * MB ? s : undefined;
  }, "the 200 children counted", 30_000);
  // the same samples (one walk for all programs) put `control` over its limit twice: it is restarted
  const restart = await daemon.waitForLog(/restarting: control \(max_memory: /);
  const now = (await daemon.status("sleepers"))!;
  expect([now.pid, now.restarts, daemon.logLines(/restarting: sleepers/)]).toEqual([sleepers.pid, 0, []]);
  expect(now.pss_bytes!).toBeLessThan(150 * MB);
  expect(now.pss_bytes!).toBeGreaterThan(0);
  expect(restart).toMatch(/\(PSS\) above 0\.0 MiB in 2 samples in a row\)/);
  expect((await daemon.ctl(["status", "sleepers"])).stdout).toMatch(/^NAME +STATE +PID +UPTIME +RESTARTS +CPU +PSS +PEAK/);
}, 60_000);

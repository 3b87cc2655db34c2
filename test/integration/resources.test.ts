import { expect, test } from "bun:test";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Daemon, FIXTURES, tempDir, waitFor } from "./_harness.ts";

const MB = 1024 * 1024;
const memory = (...args: number[]) => JSON.stringify([process.execPath, join(FIXTURES, "memory-fixture.ts"), ...args.map(String)]);

// The tree under `root` and the sum of VmRSS over it, as /proc's status files give it (not stat, which tsvisor reads).
function procTreeRss(root: number): { pids: number[]; rss: number } {
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {}
  }
  const pids = [root];
  for (let i = 0; i < pids.length; i++) for (const [pid, ppid] of parents) if (ppid === pids[i]) pids.push(pid);
  const rss = pids.reduce((sum, pid) => sum + Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) * 1024, 0);
  return { pids, rss };
}

test("status shows the RSS of the program's whole tree within 10% of /proc's figure; a forked child's memory counts", async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, `
[supervisor]
sample_interval = "200ms"
[programs.mem]
command = ${memory(40, 1, 0, 80)}
startsecs = 0
`);
  // both hold their memory once the child has printed its line
  await waitFor(() => daemon.stdout.filter((l) => /holding (40|80) MB/.test(l)).length === 2, "parent and child to hold their memory");
  const first = await waitFor(async () => {
    const s = await daemon.status("mem");
    return s?.rss_bytes !== null && s?.cpu_percent !== null ? s : undefined;
  }, "a second sample");
  const proc = procTreeRss(first.pid!);
  expect(proc.pids.length).toBeGreaterThanOrEqual(2);
  const parentAlone = procTreeRss(first.pid!).rss - procTreeRss(proc.pids[1]!).rss;
  const s = (await waitFor(async () => {
    const now = await daemon.status("mem");
    return now && Math.abs(now.rss_bytes! - proc.rss) <= proc.rss * 0.1 ? now : undefined;
  }, `status's RSS within 10% of /proc's ${proc.rss} bytes`, 5000))!;
  expect(s.rss_bytes!).toBeGreaterThan(parentAlone + 80 * MB); // the child's 80 MB is in the figure
  expect(s.peak_rss_bytes!).toBeGreaterThanOrEqual(s.rss_bytes!);
  expect(s.cpu_percent!).toBeGreaterThanOrEqual(0);
  expect((await daemon.ctl(["status"])).stdout).toMatch(/^mem +RUNNING +\d+ +\S+ +0 +\d+\.\d% +\d+\.\dM +\d+\.\dM +- *$/m);
});

test("a program that allocates in steps is restarted once its tree stays above max_memory, and status says why", async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, `
[supervisor]
sample_interval = "200ms"
[programs.grower]
command = ${memory(30, 20, 300)}
startsecs = 0
max_memory = "150MB"
`);
  const first = await waitFor(async () => (await daemon.status("grower"))?.pid ?? undefined, "the first pid");
  await daemon.waitForLog(/restarting: grower \(max_memory: \d+\.\d MiB \(PSS\) above 150\.0 MiB in 2 samples in a row\)/);
  const after = await waitFor(async () => {
    const s = await daemon.status("grower");
    return s?.state === "RUNNING" && s.pid !== first ? s : undefined;
  }, "grower running again under a new pid");
  expect(after.restarted_because).toMatch(/^max_memory: \d+\.\d MiB \(PSS\) above 150\.0 MiB in 2 samples in a row$/);
  expect(after.restarts).toBeGreaterThanOrEqual(1);
  expect(daemon.logLines(/stopped: grower \(terminated by SIGTERM\)/).length).toBeGreaterThanOrEqual(1); // the normal stop path
  expect((await daemon.ctl(["status", "grower"])).stdout).toContain("restarted for max_memory:");
});

test("a program idle for many samples that then grows shows its new memory in status within a few samples", async () => {
  // A single-threaded shell: idle while its sleep runs (tsvisor then reads only its schedstat and
  // keeps its PSS), then it holds ~60 MB in a variable and blocks on a FIFO nobody writes.
  using dir = tempDir();
  const fifo = join(dir.path, "never");
  Bun.spawnSync(["mkfifo", fifo]);
  await using daemon = Daemon.start(dir.path, `
[supervisor]
sample_interval = "100ms"
[programs.grows]
command = ["sh", "-c", "sleep 1.5; x=$(head -c 60000000 /dev/zero | tr '\\\\0' a); echo grown; read line < ${fifo}"]
startsecs = 0
`);
  const idle = await waitFor(async () => {
    const s = await daemon.status("grows");
    return s?.pss_bytes ? s : undefined;
  }, "a first PSS");
  expect(idle.pss_bytes!).toBeLessThan(20 * MB);
  await waitFor(() => daemon.stdout.some((l) => l.includes("grown")), "the shell to hold its memory");
  await waitFor(async () => ((await daemon.status("grows"))?.pss_bytes ?? 0) > 55 * MB || undefined, "status's PSS above 55 MB", 5000);
});

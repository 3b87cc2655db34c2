import { expect, test } from "bun:test";
import { pageSize, parseAuxvPageSize, parseStat, readAllStats, sumTrees } from "../../src/os/proc-tree.ts";
import { TreeReader } from "../../src/os/tree-reader.ts";

test("a stat line whose command name holds spaces and parentheses parses from the last ')'", () => {
  const line = "4242 (my (odd) prog) S 1 4242 4242 0 -1 4194560 100 0 0 0 150 25 0 0 20 0 1 0 300 12345678 2048 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
  expect(parseStat(line)).toEqual({ pid: 4242, ppid: 1, cpuTicks: 175, rssPages: 2048, threads: 1 });
  expect(parseStat("garbage")).toBeNull();
});

test("a tree sums its root and every descendant, and nothing else", () => {
  const stats = [
    { pid: 10, ppid: 1, cpuTicks: 5, rssPages: 100, threads: 1 },
    { pid: 11, ppid: 10, cpuTicks: 3, rssPages: 50, threads: 4 },
    { pid: 12, ppid: 11, cpuTicks: 2, rssPages: 25, threads: 1 }, // grandchild
    { pid: 20, ppid: 1, cpuTicks: 7, rssPages: 70, threads: 1 }, // another program
  ];
  const trees = sumTrees(stats, [10, 20, 99], 4096);
  expect(trees.get(10)).toEqual({ cpuTicks: 10, rssBytes: 175 * 4096, pids: [10, 11, 12] });
  expect(trees.get(20)).toEqual({ cpuTicks: 7, rssBytes: 70 * 4096, pids: [20] });
  expect(trees.has(99)).toBe(false);
});

test("the page size comes from AT_PAGESZ in the auxiliary vector", () => {
  const auxv = new DataView(new ArrayBuffer(48));
  auxv.setBigUint64(0, 33n, true); // AT_SYSINFO_EHDR
  auxv.setBigUint64(16, 6n, true); // AT_PAGESZ
  auxv.setBigUint64(24, 65536n, true);
  expect(parseAuxvPageSize(new Uint8Array(auxv.buffer))).toBe(65536);
  expect([4096, 16384, 65536]).toContain(pageSize());
});

test("this test's own process is in the scan with its parent and its memory", () => {
  const me = readAllStats().find((s) => s.pid === process.pid);
  expect(me?.ppid).toBe(process.ppid);
  expect(me!.rssPages * pageSize()).toBeGreaterThan(1024 * 1024);
});

test("walking down from a root finds a child and a grandchild, as the full scan does", async () => {
  // sh -> sleep (grandchild of this test): the tree of the sh holds both
  await using sh = Bun.spawn(["sh", "-c", "sleep 30 & echo $!; wait"], { stdout: "pipe" });
  const reader = sh.stdout.getReader();
  const sleepPid = Number(new TextDecoder().decode((await reader.read()).value).trim());
  const trees = new TreeReader();
  const walked = trees.read([process.pid]).get(process.pid)!.pids;
  expect(walked).toEqual(expect.arrayContaining([process.pid, sh.pid, sleepPid]));
  const scanned = sumTrees(readAllStats(), [sh.pid], 4096).get(sh.pid)!.pids.sort();
  expect([...trees.read([sh.pid]).get(sh.pid)!.pids].sort()).toEqual(scanned);
  trees.close();
  sh.kill("SIGKILL");
  process.kill(sleepPid, "SIGKILL");
});

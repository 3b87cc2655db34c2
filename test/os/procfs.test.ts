import { expect, test } from "bun:test";
import { countOpenFds, parseChildren, parseEnvironValue, parseSignalMask, parseStat, parseStatusBytes, parseStatusUids, readEnvironValue, readOwnChildren, readRssBytes, readStat } from "../../src/os/procfs.ts";
import { waitFor } from "../infra/wait-for.ts";

test("parseStat takes comm up to the last parenthesis, so a name with spaces and ')' parses", () => {
  expect(parseStat("4242 (my (odd) prog) Z 1 4242 4241 0 -1 4194560 100 0 0 0 150 25 0 0 20 0 1 0 300 12345678 2048")).toEqual({
    pid: 4242, comm: "my (odd) prog", state: "Z", ppid: 1, pgrp: 4242, session: 4241, startTicks: 300,
  });
});

test.each([
  ["12 15 20 ", [12, 15, 20]],
  ["", []],
  ["7", [7]],
])("children file %p -> %p", (text, pids) => {
  expect(parseChildren(text)).toEqual(pids);
});

test("parseStatusUids reads real, effective, saved and filesystem uid, and null without the line", () => {
  expect(parseStatusUids("Name:\tsh\nUid:\t65534\t0\t0\t0\nGid:\t0\t0\t0\t0\n")).toEqual([65534, 0, 0, 0]);
  expect(parseStatusUids("Name:\tsh\n")).toBeNull();
});

test("parseStatusBytes reads a kB field as bytes, and null when the field is missing (a zombie has no VmRSS)", () => {
  const status = "Name:\tsh\nVmPeak:\t    2000 kB\nVmRSS:\t     1024 kB\nThreads:\t1\n";
  expect([parseStatusBytes(status, "VmRSS"), parseStatusBytes("Name:\tsh\nState:\tZ (zombie)\n", "VmRSS")]).toEqual([1024 * 1024, null]);
});

test.each([
  ["SigIgn:\t0000000000000000", []],
  ["SigIgn:\t0000000001001000", [13, 25]], // Bun's own: SIGPIPE and SIGXFSZ
  ["SigIgn:\t8000000000000001", [1, 64]],
])("signal mask %p -> %p", (line, signals) => {
  expect(parseSignalMask(`Name:\tx\n${line}\nSigCgt:\t0000000000000000\n`, "SigIgn")).toEqual(signals);
});

test("the readers see this process and a child of it", async () => {
  const child = Bun.spawn(["sleep", "10"]);
  try {
    expect([readOwnChildren().includes(child.pid), readStat(child.pid)?.ppid, readStat(process.pid)?.state]).toEqual([true, process.pid, "R"]);
    expect(countOpenFds()).toBeGreaterThan(2);
    expect(readRssBytes()).toBeGreaterThan(1 << 20);
  } finally {
    child.kill();
    await child.exited;
  }
});

test("parseEnvironValue finds a variable among NUL-separated entries, and null when it is absent", () => {
  const environ = Buffer.from("PATH=/bin\0TSVISOR_PROCESS_NAMEX=no\0TSVISOR_PROCESS_NAME=web-1\0EMPTY=\0");
  expect([
    parseEnvironValue(environ, "TSVISOR_PROCESS_NAME"), parseEnvironValue(environ, "EMPTY"), parseEnvironValue(environ, "HOME"),
    parseEnvironValue(Buffer.from("A=1"), "A"),
  ]).toEqual(["web-1", "", null, "1"]);
});

test("readEnvironValue reads what a process was started with", () => {
  const child = Bun.spawnSync(["sh", "-c", "cat /proc/self/environ"], { env: { MARK: "x y" } });
  expect(parseEnvironValue(child.stdout, "MARK")).toBe("x y");
  expect(readEnvironValue(process.pid, "NO_SUCH_VARIABLE_HERE")).toBeNull();
  expect(readEnvironValue(2 ** 22 + 1, "PATH")).toBeUndefined(); // no such process: not known
});

test("readEnvironValue reads a bounded prefix, and an entry cut short there does not count", async () => {
  await using child = Bun.spawn(["sleep", "10"], { env: { A: "x".repeat(100), MARK: "web-10", Z: "y".repeat(100) } });
  // until the child has exec'd, /proc/PID/environ is still this process's
  const environ = await waitFor(async () => {
    const bytes = Buffer.from(await Bun.file(`/proc/${child.pid}/environ`).bytes());
    return bytes.includes("MARK=web-10") && bytes;
  }, "the child to exec with its own environment");
  const end = environ.indexOf("MARK=web-10") + "MARK=web-1".length; // the prefix ends inside the value
  expect([readEnvironValue(child.pid, "MARK"), readEnvironValue(child.pid, "MARK", end), readEnvironValue(child.pid, "MARK", end + 2)]).toEqual(["web-10", null, "web-10"]);
  child.kill();
});

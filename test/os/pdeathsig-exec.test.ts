import { expect, test } from "bun:test";
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stillThere } from "../../src/os/memfd-program.ts";
import { pdeathsigExecutable, sealedPdeathsigExec } from "../../src/os/pdeathsig-exec.ts";

// A descriptor is a number: closed by mistake and reused, it must not be run as the helper.
test("the helper is not taken for another file that got its descriptor's number", () => {
  const helper = sealedPdeathsigExec()!;
  const before = stillThere(helper);
  closeSync(helper.fd);
  const other = openSync("/proc/self/exe", "r"); // the lowest free number: the helper's
  try {
    expect({ before, sameNumber: other === helper.fd, after: stillThere(helper) }).toEqual({ before: true, sameNumber: true, after: false });
  } finally {
    closeSync(other);
  }
});

// Whose child it is decides whether it runs the command: a child of a tsvisor that died before the
// prctl would never get its parent-death signal (soak/kill.soak.ts races that for real).
test("the helper runs the command only as a child of the process it was made for", () => {
  using dir = { path: mkdtempSync(join(tmpdir(), "tsvisor-pdeathsig-")), [Symbol.dispose]() { rmSync(this.path, { recursive: true, force: true }); } };
  const mark = join(dir.path, "ran");
  const run = (parentPid: number) => {
    const helper = join(dir.path, `helper-${parentPid}`);
    writeFileSync(helper, pdeathsigExecutable(parentPid), { mode: 0o700 });
    return Bun.spawnSync([helper, "", "/usr/bin/touch", "touch", mark]).exitCode;
  };
  const otherParent = run(process.pid + 1);
  const markedByOther = existsSync(mark);
  const ownParent = run(process.pid);
  expect({ otherParent, markedByOther, ownParent, marked: existsSync(mark) }).toEqual({ otherParent: 125, markedByOther: false, ownParent: 0, marked: true });
});

// Bun.spawn's uid/gid leave a program no supplementary group; supervisord gives it its user's groups.
// The helper switches as root, from argv[1], before the exec: every id and every group, or not at all.
test("the helper switches to the uid, gid and groups it is given, saved ids included, before the exec", () => {
  using dir = { path: mkdtempSync(join(tmpdir(), "tsvisor-pdeathsig-")), [Symbol.dispose]() { rmSync(this.path, { recursive: true, force: true }); } };
  const helper = join(dir.path, "helper");
  writeFileSync(helper, pdeathsigExecutable(process.pid), { mode: 0o755 });
  const ids = (switchTo: string) => {
    const run = Bun.spawnSync([helper, switchTo, "/usr/bin/grep", "grep", "-E", "^(Uid|Gid|Groups):", "/proc/self/status"]);
    return { code: run.exitCode, status: run.stdout.toString().replace(/[ \t]+/g, " ").trim() };
  };
  expect(ids("65534,65534,65534,4,4242")).toEqual({ code: 0, status: "Uid: 65534 65534 65534 65534\nGid: 65534 65534 65534 65534\nGroups: 4 4242 65534" });
  expect(ids("1234,5678")).toEqual({ code: 0, status: "Uid: 1234 1234 1234 1234\nGid: 5678 5678 5678 5678\nGroups:" });
  // 2,000 groups: past the 1,024 a smaller buffer held (the kernel allows 65,536)
  const groups = Array.from({ length: 2000 }, (_, i) => 100_000 + i);
  expect(ids(`65534,65534,${groups.join(",")}`).status).toEndWith(`Groups: ${groups.join(" ")}`);
  // no switch asked: tsvisor's own ids
  expect(ids("").status).toStartWith("Uid: 0 0 0 0");
});

// os/private-dir.ts: when a directory under /tmp (or /dev/shm) may hold tsvisor's socket and logs.
// Another user may have made the name first; every way of planting it is refused by name.
import { describe, expect, test } from "bun:test";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { privateDirProblem, writableDirProblem } from "../../src/os/private-dir.ts";

// A parent like /tmp: everyone may write it, and the sticky bit keeps them from renaming others' entries.
function stickyParent(): { path: string; [Symbol.dispose](): void } {
  const path = mkdtempSync(join(tmpdir(), "tsvisor-private-"));
  chmodSync(path, 0o1777);
  return { path, [Symbol.dispose]: () => rmSync(path, { recursive: true, force: true }) };
}

describe("privateDirProblem", () => {
  test("a missing one is made 0700 and is fine; without create it is only judged (nothing is made)", () => {
    using parent = stickyParent();
    const dir = join(parent.path, "tsvisor-0");
    expect(privateDirProblem(dir, { create: false })).toBeNull();
    expect(existsSync(dir)).toBe(false);
    expect(privateDirProblem(dir, { create: true })).toBeNull();
    expect(statSync(dir).mode & 0o7777).toBe(0o700);
  });

  test.each([
    ["a directory another user made", (dir: string) => { mkdirSync(dir, 0o777); chmodSync(dir, 0o777); chownSync(dir, 4242, 4242); }, "is owned by uid 4242, not by uid 0: someone else made it"],
    ["a link to another directory", (dir: string) => symlinkSync("/etc", dir), "is a symbolic link (to /etc), not a directory"],
    ["a file", (dir: string) => writeFileSync(dir, ""), "is a regular file, not a directory"],
    ["its own directory that others may enter", (dir: string) => { mkdirSync(dir); chmodSync(dir, 0o755); }, "has mode 0755: others may enter it (it must be 0700)"],
  ])("%s is refused, with create too", (_, plant, problem) => {
    using parent = stickyParent();
    const dir = join(parent.path, "tsvisor-0");
    plant(dir);
    expect([privateDirProblem(dir, { create: false }), privateDirProblem(dir, { create: true })]).toEqual([problem, problem]);
  });

  test("a directory root made is not the private directory of uid 1000", () => {
    using parent = stickyParent();
    const dir = join(parent.path, "tsvisor-1000");
    expect(privateDirProblem(dir, { create: true })).toBeNull();
    expect(privateDirProblem(dir, { create: false, uid: 1000 })).toBe("is owned by uid 0, not by uid 1000: someone else made it");
  });

  test("in a parent others can write without the sticky bit, nothing is made", () => {
    using parent = stickyParent();
    chmodSync(parent.path, 0o777);
    const dir = join(parent.path, "tsvisor-0");
    expect(privateDirProblem(dir, { create: true })).toBe(`is in ${parent.path}, which others can write without the sticky bit (they could swap the directory)`);
    expect(existsSync(dir)).toBe(false);
  });
});

describe("writableDirProblem", () => {
  test("a writable directory is fine; a missing one only when it may be made", () => {
    using parent = stickyParent();
    const missing = join(parent.path, "a/b");
    expect([writableDirProblem(parent.path), writableDirProblem(missing), writableDirProblem(missing, { mayCreate: true })]).toEqual([null, "does not exist", null]);
  });

  test("a file where a directory should be says so", () => {
    using parent = stickyParent();
    writeFileSync(join(parent.path, "f"), "");
    expect(writableDirProblem(join(parent.path, "f/logs"), { mayCreate: true })).toBe("has a file where a directory should be");
  });
});

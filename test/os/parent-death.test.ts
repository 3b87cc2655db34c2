import { expect, test } from "bun:test";
import { parentDeathSetpriv, withParentDeathSignal } from "../../src/os/parent-death.ts";

test("programs run through the parent-death exec when it is there, else under setpriv --pdeathsig KILL (util-linux is on every test machine)", () => {
  expect(parentDeathSetpriv()).toMatch(/\/setpriv$/);
  expect(withParentDeathSignal(["sleep", "1"], "/usr/bin/sleep", 7)).toEqual({ argv: ["/proc/self/fd/7", "", "/usr/bin/sleep", "sleep", "1"], passFd: 7, bunIds: null });
  expect(withParentDeathSignal(["sleep", "1"], "/usr/bin/sleep", null)).toEqual({ argv: [parentDeathSetpriv()!, "--pdeathsig", "KILL", "--", "sleep", "1"], passFd: null, bunIds: null });
});

test("another user: the parent-death exec switches with every group; without it Bun switches uid and primary gid", () => {
  const app = { uid: 1000, gid: 1000, groups: [1000, 4, 27] };
  expect(withParentDeathSignal(["id"], "/usr/bin/id", 7, app)).toEqual({ argv: ["/proc/self/fd/7", "1000,1000,1000,4,27", "/usr/bin/id", "id"], passFd: 7, bunIds: null });
  expect(withParentDeathSignal(["id"], "/usr/bin/id", null, app).bunIds).toEqual({ uid: 1000, gid: 1000 });
  // every group, as many as one argument carries (the kernel's 128 KiB); past that, no silent subset: an error
  const many = { uid: 1000, gid: 1000, groups: Array.from({ length: 5000 }, (_, i) => 100_000 + i) };
  expect(withParentDeathSignal(["id"], "/usr/bin/id", 7, many).argv[1]!.split(",")).toHaveLength(5002);
  const tooMany = { uid: 1000, gid: 1000, groups: Array.from({ length: 20_000 }, (_, i) => 1_000_000_000 + i) };
  expect(() => withParentDeathSignal(["id"], "/usr/bin/id", 7, tooMany)).toThrow("uid 1000 is in 20000 groups, more than tsvisor can hand to the program's start");
});

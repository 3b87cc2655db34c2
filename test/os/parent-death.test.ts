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
  // past the helper's 1,024 groups, Bun switches (without the other groups) rather than the helper refusing
  const many = { uid: 1000, gid: 1000, groups: Array.from({ length: 1025 }, (_, i) => 1000 + i) };
  expect(withParentDeathSignal(["id"], "/usr/bin/id", 7, many)).toEqual({ argv: ["/proc/self/fd/7", "", "/usr/bin/id", "id"], passFd: 7, bunIds: { uid: 1000, gid: 1000 } });
});

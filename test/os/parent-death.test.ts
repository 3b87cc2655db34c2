import { expect, test } from "bun:test";
import { parentDeathSetpriv, withParentDeathSignal } from "../../src/os/parent-death.ts";

test("programs run through the parent-death exec when it is there, else under setpriv --pdeathsig KILL (util-linux is on every test machine)", () => {
  expect(parentDeathSetpriv()).toMatch(/\/setpriv$/);
  expect(withParentDeathSignal(["sleep", "1"], "/usr/bin/sleep", 7)).toEqual({ argv: ["/proc/self/fd/7", "/usr/bin/sleep", "sleep", "1"], passFd: 7 });
  expect(withParentDeathSignal(["sleep", "1"], "/usr/bin/sleep", null)).toEqual({ argv: [parentDeathSetpriv()!, "--pdeathsig", "KILL", "--", "sleep", "1"], passFd: null });
});

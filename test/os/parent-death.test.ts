import { expect, test } from "bun:test";
import { parentDeathSetpriv, withParentDeathSignal } from "../../src/os/parent-death.ts";

test("programs run under setpriv --pdeathsig KILL here (util-linux is on every test machine)", () => {
  expect(parentDeathSetpriv()).toMatch(/\/setpriv$/);
  expect(withParentDeathSignal(["sleep", "1"])).toEqual([parentDeathSetpriv()!, "--pdeathsig", "KILL", "--", "sleep", "1"]);
});

import { expect, test } from "bun:test";
import { normalizeSignalName, signalName, signalNumber } from "../../src/os/signals.ts";
import { PROTOTYPE_NAMES } from "../prototype-names.ts";

test.each([["TERM", 15], ["KILL", 9], ["USR1", 10], ["34", 34]] as const)("signalNumber(%p) is %p, and signalName gives it back", (name, n) => {
  expect([signalNumber(name), signalName(n)]).toEqual([n, name]);
});

test("an unknown signal name throws with the name", () => {
  expect(() => signalNumber("TREM")).toThrow('unknown signal name "TREM"');
});

test("no name of Object.prototype is a signal", () => {
  const found = PROTOTYPE_NAMES.flatMap((name) => [name, `SIG${name}`, name.toUpperCase()]).filter((name) => normalizeSignalName(name) !== null);
  expect(found).toEqual([]);
  for (const name of PROTOTYPE_NAMES) expect(() => signalNumber(name)).toThrow("unknown signal name");
});

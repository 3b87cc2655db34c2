import { expect, test } from "bun:test";
import { closeSync, ftruncateSync, openSync, readFileSync, writeSync } from "node:fs";
import { pdeathsigExecutable, sealedPdeathsigExec } from "../../src/os/pdeathsig-exec.ts";

const errorCode = (f: () => unknown) => {
  try {
    f();
    return "no error";
  } catch (error) {
    return (error as NodeJS.ErrnoException).code;
  }
};

// Every program of every user is started through these bytes, as root: nobody may change them, root
// included, not through the descriptor and not through a path to it opened again for writing.
test("the parent-death exec's memfd holds the executable and is sealed against writes and resizes", () => {
  const fd = sealedPdeathsigExec();
  expect(fd).not.toBeNull();
  try {
    const path = `/proc/self/fd/${fd}`;
    const again = openSync(path, "r+");
    try {
      expect({
        bytes: Buffer.from(readFileSync(path)).equals(Buffer.from(pdeathsigExecutable())),
        write: errorCode(() => writeSync(fd!, "x", 0)),
        writeReopened: errorCode(() => writeSync(again, "x", 0)),
        shrink: errorCode(() => ftruncateSync(fd!, 0)),
        grow: errorCode(() => ftruncateSync(fd!, 1 << 20)),
      }).toEqual({ bytes: true, write: "EPERM", writeReopened: "EPERM", shrink: "EPERM", grow: "EPERM" });
    } finally {
      closeSync(again);
    }
  } finally {
    closeSync(fd!);
  }
});

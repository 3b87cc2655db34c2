import { expect, test } from "bun:test";
import { closeSync, ftruncateSync, openSync, readFileSync, writeSync } from "node:fs";
import { foregroundExecutable, sealedForegroundExec } from "../../src/os/foreground-exec.ts";
import { pdeathsigExecutable, sealedPdeathsigExec } from "../../src/os/pdeathsig-exec.ts";

const errorCode = (f: () => unknown) => {
  try {
    f();
    return "no error";
  } catch (error) {
    return (error as NodeJS.ErrnoException).code;
  }
};

// Every program of every user (and init mode's CMD on a terminal) is started through these bytes, as
// root: nobody may change them, root included, not through the descriptor and not through a path to
// it opened again for writing.
test.each([
  ["parent-death exec", sealedPdeathsigExec, pdeathsigExecutable],
  ["foreground exec", sealedForegroundExec, foregroundExecutable],
] as const)("the %s's memfd holds the executable and is sealed against writes and resizes", (_, sealed, executable) => {
  const program = sealed();
  expect(program).not.toBeNull();
  const fd = program!.fd;
  try {
    const path = `/proc/self/fd/${fd}`;
    const again = openSync(path, "r+");
    try {
      expect({
        bytes: Buffer.from(readFileSync(path)).equals(Buffer.from(executable())),
        write: errorCode(() => writeSync(fd, "x", 0)),
        writeReopened: errorCode(() => writeSync(again, "x", 0)),
        shrink: errorCode(() => ftruncateSync(fd, 0)),
        grow: errorCode(() => ftruncateSync(fd, 1 << 20)),
      }).toEqual({ bytes: true, write: "EPERM", writeReopened: "EPERM", shrink: "EPERM", grow: "EPERM" });
    } finally {
      closeSync(again);
    }
  } finally {
    closeSync(fd);
  }
});

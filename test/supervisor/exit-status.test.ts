import { expect, test } from "bun:test";
import { signalNumber } from "../../src/os/signals.ts";
import { describeExit, exitedWith, killedBy, shellExitCode } from "../../src/supervisor/exit-status.ts";

test.each([
  [exitedWith(0), "exit status 0", 0],
  [exitedWith(42), "exit status 42", 42],
  [killedBy("KILL"), "terminated by SIGKILL", 137],
  [killedBy("TERM"), "terminated by SIGTERM", 143],
])("%o is described as %p and reported to a shell as %p", (status, words, code) => {
  expect([describeExit(status), shellExitCode(status, signalNumber)]).toEqual([words, code]);
});

import { expect, test } from "bun:test";
import { decodeWaitStatus } from "../../src/os/wait-status.ts";

test.each([
  [0x0000, { kind: "exited", code: 0 }],
  [0x0300, { kind: "exited", code: 3 }],
  [0xff00, { kind: "exited", code: 255 }],
  [0x0009, { kind: "signaled", signal: 9, coreDumped: false }],
  [0x000f, { kind: "signaled", signal: 15, coreDumped: false }],
  [0x0086, { kind: "signaled", signal: 6, coreDumped: true }],
  [0x137f, { kind: "stopped", signal: 19 }],
  [0xffff, { kind: "continued" }],
])("waitpid status %p decodes to %o", (raw, status) => {
  expect(decodeWaitStatus(raw)).toEqual(status as never);
});

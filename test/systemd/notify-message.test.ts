import { expect, test } from "bun:test";
import { formatNotifyMessage } from "../../src/systemd/notify-message.ts";

test.each([
  [{ ready: true, status: "2 running" }, "READY=1\nSTATUS=2 running"],
  [{ reloading: true, monotonicUsec: 1234567n }, "RELOADING=1\nMONOTONIC_USEC=1234567"],
  [{ stopping: true }, "STOPPING=1"],
  [{ watchdog: true }, "WATCHDOG=1"],
  [{ status: "line one\nline two" }, "STATUS=line one line two"],
] as const)("%# -> %p", (fields, text) => {
  expect(formatNotifyMessage(fields)).toBe(text);
});

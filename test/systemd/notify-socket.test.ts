import { expect, test } from "bun:test";
import { parseNotifySocket } from "../../src/systemd/notify-socket.ts";

test.each([
  [undefined, null],
  ["", null],
  ["/run/systemd/notify", { kind: "path", path: "/run/systemd/notify" }],
  ["@/org/freedesktop/systemd1/notify/123", { kind: "abstract", name: "/org/freedesktop/systemd1/notify/123" }],
] as const)("NOTIFY_SOCKET=%p -> %p", (value, address) => {
  expect(parseNotifySocket(value)).toEqual(address);
});

test.each(["relative/socket", "@", "vsock:2:1234"])("NOTIFY_SOCKET=%p is refused with what is allowed", (value) => {
  expect(() => parseNotifySocket(value)).toThrow(
    `NOTIFY_SOCKET=${JSON.stringify(value)} is not a unix socket address tsvisor can use; allowed: an absolute path ("/run/systemd/notify") or an abstract name ("@name")`,
  );
});

import { expect, test } from "bun:test";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { sendDatagram, type UnixAddress } from "../../src/os/datagram-socket.ts";
import { NotifyListener, uniqueAbstractName } from "../systemd/_notify-listener.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

test.each([
  ["a path", () => join(tmpdir(), `tsvisor-dgram-${crypto.randomUUID()}.sock`)],
  ["an abstract name", uniqueAbstractName],
])("one datagram reaches a listener bound on %s, sent by this process", async (_, makeAddress) => {
  const where = makeAddress();
  await using listener = await NotifyListener.start(where);
  const address: UnixAddress = where.startsWith("@") ? { kind: "abstract", name: where.slice(1) } : { kind: "path", path: where };
  sendDatagram(address, bytes("READY=1\nSTATUS=all good"));
  const message = await listener.next(() => true, "the datagram");
  expect([message.raw, message.pid]).toEqual(["READY=1\nSTATUS=all good", process.pid]);
});

test.each([
  ["a path with no socket", { kind: "path", path: "/nonexistent/tsvisor.sock" }, "sendto /nonexistent/tsvisor.sock: ENOENT"],
  ["an abstract name nobody listens on", { kind: "abstract", name: `tsvisor-nobody-${crypto.randomUUID()}` }, "ECONNREFUSED"],
  ["a path longer than sockaddr_un holds", { kind: "path", path: `/${"x".repeat(120)}` }, "is 122 bytes; at most 108 fit in sockaddr_un"],
] as const)("%s: a clear error naming the errno", (_, address, message) => {
  expect(() => sendDatagram(address, bytes("READY=1"))).toThrow(message);
});

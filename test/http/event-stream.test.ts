import { expect, test } from "bun:test";
import { encodeMessage } from "../../src/http/event-stream.ts";

test.each([
  [{ data: "{}" }, "data: {}\n\n"],
  [{ event: "PROCESS_STATE_RUNNING", data: '{"a":1}' }, 'event: PROCESS_STATE_RUNNING\ndata: {"a":1}\n\n'],
  [{ event: "line", data: "" }, "event: line\ndata: \n\n"],
  [{ event: "line", data: "a\rb\r\nc\nd" }, "event: line\ndata: a\ndata: b\ndata: c\ndata: d\n\n"],
  [{ event: "x\ny", data: "1" }, "event: x y\ndata: 1\n\n"],
] as const)("%o is sent as one message", (message, wire) => {
  expect(encodeMessage(message)).toBe(wire);
});

import { describe, expect, test } from "bun:test";
import { decodeEventLine, decodeRequest, decodeResponse, encodeLine } from "../../src/control/protocol.ts";
import { PROCESS_STATES } from "../../src/supervisor/states.ts";
import type { StateName } from "../../src/control/protocol.ts";

describe("decodeRequest", () => {
  test.each([
    ['{"v":1,"id":7,"op":"stop","names":["web"]}', { id: 7, request: { v: 1, id: 7, op: "stop", names: ["web"] } }],
    ['{"v":1,"id":"a","op":"status"}', { id: "a", request: { v: 1, id: "a", op: "status" } }],
    ['{"v":1,"id":1,"op":"signal","signal":"HUP","names":["all"]}', { id: 1, request: { v: 1, id: 1, op: "signal", signal: "HUP", names: ["all"] } }],
    ['{"v":1,"id":1,"op":"start","names":["web"],"wait":false}', { id: 1, request: { v: 1, id: 1, op: "start", names: ["web"], wait: false } }],
    ['{"v":1,"id":1,"op":"history","names":["web"],"since":1795489876995}', { id: 1, request: { v: 1, id: 1, op: "history", names: ["web"], since: 1795489876995 } }],
  ])("%s is a request", (line, expected) => {
    expect(decodeRequest(line)).toEqual(expected as never);
  });

  test.each([
    ["not json", { id: null, error: { code: "BAD_REQUEST" } }],
    ["[1,2]", { id: null, error: { code: "BAD_REQUEST" } }],
    ['{"v":1,"op":"status"}', { id: null, error: { code: "BAD_REQUEST", field: "id" } }],
    ['{"v":2,"id":3,"op":"status"}', { id: 3, error: { code: "UNSUPPORTED_VERSION" } }],
    ['{"v":1,"id":3,"op":"explode"}', { id: 3, error: { code: "UNKNOWN_OP" } }],
    ['{"v":1,"id":3,"op":"stop"}', { id: 3, error: { code: "BAD_REQUEST", field: "names" } }],
    ['{"v":1,"id":3,"op":"stop","names":[]}', { id: 3, error: { code: "BAD_REQUEST", field: "names" } }],
    ['{"v":1,"id":3,"op":"stop","names":[1]}', { id: 3, error: { code: "BAD_REQUEST", field: "names" } }],
    ['{"v":1,"id":3,"op":"status","names":"web"}', { id: 3, error: { code: "BAD_REQUEST", field: "names" } }],
    ['{"v":1,"id":3,"op":"start","names":["web"],"wait":"no"}', { id: 3, error: { code: "BAD_REQUEST", field: "wait" } }],
    ['{"v":1,"id":3,"op":"signal","names":["web"]}', { id: 3, error: { code: "BAD_REQUEST", field: "signal" } }],
    ['{"v":1,"id":3,"op":"history","since":"yesterday"}', { id: 3, error: { code: "BAD_REQUEST", field: "since" } }],
    ['{"v":1,"id":3,"op":"history","since":-1}', { id: 3, error: { code: "BAD_REQUEST", field: "since" } }],
    // JSON.parse makes "__proto__" an ordinary field: it cannot supply the op or any other field
    ['{"v":1,"id":3,"__proto__":{"op":"shutdown"}}', { id: 3, error: { code: "UNKNOWN_OP" } }],
    ['{"v":1,"id":3,"op":"constructor"}', { id: 3, error: { code: "UNKNOWN_OP" } }],
    ['{"v":1,"id":3,"op":"signal","__proto__":{"names":["web"],"signal":"KILL"}}', { id: 3, error: { code: "BAD_REQUEST", field: "names" } }],
  ])("%s is refused", (line, expected) => {
    expect(decodeRequest(line)).toEqual(expected as never);
  });
});

test("a reply survives encodeLine -> decodeResponse, and a line is one line", () => {
  const reply = { v: 1, id: 7, ok: false as const, error: { code: "NO_SUCH_PROCESS" as const, name: "wbe\nx" } };
  const line = encodeLine(reply);
  expect([line.indexOf("\n"), decodeResponse(line.trimEnd())]).toEqual([line.length - 1, reply]);
});

test("decodeResponse rejects what is not a reply", () => {
  expect(["", "{}", '{"ok":true}', '{"ok":false,"error":"x"}', "HTTP/1.1 400"].map(decodeResponse)).toEqual([null, null, null, null, null]);
});

test("a stream's last line (FELL_BEHIND) is a reply, not an event: a client that knows only events skips it", () => {
  const last = encodeLine({ v: 1, id: 1, ok: false, error: { code: "FELL_BEHIND", limit: 1048576 } }).trimEnd();
  expect([decodeEventLine(last), decodeResponse(last)]).toEqual([null, { v: 1, id: 1, ok: false, error: { code: "FELL_BEHIND", limit: 1048576 } }]);
});

test("the protocol's state words are the supervisor's", () => {
  const words: readonly StateName[] = PROCESS_STATES;
  expect(words).toEqual(["STOPPED", "STARTING", "RUNNING", "BACKOFF", "STOPPING", "EXITED", "FATAL", "UNKNOWN"]);
});

import { expect, test } from "bun:test";
import { logEvent, processStateEvent } from "../../src/events/event.ts";
import { MAX_EVENT_VARIABLE_BYTES, eventEnvironment, fitVariable } from "../../src/events/hook-environment.ts";
import { exitedWith } from "../../src/supervisor/exit-status.ts";

const line = (text: string) => logEvent({ name: "app", group: "app", pid: 42, stream: "stdout", lines: new TextEncoder().encode(text) }, 1000);

test("a state change's variables are its fields as they are, and none is truncated", () => {
  const event = processStateEvent({ name: "web", group: "web", from: "RUNNING", to: "EXITED", pid: null, previousPid: 42, lastExit: exitedWith(3), reason: "exit status 3; not expected", exitcodes: [0], backoff: 0 }, 1000);
  expect(eventEnvironment(event)).toEqual({
    TSVISOR_EVENT_TYPE: "PROCESS_STATE_EXITED", TSVISOR_EVENT_TIME: "1000", TSVISOR_EVENT_PROGRAM: "web", TSVISOR_EVENT_GROUP: "web",
    TSVISOR_EVENT_FROM_STATE: "RUNNING", TSVISOR_EVENT_TO_STATE: "EXITED", TSVISOR_EVENT_PID: "42", TSVISOR_EVENT_EXIT_CODE: "3",
    TSVISOR_EVENT_SIGNAL: "", TSVISOR_EVENT_EXPECTED: "false", TSVISOR_EVENT_REASON: "exit status 3; not expected", TSVISOR_EVENT_TRIES: "",
    TSVISOR_EVENT_TRUNCATED: "",
  });
});

test("a short log line is TSVISOR_EVENT_DATA whole", () => {
  const env = eventEnvironment(line("error: disk full\n"));
  expect([env.TSVISOR_EVENT_DATA, env.TSVISOR_EVENT_TRUNCATED]).toEqual(["error: disk full\n", ""]);
});

test("a log line longer than a variable may be is cut to its first 32 KiB and named in TSVISOR_EVENT_TRUNCATED", () => {
  const env = eventEnvironment(line(`${"x".repeat(300 * 1024)}\n`));
  expect([env.TSVISOR_EVENT_DATA, env.TSVISOR_EVENT_TRUNCATED]).toEqual(["x".repeat(MAX_EVENT_VARIABLE_BYTES), "TSVISOR_EVENT_DATA"]);
});

test("a line with a NUL byte stops before it, as no variable can hold one", () => {
  const env = eventEnvironment(line("ab\0cd\n"));
  expect([env.TSVISOR_EVENT_DATA, env.TSVISOR_EVENT_TRUNCATED]).toEqual(["ab", "TSVISOR_EVENT_DATA"]);
});

test.each([
  ["ASCII exactly at the bound", "x".repeat(MAX_EVENT_VARIABLE_BYTES), MAX_EVENT_VARIABLE_BYTES],
  ["a 2-byte character across the bound", `${"x".repeat(MAX_EVENT_VARIABLE_BYTES - 1)}é`, MAX_EVENT_VARIABLE_BYTES - 1],
  ["a 4-byte character (a surrogate pair) across the bound", `${"x".repeat(MAX_EVENT_VARIABLE_BYTES - 2)}😀`, MAX_EVENT_VARIABLE_BYTES - 2],
])("fitVariable never ends inside a character: %s", (_, text, bytes) => {
  const fitted = fitVariable(text);
  expect([Buffer.byteLength(fitted), text.startsWith(fitted)]).toEqual([bytes, true]);
});

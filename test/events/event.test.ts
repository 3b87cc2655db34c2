import { expect, test } from "bun:test";
import type { ProgramConfig } from "../../src/config/schema.ts";
import { DEFAULTS } from "../../src/config/defaults.ts";
import { groupEvent, processStateEvent, remoteEvent, supervisorEvent, tickEvent, type TsvisorEvent } from "../../src/events/event.ts";
import { ListenerReader, envelope, payloadOf } from "../../src/events/listener-protocol.ts";
import { exitedWith } from "../../src/supervisor/exit-status.ts";
import { newProcessRecord, step, type ProcessEvent, type ProcessRecord } from "../../src/supervisor/machine.ts";

const program: ProgramConfig = { ...DEFAULTS.program, command: ["x"], startsecs: 1, startretries: 1 };

// Feed events to the machine as supervisor.ts does and build the event of every transition.
function eventsOf(feed: [ProcessEvent, number][]): TsvisorEvent[] {
  let p: ProcessRecord = newProcessRecord("web");
  const out: TsvisorEvent[] = [];
  for (const [e, now] of feed) {
    const before = p.pid;
    const r = step(p, e, program, now);
    p = r.proc;
    for (const a of r.actions) {
      if (a.type !== "transition") continue;
      out.push(processStateEvent({ name: "web", group: "web", from: a.from, to: a.to, pid: p.pid, previousPid: before, lastExit: p.lastExit, reason: p.reason, exitcodes: [0], backoff: p.backoff }, now));
    }
  }
  return out;
}

test("a crash after startsecs: STARTING, RUNNING, EXITED (not expected, the dead pid), STARTING again — supervisord's payloads", () => {
  const events = eventsOf([[{ type: "start" }, 0], [{ type: "spawned", pid: 42 }, 1], [{ type: "timer", timer: "startsecs" }, 1001], [{ type: "exited", status: exitedWith(3) }, 5000]]);
  expect(events.map(payloadOf)).toEqual([
    "processname:web groupname:web from_state:STOPPED tries:0",
    "processname:web groupname:web from_state:STARTING pid:42",
    "processname:web groupname:web from_state:RUNNING expected:0 pid:42",
    "processname:web groupname:web from_state:EXITED tries:0",
  ]);
  expect(events[2]).toMatchObject({ type: "PROCESS_STATE_EXITED", pid: 42, exit_code: 3, expected: false, reason: "exit status 3; not expected" });
});

test("a crash before startsecs: BACKOFF with tries, then FATAL after startretries", () => {
  const events = eventsOf([
    [{ type: "start" }, 0], [{ type: "spawned", pid: 1 }, 1], [{ type: "exited", status: exitedWith(3) }, 10],
    [{ type: "timer", timer: "backoff" }, 1010], [{ type: "spawned", pid: 2 }, 1011], [{ type: "exited", status: exitedWith(3) }, 1020],
  ]);
  expect(events.map((e) => `${e.type} ${payloadOf(e)}`)).toEqual([
    "PROCESS_STATE_STARTING processname:web groupname:web from_state:STOPPED tries:0",
    "PROCESS_STATE_BACKOFF processname:web groupname:web from_state:STARTING tries:1",
    "PROCESS_STATE_STARTING processname:web groupname:web from_state:BACKOFF tries:1",
    "PROCESS_STATE_BACKOFF processname:web groupname:web from_state:STARTING tries:2",
    "PROCESS_STATE_FATAL processname:web groupname:web from_state:BACKOFF",
  ]);
});

test("the envelope is supervisord's header line, then exactly len bytes of payload", () => {
  const [, running] = eventsOf([[{ type: "start" }, 0], [{ type: "spawned", pid: 42 }, 1], [{ type: "timer", timer: "startsecs" }, 1001]]);
  expect(new TextDecoder().decode(envelope(running!, 7, "mail", 3))).toBe(
    "ver:3.0 server:tsvisor serial:7 pool:mail poolserial:3 eventname:PROCESS_STATE_RUNNING len:56\n" +
      "processname:web groupname:web from_state:STARTING pid:42",
  );
});

test("a listener's READY and RESULT are read whole across any split into chunks; anything else is garbage", () => {
  const text = "READY\nRESULT 2\nOKREADY\nRESULT 4\nFAILnonsense\n";
  for (const size of [1, 3, text.length]) {
    const reader = new ListenerReader();
    const messages = [];
    for (let i = 0; i < text.length; i += size) messages.push(...reader.feed(text.slice(i, i + size)));
    expect(messages).toEqual([
      { type: "ready" }, { type: "result", body: "OK" }, { type: "ready" }, { type: "result", body: "FAIL" }, { type: "garbage", text: "nonsense" },
    ]);
  }
});

test("supervisord's payloads for its own events: TICK_N, PROCESS_GROUP_*, REMOTE_COMMUNICATION, SUPERVISOR_STATE_CHANGE_*", () => {
  expect([
    payloadOf(tickEvent(60, 1_795_492_440)),
    payloadOf(groupEvent("PROCESS_GROUP_ADDED", "worker", 0)),
    payloadOf(groupEvent("PROCESS_GROUP_REMOVED", "worker", 0)),
    payloadOf(remoteEvent("deploy", "v2\nnow", 0)),
    payloadOf(supervisorEvent("SUPERVISOR_STATE_CHANGE_STOPPING", 0)),
  ]).toEqual(["when:1795492440", "groupname:worker\n", "groupname:worker\n", "type:deploy\nv2\nnow", ""]);
  expect(tickEvent(5, 1_795_492_445).type).toBe("TICK_5");
});

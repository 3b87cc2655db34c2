// supervisord's event-listener protocol: the same Python listener (supervisor.childutils, from
// Debian's `supervisor` package) runs under the real supervisord and under tsvisor, and must record
// the same events, headers and payloads; a FAIL answer gets the event again.
import { beforeAll, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Daemon, FIXTURES, readLines, tempDir, waitFor } from "./_harness.ts";

const LISTENER = join(FIXTURES, "event-listener.py");

beforeAll(() => {
  const installed = spawnSync(resolve(import.meta.dir, "../../scripts/ensure-debian-packages.sh"), ["supervisor"], { stdio: "inherit" });
  expect(installed.status).toBe(0);
});

interface Recorded {
  headers: Record<string, string>;
  payload: string;
}

// The programs of both runs: one that dies at once (BACKOFF, FATAL) and one that crashes after startsecs.
// quick's startsecs is far above its lifetime: supervisord decides RUNNING on a 1 s loop tick, and on
// a loaded machine it can reap an instant exit only after startsecs = 1 has passed.
const QUICK = `sh -c "exit 3"`;
const LATE = `sh -c "sleep 1.3; exit 3"`;
// ... and one whose stderr lines are PROCESS_LOG_STDERR events (stderr_events_enabled)
const TALK = `sh -c "echo 'oops: it broke' >&2; exec sleep 60"`;

// A recorded event without what differs from run to run (pids, serials, the server's name).
const comparable = ({ headers, payload }: Recorded) => `${headers.eventname} ${payload.replace(/pid:\d+/, "pid:N")}`;
const ofProgram = (name: string) => (r: Recorded) => r.payload.startsWith(`processname:${name} `);
const recorded = (path: string): Recorded[] => readLines(path).map((l) => JSON.parse(l) as Recorded);
const logsHeard = (path: string) => recorded(path).length > 0 && recorded(path);
const finished = (events: Recorded[]) =>
  events.some((e) => e.headers.eventname === "PROCESS_STATE_FATAL") && events.some((e) => e.headers.eventname === "PROCESS_STATE_EXITED");

async function supervisordEvents(dir: string): Promise<[Recorded[], Recorded[]]> {
  const record = join(dir, "supervisord-events");
  const logs = join(dir, "supervisord-logs");
  const conf = join(dir, "supervisord.conf");
  writeFileSync(conf, `
[supervisord]
nodaemon = true
logfile = ${dir}/supervisord.log
pidfile = ${dir}/supervisord.pid
[program:quick]
command = ${QUICK}
startsecs = 5
startretries = 1
[program:late]
command = ${LATE}
startsecs = 1
autorestart = false
[program:talk]
command = ${TALK}
startsecs = 0
stderr_events_enabled = true
[eventlistener:rec]
command = ${LISTENER} ${record}
events = PROCESS_STATE
[eventlistener:logs]
command = ${LISTENER} ${logs}
events = PROCESS_LOG_STDERR
`);
  const proc = Bun.spawn(["supervisord", "-c", conf], { stdout: "ignore", stderr: "ignore" });
  try {
    return await Promise.all([
      waitFor(() => finished(recorded(record)) && recorded(record), "supervisord's listener to see FATAL and EXITED", 20_000),
      waitFor(() => logsHeard(logs), "supervisord's log listener"),
    ]);
  } finally {
    proc.kill("SIGTERM");
    await proc.exited;
  }
}

test("a childutils listener sees the same events, headers and payloads under tsvisor as under supervisord", async () => {
  using dir = tempDir();
  const record = join(dir.path, "tsvisor-events");
  const logs = join(dir.path, "tsvisor-logs");
  await using daemon = Daemon.start(dir.path, `
[programs.quick]
command = ${JSON.stringify(QUICK)}
startsecs = 5
startretries = 1
[programs.late]
command = ${JSON.stringify(LATE)}
startsecs = 1
autorestart = false
[programs.talk]
command = ${JSON.stringify(TALK)}
startsecs = 0
stderr_events_enabled = true
[eventlisteners.rec]
command = [${JSON.stringify(LISTENER)}, ${JSON.stringify(record)}]
events = ["PROCESS_STATE"]
[eventlisteners.logs]
command = [${JSON.stringify(LISTENER)}, ${JSON.stringify(logs)}]
events = ["PROCESS_LOG_STDERR"]
`);
  // both at once: the run takes as long as one
  const [ours, ourLogs, [theirs, theirLogs]] = await Promise.all([
    waitFor(() => finished(recorded(record)) && recorded(record), "tsvisor's listener to see FATAL and EXITED", 20_000),
    waitFor(() => logsHeard(logs), "tsvisor's log listener"),
    supervisordEvents(dir.path),
  ]);
  expect(ourLogs.map(comparable)).toEqual(theirLogs.map(comparable));
  expect(ourLogs.map(comparable)).toEqual(["PROCESS_LOG_STDERR processname:talk groupname:talk pid:N channel:stderr\noops: it broke\n"]);
  for (const name of ["quick", "late", "talk"]) {
    expect(ours.filter(ofProgram(name)).map(comparable)).toEqual(theirs.filter(ofProgram(name)).map(comparable));
  }
  expect(ours.filter(ofProgram("late")).map(comparable)).toEqual([
    "PROCESS_STATE_STARTING processname:late groupname:late from_state:STOPPED tries:0",
    "PROCESS_STATE_RUNNING processname:late groupname:late from_state:STARTING pid:N",
    "PROCESS_STATE_EXITED processname:late groupname:late from_state:RUNNING expected:0 pid:N",
  ]);
  // the header: supervisord's fields in its order; serials count up from 0, the pool's own too
  expect(Object.keys(ours[0]!.headers)).toEqual(["ver", "server", "serial", "pool", "poolserial", "eventname", "len"]);
  expect(ours.map((e) => [e.headers.ver, e.headers.server, e.headers.pool, Number(e.headers.len)])).toEqual(
    ours.map((e) => ["3.0", "tsvisor", "rec", Buffer.byteLength(e.payload)]),
  );
  expect(ours.map((e) => Number(e.headers.poolserial))).toEqual(ours.map((_, i) => i));
  // the listener's stderr is tsvisor's log, not the protocol
  await daemon.waitForLog(/rec \| got PROCESS_STATE_EXITED/);
}, 60_000);

// The listener's second argument makes it answer FAIL to the first event, or exit without answering.
test.each([
  ["answers FAIL", "PROCESS_STATE_RUNNING", /eventlistener rec: event \d+ was rejected/],
  ["dies with the event unanswered (it is started again)", "exit-once", /exited: eventlistener rec \(exit status 1\); starting it again in 1s/],
] as const)("a listener that %s gets the same event again", async (_what, mode, logged) => {
  using dir = tempDir();
  const record = join(dir.path, "events");
  await using daemon = Daemon.start(dir.path, `
[programs.web]
command = ["sleep", "60"]
startsecs = 0
[eventlisteners.rec]
command = [${JSON.stringify(LISTENER)}, ${JSON.stringify(record)}, "${mode}"]
events = ["PROCESS_STATE_RUNNING"]
`);
  const events = await waitFor(() => recorded(record).length >= 2 && recorded(record), "the event twice");
  expect(events.map((e) => [e.headers.eventname, e.headers.serial, e.headers.poolserial, e.payload])).toEqual([
    ["PROCESS_STATE_RUNNING", events[0]!.headers.serial, "0", events[0]!.payload],
    ["PROCESS_STATE_RUNNING", events[0]!.headers.serial, "0", events[0]!.payload],
  ]);
  expect(events[0]!.payload).toMatch(/^processname:web groupname:web from_state:STARTING pid:\d+$/);
  await daemon.waitForLog(logged);
});

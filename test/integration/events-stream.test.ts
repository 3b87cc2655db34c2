// `tsvisor events`: the recent events from the daemon's history, and with -f the new ones live.
import { expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { followProcessLog, processLogEventsConfig } from "./_events.ts";
import { Daemon, TSVISOR, tempDir, waitFor } from "./_harness.ts";

test("events -f prints the history, then streams new events as they happen, until the daemon exits", async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, `
[programs.web]
command = ["sleep", "60"]
startsecs = 0
[programs.other]
command = ["sleep", "60"]
startsecs = 0
`);
  await daemon.waitForSocket();
  await daemon.waitForLog(/success: web entered RUNNING/);
  const follower = Bun.spawn([TSVISOR, "events", "-f", "--json", "web"], {
    env: { ...process.env, TSVISOR_SOCKET: daemon.socket }, stdout: "pipe", stderr: "pipe",
  });
  const lines: string[] = [];
  const reading = (async () => {
    for await (const chunk of follower.stdout.pipeThrough(new TextDecoderStream())) lines.push(...chunk.split("\n").filter(Boolean));
  })();
  const transitions = () => lines.map((l) => JSON.parse(l)).map((e) => `${e.program} ${e.from_state}->${e.to_state}`);
  await waitFor(() => transitions().length === 2, "the history");
  expect(transitions()).toEqual(["web STOPPED->STARTING", "web STARTING->RUNNING"]);

  expect((await daemon.ctl(["stop", "web"])).exitCode).toBe(0);
  expect((await daemon.ctl(["stop", "other"])).exitCode).toBe(0); // not asked for: not streamed
  await waitFor(() => transitions().length === 4, "the stop, live");
  expect(transitions().slice(2)).toEqual(["web RUNNING->STOPPING", "web STOPPING->STOPPED"]);

  daemon.signal("SIGTERM");
  expect(await follower.exited).toBe(0);
  await reading;
  expect(await daemon.exited()).toBe(0);
});

test("events --type filters by type or class, as text; an unknown type is refused with the names to use", async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, `
[programs.web]
command = ["sleep", "60"]
startsecs = 0
`);
  await daemon.waitForSocket();
  await daemon.waitForLog(/success: web entered RUNNING/);
  const running = await daemon.ctl(["events", "--type", "PROCESS_STATE_RUNNING,SUPERVISOR_STATE_CHANGE"]);
  expect(running.stdout.replace(/^\S+ /gm, "T ").replace(/pid \d+/, "pid N")).toBe(
    "T SUPERVISOR_STATE_CHANGE_RUNNING\nT PROCESS_STATE_RUNNING web STARTING -> RUNNING pid N\n",
  );
  const bad = await daemon.ctl(["events", "--type", "PROCESS_STATE_FATLA"]);
  expect([bad.exitCode, bad.stderr]).toEqual([2, 'tsvisor: ERROR (no event type "PROCESS_STATE_FATLA"; use PROCESS_STATE_FATAL, PROCESS_STATE, EVENT, … (docs/events.md))\n']);
});

test("events -f prints non-ASCII output whole, wherever the socket's chunks cut a character", async () => {
  // The CLI decoded each chunk the socket gave it on its own: a character cut by a chunk boundary
  // became U+FFFD. Stopped while a burst of ~850 KB of events piles up (under the 1 MiB a follower may
  // lag), the follower then reads it in chunks whose boundaries fall mid-line now and then; a 4-byte
  // character is cut by 3 boundaries in 4. Three bursts, so that a cut is all but certain.
  using dir = tempDir();
  const bursts = 3;
  const lines = 2000;
  const text = "\u{1F600}".repeat(100); // 😀, 4 bytes in UTF-8
  const script = `while [ ! -e ${dir.path}/go.1 ]; do echo tick; sleep 0.1; done
for b in ${Array.from({ length: bursts }, (_, b) => b + 1).join(" ")}; do
  while [ ! -e ${dir.path}/go.$b ]; do sleep 0.05; done
  i=0; while [ $i -lt ${lines} ]; do i=$((i+1)); echo ${text}; done
  touch ${dir.path}/done.$b
done
exec sleep 1000`;
  await using daemon = Daemon.start(dir.path, processLogEventsConfig("faces", script));
  await daemon.waitForSocket();
  const follower = followProcessLog(daemon, "faces");
  const chunks: Uint8Array[] = [];
  const reading = (async () => {
    for await (const chunk of follower.stdout) chunks.push(chunk);
  })();
  const printed = () => Buffer.concat(chunks).toString("utf8");
  const whole = () => printed().split(text).length - 1;
  const broken = () => printed().split("\uFFFD").length - 1;
  try {
    await waitFor(() => printed().includes("PROCESS_LOG_STDOUT faces"), "the follower printing the program's ticks");
    for (let b = 1; b <= bursts; b++) {
      follower.kill("SIGSTOP");
      writeFileSync(join(dir.path, `go.${b}`), "");
      await waitFor(() => existsSync(join(dir.path, `done.${b}`)), `burst ${b} written`);
      follower.kill("SIGCONT");
      await waitFor(() => whole() + broken() >= b * lines, `burst ${b} printed`, 30_000);
    }
  } finally {
    follower.kill("SIGCONT");
  }
  daemon.signal("SIGTERM");
  expect(await follower.exited).toBe(0);
  await reading;
  expect({ whole: whole(), broken: broken() }).toEqual({ whole: bursts * lines, broken: 0 });
}, 60_000);

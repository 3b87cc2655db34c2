// `tsvisor events`: the recent events from the daemon's history, and with -f the new ones live.
import { expect, test } from "bun:test";
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

// [[hooks]]: a command gets the event JSON on stdin and TSVISOR_EVENT_* in its environment; a URL
// gets it POSTed (and again after a failure); a hook that hangs is killed at its timeout while
// supervision goes on.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Daemon, isAlive, readLines, tempDir, waitFor } from "./_harness.ts";

test("a command hook gets the event as JSON on stdin and as TSVISOR_EVENT_* variables", async () => {
  using dir = tempDir();
  const out = join(dir.path, "hook");
  await using daemon = Daemon.start(dir.path, `
[programs.crash]
command = ["sh", "-c", "sleep 0.3; exit 3"]
startsecs = 0.1
autorestart = false

[[hooks]]
on = ["PROCESS_STATE_EXITED"]
programs = ["crash"]
command = ["sh", "-c", "cat > ${out}.json; echo \\"$TSVISOR_EVENT_PROGRAM $TSVISOR_EVENT_EXIT_CODE $TSVISOR_EVENT_EXPECTED $TSVISOR_EVENT_REASON\\" > ${out}.env"]
`);
  const [env] = await waitFor(() => readLines(`${out}.env`).length > 0 && readLines(`${out}.env`), "the hook's output");
  expect(env).toBe("crash 3 false exit status 3; not expected");
  const event = JSON.parse(readFileSync(`${out}.json`, "utf8"));
  expect(event).toEqual({
    type: "PROCESS_STATE_EXITED", time: expect.any(Number), program: "crash", group: "crash", from_state: "RUNNING",
    to_state: "EXITED", pid: expect.any(Number), exit_code: 3, signal: null, expected: false,
    reason: "exit status 3; not expected", tries: null,
  });
  expect(Math.abs(event.time - Date.now())).toBeLessThan(60_000);
  expect(daemon.logLines(/hook failed/)).toEqual([]);
});

test("a URL hook POSTs the event to the server, and tries again after an error answer", async () => {
  const received: unknown[] = [];
  let answered = 0;
  using server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      received.push({ method: request.method, type: request.headers.get("content-type"), body: await request.json() });
      return new Response(null, { status: answered++ === 0 ? 503 : 204 });
    },
  });
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, `
[programs.web]
command = ["sleep", "60"]
startsecs = 0

[[hooks]]
on = ["PROCESS_STATE_RUNNING"]
url = "http://127.0.0.1:${server.port}/events"
timeout = 5
`);
  await waitFor(() => received.length >= 2, "the POST and its retry");
  const post = { method: "POST", type: "application/json", body: expect.objectContaining({ type: "PROCESS_STATE_RUNNING", program: "web", from_state: "STARTING" }) };
  expect(received).toEqual([post, post]);
  expect(daemon.logLines(/hook failed/)).toEqual([]);
});

test("a hook that hangs is killed at its timeout, and supervision carries on meanwhile", async () => {
  using dir = tempDir();
  const pidFile = join(dir.path, "hook.pid");
  const runs = join(dir.path, "runs");
  await using daemon = Daemon.start(dir.path, `
[programs.flaky]
command = ["sh", "-c", "echo run >> ${runs}; sleep 0.2; exit 1"]
startsecs = 0.1

[[hooks]]
on = ["PROCESS_STATE_EXITED"]
programs = ["flaky"]
command = ["sh", "-c", "echo $$ >> ${pidFile}; exec sleep 600"]
timeout = 3
`);
  const [firstHook] = await waitFor(() => readLines(pidFile).length > 0 && readLines(pidFile).map(Number), "the first hook");
  // while it hangs, flaky keeps being restarted
  await waitFor(() => readLines(runs).length >= 3, "restarts while the hook hangs");
  expect(isAlive(firstHook!)).toBe(true);
  await daemon.waitForLog(/hook failed: "sh -c .*" for PROCESS_STATE_EXITED: killed after its timeout of 3s/);
  await waitFor(() => !isAlive(firstHook!), "the hung hook to be gone");
  const status = await daemon.ctl(["status", "flaky"]);
  expect(status.exitCode).toBe(0);
  // hooks still hanging at shutdown are killed with tsvisor's exit, not left behind
  daemon.signal("SIGTERM");
  expect(await daemon.exited()).toBe(0);
  expect(readLines(pidFile).map(Number).filter(isAlive)).toEqual([]);
});

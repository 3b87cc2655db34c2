// Regression: tsvisor killed with SIGKILL (outside a PID namespace) left its programs running, orphaned.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { Daemon, isAlive, tempDir, waitFor } from "../../integration/_harness.ts";

test("programs die with a SIGKILLed tsvisor, even one that ignores SIGTERM", async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, `[programs.sleeper]
command = ["sleep", "100000"]
startsecs = 0
numprocs = 2
[programs.stubborn]
command = ["/bin/sh", "-c", "trap '' TERM INT HUP; echo ready; while :; do sleep 1; done"]
startsecs = 0
`);
  await daemon.waitForSocket();
  const pids = await waitFor(() => {
    const kids = readFileSync(`/proc/${daemon.proc.pid}/task/${daemon.proc.pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
    return kids.length >= 3 ? kids : undefined;
  }, "3 programs running");
  daemon.signal("SIGKILL");
  await daemon.proc.exited;
  await waitFor(() => pids.every((pid) => !isAlive(pid)), `programs ${pids.filter(isAlive).join(" ")} to be gone`, 5_000);
  expect(pids.filter(isAlive)).toEqual([]);
});

// Red team, 2026-12-05: event listeners were started without the parent-death signal and went on
// running after a SIGKILLed tsvisor, as did whatever they started.
test("an event listener dies with a SIGKILLed tsvisor too", async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, `[eventlisteners.quiet]
command = ["/bin/sh", "-c", "echo READY; exec sleep 100000"]
events = ["PROCESS_STATE"]
`);
  await daemon.waitForSocket();
  const listener = await waitFor(() => {
    const line = daemon.log.find((l) => /spawned: eventlistener quiet \(pid \d+\)/.test(l));
    return line ? Number(/pid (\d+)/.exec(line)![1]) : undefined;
  }, "the listener to be spawned");
  // the shell has exec'd sleep: the listener's own process is what must be gone
  await waitFor(() => readFileSync(`/proc/${listener}/cmdline`, "utf8").startsWith("sleep") || undefined, "the listener to be running sleep");
  daemon.signal("SIGKILL");
  await daemon.proc.exited;
  await waitFor(() => !isAlive(listener), `the listener (pid ${listener}) to be gone`, 5_000);
  expect(isAlive(listener)).toBe(false);
});

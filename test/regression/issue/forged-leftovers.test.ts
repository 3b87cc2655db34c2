// Regression (red-team F5): a program of another user stalled db's crash recovery, stops and tsvisor's
// shutdown by making orphans that carried TSVISOR_PROCESS_NAME=db in their environment: tsvisor took
// them for db's leftovers and waited for them to be gone, and new ones kept coming. Leftovers are now
// known by a random per-spawn mark on a process of the program's own user, and the wait is bounded.
import { afterAll, expect, test } from "bun:test";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Daemon, tempDir, waitFor } from "../../integration/_harness.ts";

// The forger forks for ever: kill everything of nobody's, a few times over (a fork may race a round).
afterAll(() => {
  for (let round = 0; round < 5; round++) Bun.spawnSync(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "kill", "-9", "-1"]);
});

test("orphans of nobody marked with a root program's name hold up neither its restarts nor tsvisor's exit", async () => {
  using dir = tempDir();
  chmodSync(dir.path, 0o755);
  const forger = join(dir.path, "forger.sh");
  // leaves its program's session with an empty environment, then makes an orphan marked db every 10 ms
  writeFileSync(forger, `#!/bin/sh
while :; do /usr/bin/env -i TSVISOR_PROCESS_NAME=db /bin/sh -c '/bin/sleep 0.5 &'; /bin/sleep 0.01; done
`);
  chmodSync(forger, 0o755);
  await using daemon = Daemon.start(dir.path, `
[programs.db]
command = ["sh", "-c", "sleep 1; exit 1"]
startsecs = 0
autorestart = true
stopwaitsecs = 1
startretries = 100

[programs.app]
command = ["sh", "-c", "setsid env -i ${forger} & exec sleep 100000"]
user = "nobody"
stopwaitsecs = 1
`);
  await daemon.waitForSocket();
  // the forger runs: orphans marked db appear below tsvisor from now on
  await waitFor(() => daemon.logLines(/spawned: app /).length > 0, "app spawned");
  // db crashes every second: it keeps being restarted, never held STOPPING by the forger's processes
  await waitFor(async () => daemon.logLines(/spawned: db /).length >= 4, `db restarted 3 times\n${daemon.log.join("\n")}`, 15_000);
  expect(daemon.logLines(/db ended .* left .* behind/)).toEqual([]);
  // tsvisor's exit is not held up either (app's own processes get SIGKILL after 1 s at worst)
  daemon.signal("SIGTERM");
  const started = Date.now();
  expect(await daemon.exited(20_000)).toBe(0);
  expect(Date.now() - started).toBeLessThan(15_000);
}, 60_000);

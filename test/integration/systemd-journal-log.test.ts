// tsvisor's own log lines under systemd: journald adds the time, so tsvisor does not; and when
// stderr is the journal stream, each line carries its syslog priority as "<N>".
import { expect, test } from "bun:test";
import { openSync, closeSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Daemon, TSVISOR, tempDir, waitFor } from "./_harness.ts";

const CONFIG = `
[programs.web]
command = ["sleep", "1000"]
startsecs = 0
[programs.flaky]
command = ["false"]
startsecs = 1
startretries = 0
`;

test("under a unit (INVOCATION_ID set) the lines have no timestamp", async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, CONFIG, { env: { INVOCATION_ID: "5f1c0ffee" } });
  expect(await daemon.waitForLog(/spawned: web/)).toMatch(/^INFO spawned: web \(pid \d+\)$/);
  expect(await daemon.waitForLog(/exited: flaky/)).toBe("WARN exited: flaky (exit status 1; not expected)");
});

test("when stderr is the journal stream (JOURNAL_STREAM = its device:inode) lines start with their priority", async () => {
  using dir = tempDir();
  const logFile = join(dir.path, "stderr");
  const configFile = join(dir.path, "tsvisor.toml");
  writeFileSync(configFile, CONFIG);
  writeFileSync(logFile, "");
  // What systemd puts in JOURNAL_STREAM, computed by coreutils rather than by tsvisor's own code.
  const identity = Bun.spawnSync(["stat", "-c", "%d:%i", logFile]).stdout.toString().trim();
  const fd = openSync(logFile, "a");
  const proc = Bun.spawn([TSVISOR, "run", "-c", configFile], {
    // its own socket: the default /run/tsvisor.sock may be held by another tsvisor on this machine
    env: { ...process.env, INVOCATION_ID: "5f1c0ffee", JOURNAL_STREAM: identity, TSVISOR_SOCKET: join(dir.path, "tsvisor.sock") },
    stdin: "ignore", stdout: "ignore", stderr: fd,
  });
  closeSync(fd);
  const lines = () => readFileSync(logFile, "utf8").split("\n");
  await waitFor(() => lines().some((l) => l.includes("gave up: flaky")), "flaky's FATAL line");
  proc.kill("SIGTERM");
  expect(await proc.exited).toBe(0);
  expect(lines().filter((l) => /spawned: web|exited: flaky|gave up: flaky/.test(l)).map((l) => l.replace(/\d+\)$/, "N)"))).toEqual([
    "<6>spawned: web (pid N)",
    "<4>exited: flaky (exit status 1; not expected)",
    "<3>gave up: flaky entered FATAL state, too many start retries too quickly",
  ]);
});

// Regression: #19 — a second tsvisor with another socket but the same log_dir started and wrote into
// the first one's log files.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { Daemon, runTsvisor, tempDir, writeConfig } from "../../integration/_harness.ts";

test("a second tsvisor on the same log_dir refuses to start and names the first; after the first ends, it starts", async () => {
  using dir = tempDir();
  const logs = join(dir.path, "logs");
  const program = `[programs.web]\ncommand = ["sleep", "1000"]\nstartsecs = 0\n[supervisor]\nlog_dir = "${logs}"\n`;
  const first = Daemon.start(dir.path, program);
  await first.waitForLog(/success: web entered RUNNING/);
  using other = tempDir();
  const config = writeConfig(other.path, program);
  const second = await runTsvisor(["run", "-c", config], { env: { TSVISOR_SOCKET: join(other.path, "tsvisor.sock") } });
  expect([second.exitCode, second.stderr]).toEqual([2,
    `tsvisor: log_dir ${logs} is in use by another tsvisor (pid ${first.proc.pid}): both would write into the same log files\nhint: give each tsvisor its own [supervisor] log_dir, or stop the other one first\n`]);
  expect((await first.status("web"))?.state).toBe("RUNNING");

  first.signal("SIGKILL"); // however the first ends, its lock goes with it
  await first.exited();
  await using third = Daemon.start(other.path, program);
  await third.waitForLog(/success: web entered RUNNING/);
});

// Regression: #19 — a second tsvisor with another socket but the same log_dir started and wrote into
// the first one's log files.
import { expect, test } from "bun:test";
import { chownSync, existsSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Daemon, runTsvisor, tempDir, waitFor, writeConfig } from "../../integration/_harness.ts";
import { NOBODY, runAsNobody, spawnAsNobody } from "../../integration/_nobody.ts";

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

// Regression (red team, 2026-12-07): another user who can write log_dir planted .tsvisor.lock as a
// symbolic link; tsvisor rightly did not follow it, and then ran with no lock and said nothing.
test("a link planted at the lock file's name is not followed; tsvisor runs without the lock and says so at WARN", async () => {
  using dir = tempDir();
  const logs = join(dir.path, "logs");
  mkdirSync(logs);
  chownSync(logs, NOBODY, NOBODY);
  const target = join(dir.path, "root-file");
  writeFileSync(target, "root's\n");
  const lock = join(logs, ".tsvisor.lock");
  expect((await runAsNobody(["ln", "-s", target, lock])).exitCode).toBe(0);
  await using daemon = Daemon.start(dir.path, `[programs.web]\ncommand = ["sleep", "1000"]\nstartsecs = 0\n[supervisor]\nlog_dir = "${logs}"\n`);
  await daemon.waitForLog(/success: web entered RUNNING/);
  expect([daemon.logLines(/tsvisor\.lock/).map((line) => line.replace(/^\S+ /, "")), readFileSync(target, "utf8"), lstatSync(lock).isSymbolicLink()]).toEqual([
    [`WARN log_dir ${logs}: unable to take its lock: refusing ${lock}: it is a symbolic link (to ${target}) owned by uid ${NOBODY}; running without it, so another tsvisor on this log_dir would not be refused and both would write into the same log files`],
    "root's\n",
    true,
  ]);
});

// Regression (red team, 2026-12-07): a user who made .tsvisor.lock and held its flock was reported as
// "another tsvisor (pid 1)", the pid being whatever they wrote in the file.
// (second red team, 2026-12-07: refusing to start there, as it first did, handed that user what the
// planted link above is denied: a way to keep tsvisor down.)
test("a lock held on a file another user made is said with that file's owner, and tsvisor runs on without it", async () => {
  using dir = tempDir();
  const logs = join(dir.path, "logs");
  mkdirSync(logs);
  chownSync(logs, NOBODY, NOBODY);
  const lock = join(logs, ".tsvisor.lock");
  // the shell keeps the locked fd 9 through its exec: the lock lasts as long as this process
  const holder = spawnAsNobody(["sh", "-c", `exec 9>>${lock} && flock 9 && echo 1 > ${lock} && exec sleep 1000`]);
  try {
    await waitFor(() => existsSync(lock) && readFileSync(lock, "utf8") === "1\n", `nobody's lock on ${lock}`);
    await using daemon = Daemon.start(dir.path, `[programs.web]\ncommand = ["sleep", "1000"]\nstartsecs = 0\n[supervisor]\nlog_dir = "${logs}"\n`);
    const warning = await daemon.waitForLog(/WARN log_dir .*: a process holds the lock/);
    expect(warning.replace(/^\S+ /, "")).toBe(`WARN log_dir ${logs}: a process holds the lock on ${lock}, but the file is owned by uid ${NOBODY} (nobody), not by tsvisor's user (it claims pid 1): not taken as another tsvisor's; running without the lock, so another tsvisor on this log_dir would not be refused`);
    await daemon.waitForLog(/success: web entered RUNNING/);
  } finally {
    holder.kill("SIGKILL");
    await holder.exited;
  }
});

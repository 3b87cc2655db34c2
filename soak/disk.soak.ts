// The log directory removed while programs log, and a full disk (a tiny tmpfs): tsvisor keeps
// supervising (programs RUNNING, the socket answering) and logs again, by itself, once the directory
// is recreated (tsvisor does it) or the disk has room. (test/integration/logs-full-disk.test.ts checks the dropped-line count.)
import { expect, test } from "bun:test";
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Daemon, tempDir, waitFor } from "../test/integration/_harness.ts";

const WRITER = `["/bin/sh", "-c", "while :; do echo line-of-output-$$; sleep 0.01; done"]`;

async function supervising(daemon: Daemon): Promise<void> {
  expect((await daemon.ctl(["check"])).exitCode).toBe(0);
  expect(daemon.proc.exitCode).toBeNull();
}

test("log directory removed while running: supervising goes on, logging resumes when it is back", async () => {
  using dir = tempDir();
  const logs = join(dir.path, "logs");
  await using daemon = Daemon.start(dir.path, `[supervisor]\nconsole = false\n[programs.w]\ncommand = ${WRITER}\nstartsecs = 0\nstdout_logfile_maxbytes = 0\n`);
  await daemon.waitForSocket();
  await waitFor(() => existsSync(join(logs, "w.out.log")) && statSync(join(logs, "w.out.log")).size > 0, "w logging");
  rmSync(logs, { recursive: true, force: true });
  // Within a second tsvisor sees that its open file lost its name and opens it again (recreating the
  // directory): no restart needed.
  await waitFor(() => existsSync(join(logs, "w.out.log")) && statSync(join(logs, "w.out.log")).size > 0, "w.out.log again", 10_000);
  await supervising(daemon);
}, 60_000);

test("disk full while programs log: supervising goes on, logging resumes when there is room", async () => {
  using dir = tempDir();
  const logs = join(dir.path, "logs");
  mkdirSync(logs);
  const mount = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", logs]);
  if (mount.exitCode !== 0) throw new Error(`mount tmpfs: ${mount.stderr}`);
  try {
    await using daemon = Daemon.start(dir.path, `[supervisor]\nconsole = false\n[programs.w]\ncommand = ${WRITER}\nstartsecs = 0\n`);
    await daemon.waitForSocket();
    // fill the rest of the disk
    try {
      writeFileSync(join(logs, "filler"), Buffer.alloc(512 * 1024));
    } catch {
      // ENOSPC: the disk is full, as wanted
    }
    await Bun.sleep(1_500);
    await supervising(daemon);
    const sizeWhenFull = statSync(join(logs, "w.out.log")).size;
    rmSync(join(logs, "filler"));
    await waitFor(() => statSync(join(logs, "w.out.log")).size > sizeWhenFull, "w.out.log to grow again once there is room", 20_000);
    await supervising(daemon);
    await daemon.ctl(["shutdown"]);
    await daemon.exited();
  } finally {
    Bun.spawnSync(["umount", "-l", logs]);
  }
}, 60_000);

// Regression (red team, 2026-12-07): `tsvisor logs` reads, with its caller's rights, the files the
// daemon on its socket names. A socket path in a directory others can write (supervisord's habit of
// /tmp/supervisor.sock) can be bound by another user first; root's `tsvisor logs app` then printed
// whatever that user's fake daemon named, /etc/shadow included. The daemon's word is now taken only
// from a process of root or of the caller's own user, as the kernel says who listens (SO_PEERCRED
// on the connection the request goes over); any other is not asked, and the config is read instead.
import { expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { NOBODY, spawnAsNobody } from "../../integration/_nobody.ts";
import { runTsvisor, tempDir } from "../../integration/_harness.ts";

setDefaultTimeout(30_000);

const FAKE_DAEMON = resolve(import.meta.dir, "../../fixtures/fake-daemon.ts");

// The fake's socket in a directory every user can write (sticky, as /tmp), beside root's secret file.
async function withFakeDaemon(body: (scene: { dir: string; socket: string; secret: string }) => Promise<void>): Promise<void> {
  expect(process.getuid?.()).toBe(0); // root is the one to protect; the fake daemon runs as nobody
  using dir = tempDir();
  const secret = join(dir.path, "secret");
  writeFileSync(secret, "ROOT-ONLY-SECRET\n", { mode: 0o600 });
  const shared = join(dir.path, "shared");
  mkdirSync(shared);
  chmodSync(dir.path, 0o755);
  chmodSync(shared, 0o1777);
  const socket = join(shared, "tsvisor.sock");
  const fake = spawnAsNobody([process.execPath, FAKE_DAEMON, socket, secret]);
  try {
    const reader = fake.stdout.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain("listening");
    await body({ dir: dir.path, socket, secret });
  } finally {
    fake.kill();
    await fake.exited;
  }
}

test("root's `tsvisor logs` does not read a file named by another user's process on its socket", async () => {
  await withFakeDaemon(async ({ dir, socket }) => {
    const { stdout, stderr, exitCode } = await runTsvisor(["logs", "--socket", socket, "app"], { cwd: dir });
    expect(stdout).not.toContain("ROOT-ONLY-SECRET");
    expect(exitCode).toBe(2);
    // why, in words: who listens there, and that its word is not taken
    expect(stderr).toContain(`the process listening at ${socket} (pid `);
    expect(stderr).toContain(`runs as uid ${NOBODY}, neither root nor you (uid 0)`);
  });
});

// The same fake said it was "tsvisor pid 1", and `tsvisor run` repeated it.
test("`tsvisor run` names who holds its socket path as the kernel says, not as the holder claims", async () => {
  await withFakeDaemon(async ({ dir, socket }) => {
    writeFileSync(join(dir, "tsvisor.toml"), `[supervisor]\nlog_dir = "${dir}/logs"\n[programs.app]\ncommand = ["sleep", "100"]\n`);
    const { stderr, exitCode } = await runTsvisor(["run", "-c", join(dir, "tsvisor.toml"), "--socket", socket], { cwd: dir });
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(new RegExp(`unable to bind ${socket}: in use by tsvisor pid (\\d+) \\(uid ${NOBODY}, not tsvisor's user\\)`));
    expect(stderr).not.toContain("pid 1 ");
  });
});

// (second red team, 2026-12-07) The same fake answered `check` and `status` with an empty result, and
// both crashed reading it (a stack trace, exit 1). A reply without its op's fields is not a tsvisor's.
test("`tsvisor check` and `status` say that what answers is not tsvisor, exit 2, instead of crashing", async () => {
  await withFakeDaemon(async ({ dir, socket }) => {
    for (const command of ["check", "status"]) {
      const { stderr, exitCode } = await runTsvisor([command, "--socket", socket], { cwd: dir });
      expect([command, exitCode, stderr]).toEqual([command, 2, `tsvisor: ${socket} answered something that is not a tsvisor reply: ${JSON.stringify(`{"v":1,"id":1,"ok":true,"result":{}}`)}\n`]);
    }
  });
});

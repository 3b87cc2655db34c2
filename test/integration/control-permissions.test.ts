// Who may use the control socket, and who may hold its path: owner-only by default, widened only
// by socket_mode/socket_owner; a live tsvisor's socket is never taken over, a stale one is replaced.
import { expect, test } from "bun:test";
import { lstatSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Daemon, TSVISOR, isAlive, tempDir, waitFor } from "./_harness.ts";
import { NOBODY, runAsNobody } from "./_nobody.ts";

const PROGRAM = `[programs.web]\ncommand = ["sleep", "1000"]\nstartsecs = 0\n`;

// `tsvisor ARGS` run as nobody (uid and gid 65534, no supplementary groups), as the issue asks.
const tsvisorAsNobody = (args: string[]) => runAsNobody([TSVISOR, ...args]);

test("these tests run as root: they switch to another user with setpriv", () => {
  expect(process.getuid?.()).toBe(0);
});

test("the socket is 0600 and owned by tsvisor's user; another user is refused", async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, PROGRAM);
  await daemon.waitForSocket();
  const stat = statSync(daemon.socket);
  expect([stat.isSocket(), stat.mode & 0o777, stat.uid]).toEqual([true, 0o600, 0]);
  const refused = await tsvisorAsNobody(["status", "--socket", daemon.socket]);
  expect([refused.stdout, refused.stderr.split("\n")[0], refused.exitCode]).toEqual([
    "", `tsvisor: cannot reach tsvisor at ${daemon.socket}: permission denied`, 2,
  ]);
});

test("socket_mode and socket_owner widen the socket on purpose", async () => {
  using dir = tempDir();
  const open = join(dir.path, "open.sock");
  await using daemon = Daemon.start(dir.path, `[supervisor]\nsocket_mode = "0660"\nsocket_owner = "root:${NOBODY}"\n${PROGRAM}`, { env: { TSVISOR_SOCKET: open } });
  await daemon.waitForSocket();
  const stat = statSync(open);
  expect([stat.mode & 0o777, stat.uid, stat.gid]).toEqual([0o660, 0, NOBODY]);
  const allowed = await tsvisorAsNobody(["check", "--socket", open]);
  expect(allowed).toEqual({ stdout: "ok: every process that should run is RUNNING (1 checked)\n", stderr: "", exitCode: 0 });
});

test("a second tsvisor on a live socket refuses to start and leaves the first alone", async () => {
  using dir = tempDir();
  await using first = Daemon.start(dir.path, PROGRAM);
  await first.waitForSocket();
  // its own log_dir, so that the socket (not the log directory's lock) is what it runs into
  await using second = Daemon.start(dir.path, `${PROGRAM}\n[supervisor]\nlog_dir = "${join(dir.path, "logs-2")}"\n`);
  expect(await second.exited()).toBe(2);
  expect(second.log.slice(0, 2)).toEqual([
    `tsvisor: fatal: unable to bind ${first.socket}: in use by tsvisor pid ${first.proc.pid}`,
    "hint: stop it first, or pass --socket PATH",
  ]);
  expect(second.logLines(/spawned:/)).toEqual([]);
  expect((await first.ctl(["check"])).exitCode).toBe(0);
});

test("a stale socket left by a killed process is replaced, and the log says so; a file that is not a socket is not", async () => {
  using dir = tempDir();
  const socket = join(dir.path, "tsvisor.sock");
  // A process that binds the path and dies by SIGKILL leaves the socket file behind with nobody on it.
  const holder = Bun.spawn([process.execPath, "-e", `Bun.listen({ unix: ${JSON.stringify(socket)}, socket: { data() {} } }); setInterval(() => {}, 1e6)`], {
    stdin: "ignore", stdout: "ignore", stderr: "inherit",
  });
  await waitFor(() => {
    try {
      return lstatSync(socket).isSocket();
    } catch {
      return false;
    }
  }, "the holder to bind");
  holder.kill("SIGKILL");
  await holder.exited;
  await using daemon = Daemon.start(dir.path, PROGRAM);
  await daemon.waitForSocket();
  expect((await daemon.ctl(["check"])).exitCode).toBe(0);
  expect(daemon.logLines(/took it over/)).toEqual([
    expect.stringContaining(`control socket ${socket}: took it over from an earlier tsvisor that is gone (a stale socket nobody listened on was removed)`),
  ]);
  await daemon[Symbol.asyncDispose]();
  expect(isAlive(daemon.proc.pid)).toBe(false);

  // a clean start on a free path says nothing of the kind
  await using clean = Daemon.start(dir.path, PROGRAM);
  await clean.waitForSocket();
  expect(clean.logLines(/took it over/)).toEqual([]);
  await clean[Symbol.asyncDispose]();

  writeFileSync(socket, "not a socket\n");
  await using refused = Daemon.start(dir.path, PROGRAM);
  expect(await refused.exited()).toBe(2);
  expect(refused.log[0]).toBe(`tsvisor: fatal: unable to bind ${socket}: the path exists and is not a socket`);
});

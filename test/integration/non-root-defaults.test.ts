// Regression: issue 15 item 10 — as a user other than root (`docker run --user 1000`, Kubernetes
// runAsNonRoot) with the config in a directory that user cannot write, tsvisor exited 2 at once: the
// default socket and log_dir were beside the config. Now the socket falls back to a private
// directory under /tmp or /dev/shm, the logs to /tmp's, and clients run as the same user find it.
import { afterEach, expect, test } from "bun:test";
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TSVISOR, collectLines, tempDir, waitFor } from "./_harness.ts";

// A uid no other test (or helper's run) uses at the same time: its private directories are its own.
const UID = 40_000 + (process.pid % 20_000);
const PRIVATE = [`/tmp/tsvisor-${UID}`, `/dev/shm/tsvisor-${UID}`];
const asUser = (argv: string[]) => ["setpriv", `--reuid=${UID}`, `--regid=${UID}`, "--clear-groups", ...argv];
// What a container's process has: no XDG_RUNTIME_DIR, no HOME of its own, the working directory "/".
const ENV = { PATH: process.env.PATH ?? "/usr/bin:/bin" };

afterEach(() => {
  for (const dir of PRIVATE) rmSync(dir, { recursive: true, force: true });
});

// DIR/etc/tsvisor.toml in a directory root owns (0755): the user can read the config, not write beside it.
function readOnlyConfig(dir: string): string {
  const etc = join(dir, "etc");
  mkdirSync(etc, { mode: 0o755 });
  chmodSync(etc, 0o755);
  const file = join(etc, "tsvisor.toml");
  writeFileSync(file, '[programs.hello]\ncommand = ["sh", "-c", "echo hello from uid $(id -u); exec sleep 100000"]\n');
  return file;
}

async function asUserToEnd(argv: string[]) {
  const proc = Bun.spawn(asUser(argv), { cwd: "/", env: ENV, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, exitCode };
}

function startAsUser(argv: string[]) {
  const proc = Bun.spawn(argv, { cwd: "/", env: ENV, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const log: string[] = [];
  const drained = collectLines(proc.stderr, log);
  void new Response(proc.stdout).text();
  return {
    proc, log,
    async stop() {
      proc.kill("SIGTERM");
      const code = await proc.exited;
      await drained;
      return code;
    },
    async [Symbol.asyncDispose]() {
      if (proc.exitCode === null) proc.kill("SIGKILL");
      await proc.exited;
    },
  };
}

test("as a user who cannot write beside the config: socket and logs in /tmp/tsvisor-UID, and status and check find it", async () => {
  using dir = tempDir();
  const file = readOnlyConfig(dir.path);
  await using daemon = startAsUser(asUser([TSVISOR, "run", "-c", file]));
  // the HEALTHCHECK's way: `tsvisor check`, no option, as the container's user
  const check = await waitFor(async () => {
    const r = await asUserToEnd([TSVISOR, "check"]);
    return r.exitCode === 0 ? r : undefined;
  }, `check to pass\n${daemon.log.join("\n")}`);
  const status = await asUserToEnd([TSVISOR, "status", "-c", file]);
  const outLog = join(PRIVATE[0]!, "logs/hello.out.log");
  await waitFor(() => existsSync(outLog) && readFileSync(outLog, "utf8").includes("hello"), "hello's log file");
  expect({
    check: check.stdout,
    status: [status.exitCode, /^hello\s+RUNNING\s/m.test(status.stdout)],
    log: readFileSync(outLog, "utf8"),
    files: readdirSync(PRIVATE[0]!).sort(),
    warning: daemon.log.filter((l) => / WARN /.test(l)),
    started: daemon.log.find((l) => l.includes(" starting with ")),
  }).toEqual({
    check: "ok: every process that should run is RUNNING (1 checked)\n",
    status: [0, true],
    log: `hello from uid ${UID}\n`,
    files: ["logs", "tsvisor.sock"],
    warning: [expect.stringContaining(`WARN log_dir: ${join(dir.path, "etc/logs")} does not exist and cannot be made: ${join(dir.path, "etc")} is not writable by this user (permission denied); the log files go to ${PRIVATE[0]}/logs`)],
    started: expect.stringContaining(`control socket ${PRIVATE[0]}/tsvisor.sock`),
  });
  expect(await daemon.stop()).toBe(0);
});

test("a /tmp/tsvisor-UID another user made first is left alone: the socket goes to /dev/shm, the log files are off (said once)", async () => {
  using dir = tempDir();
  const file = readOnlyConfig(dir.path);
  mkdirSync(PRIVATE[0]!, { mode: 0o777 });
  chmodSync(PRIVATE[0]!, 0o777);
  chownSync(PRIVATE[0]!, UID + 1, UID + 1);
  await using daemon = startAsUser(asUser([TSVISOR, "run", "-c", file]));
  const check = await waitFor(async () => {
    const r = await asUserToEnd([TSVISOR, "check"]);
    return r.exitCode === 0 ? r : undefined;
  }, `check to pass\n${daemon.log.join("\n")}`);
  expect({
    check: check.exitCode,
    planted: readdirSync(PRIVATE[0]!),
    shm: readdirSync(PRIVATE[1]!),
    warnings: daemon.log.filter((l) => / WARN /.test(l)).map((l) => l.replace(/^\S+ WARN /, "")),
  }).toEqual({
    check: 0,
    planted: [],
    shm: ["tsvisor.sock"],
    warnings: [expect.stringMatching(new RegExp(`^log files are off: no default log_dir can be written \\(.*; ${PRIVATE[0]} is owned by uid ${UID + 1}, not by uid ${UID}: someone else made it\\); the programs' output still reaches the console`))],
  });
  expect(await daemon.stop()).toBe(0);
});

test("with /tmp and /dev/shm read-only too, tsvisor exits 2 naming every place it tried and why", async () => {
  using dir = tempDir();
  const file = readOnlyConfig(dir.path);
  // a mount namespace of its own where /tmp and /dev/shm are read-only (as in `docker run --read-only` without --tmpfs, for /tmp)
  const readOnly = ["/tmp", "/dev/shm"].map((d) => `mount --bind ${d} ${d} && mount -o remount,bind,ro ${d}`).join(" && ");
  const proc = Bun.spawn(["unshare", "--mount", "sh", "-c", `${readOnly} && exec "$@"`, "sh", ...asUser([TSVISOR, "run", "-c", file])], {
    cwd: "/", env: ENV, stdin: "ignore", stdout: "pipe", stderr: "pipe",
  });
  const [stderr, exitCode] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  const etc = join(dir.path, "etc");
  expect([exitCode, stderr.split("\n").filter((l) => !l.includes(" WARN "))]).toEqual([2, [
    "tsvisor: no place to make the control socket in; tried:",
    `  ${etc}/tsvisor.sock: ${etc} is not writable by this user (permission denied)`,
    `  ${PRIVATE[0]}/tsvisor.sock: ${PRIVATE[0]} is on a read-only file system`,
    `  ${PRIVATE[1]}/tsvisor.sock: ${PRIVATE[1]} is on a read-only file system`,
    "hint: name a writable place with [supervisor] socket, --socket or TSVISOR_SOCKET, or give the container a writable /tmp (docker run --tmpfs /tmp)",
    "",
  ]]);
});

// tsvisor's own log lines under systemd: journald adds the time, so tsvisor does not; and when
// stderr is the journal stream, each line carries its syslog priority as "<N>".
import { expect, test } from "bun:test";
import { openSync, closeSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Daemon, TSVISOR, tempDir, waitFor, withLogDir } from "./_harness.ts";

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
  writeFileSync(configFile, withLogDir(CONFIG, join(dir.path, "logs")));
  writeFileSync(logFile, "");
  // What systemd puts in JOURNAL_STREAM, computed by coreutils rather than by tsvisor's own code.
  const identity = Bun.spawnSync(["stat", "-c", "%d:%i", logFile]).stdout.toString().trim();
  const fd = openSync(logFile, "a");
  const proc = Bun.spawn([TSVISOR, "run", "-c", configFile], {
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

// `tsvisor ARGS` with stderr a file that JOURNAL_STREAM names, as systemd's journal stream is named.
function withJournalStream(dir: string, name: string, args: string[], env: Record<string, string> = {}) {
  const file = join(dir, name);
  writeFileSync(file, "");
  const identity = Bun.spawnSync(["stat", "-c", "%d:%i", file]).stdout.toString().trim();
  const fd = openSync(file, "a");
  const proc = Bun.spawn([TSVISOR, ...args], {
    env: { ...process.env, INVOCATION_ID: "5f1c0ffee", JOURNAL_STREAM: identity, ...env }, stdin: "ignore", stdout: "ignore", stderr: fd,
  });
  closeSync(fd);
  return { proc, lines: () => readFileSync(file, "utf8").split("\n").filter(Boolean) };
}

const BROKEN = `
[programs.web]
command = ["sleep", "1000"]
stopsignal = "TREM"
`;

// Regression: issue 15 item 15 — journald got the reason of a config error at info priority: only a
// message's first line carried "<3>", and a failing command's own "tsvisor: …" lines none.
test("a config error at start: exit 2, every line of the error at error priority", async () => {
  using dir = tempDir();
  const file = join(dir.path, "tsvisor.toml");
  writeFileSync(file, withLogDir(BROKEN, join(dir.path, "logs")));
  const run = withJournalStream(dir.path, "stderr", ["run", "-c", file], { TSVISOR_SOCKET: join(dir.path, "tsvisor.sock") });
  expect(await run.proc.exited).toBe(2);
  expect(run.lines().filter((l) => !l.startsWith("<3>"))).toEqual([]);
  expect(run.lines().join("\n")).toMatch(/<3>tsvisor: .*tsvisor\.toml:4:14: programs\.web\.stopsignal: unknown signal "TREM"/);
});

test("`systemctl reload` with a broken config: the unit's ExecReload (`tsvisor reload -c FILE`) exits 2 with the reason, every line at error priority", async () => {
  using dir = tempDir();
  const file = join(dir.path, "tsvisor.toml");
  // The socket comes from the config, as under the unit: ExecStart and ExecReload both read it.
  const good = `[supervisor]\nsocket = "${join(dir.path, "tsvisor.sock")}"\n${CONFIG}`;
  writeFileSync(file, withLogDir(good, join(dir.path, "logs")));
  const daemon = withJournalStream(dir.path, "daemon", ["run", "-c", file]);
  await using _ = { async [Symbol.asyncDispose]() { daemon.proc.kill("SIGKILL"); await daemon.proc.exited; } };
  await waitFor(() => daemon.lines().some((l) => l.includes("spawned: web")), "web to start");
  writeFileSync(file, withLogDir(good.replace('command = ["false"]', 'command = ["false"]\nstopsignal = "TREM"'), join(dir.path, "logs")));
  const reload = withJournalStream(dir.path, "reload", ["reload", "-c", file]);
  expect(await reload.proc.exited).toBe(2);
  expect([reload.lines().filter((l) => !l.startsWith("<3>")), reload.lines().some((l) => l.includes('unknown signal "TREM"'))]).toEqual([[], true]);
  // SIGHUP has no client to answer: the daemon logs the rejection, each line at error priority too.
  daemon.proc.kill("SIGHUP");
  await waitFor(() => daemon.lines().some((l) => l.includes("reload rejected")), "the daemon's log of the rejection");
  expect(daemon.lines().filter((l) => !/^<\d>/.test(l))).toEqual([]); // the diagnostics' lines too
  daemon.proc.kill("SIGTERM");
  expect(await daemon.proc.exited).toBe(0); // nothing changed: web ran on
});

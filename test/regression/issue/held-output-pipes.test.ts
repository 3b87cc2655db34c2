// Regression (red team F2, 2026-12-05): a program of a less privileged user handed its stdout and
// stderr to a helper that left its session with an empty environment (so no spawn mark: not stopped
// as left behind), then exited. tsvisor reads a pipe while anything can write to it, so every restart
// cost it two descriptors for good: 482 restarts took it to 989 of 1,024 in 5 s. It now reads the
// pipes of at most 3 past starts and closes the oldest past that, saying so in its log; and a reload
// that changes or removes the program closes them all (red team, 2026-12-06: each reload left
// 2 × numprocs pipes read by no one, until spawns were refused).
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, mkdirSync, readFileSync, readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { Daemon, tempDir, waitFor, writeConfig } from "../../integration/_harness.ts";

setDefaultTimeout(60_000);

// The helpers' unusual sleep, by which the test finds them (and kills them: they are nobody's).
const HELPER_SLEEP = "613";
afterAll(() => {
  for (let round = 0; round < 3; round++) Bun.spawnSync(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "kill", "-9", "-1"]);
});

// The pipes a process holds open, by inode ("pipe:[123]").
function pipesOf(pid: number): string[] {
  const fds = join("/proc", String(pid), "fd");
  const links = readdirSync(fds).map((fd) => {
    try {
      return readlinkSync(join(fds, fd));
    } catch {
      return ""; // closed since the listing
    }
  });
  return links.filter((link) => link.startsWith("pipe:"));
}

function helperPids(): number[] {
  return readdirSync("/proc").filter((entry) => /^\d+$/.test(entry)).map(Number).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8") === `sleep\0${HELPER_SLEEP}\0`;
    } catch {
      return false;
    }
  });
}

test("a program that leaves its pipes with a helper on every start holds at most 3 past starts' pipes open in tsvisor", async () => {
  using dir = tempDir();
  chmodSync(dir.path, 0o755);
  const counts = join(dir.path, "counts");
  mkdirSync(counts, { mode: 0o777 });
  chmodSync(counts, 0o777); // past the umask: the program, as nobody, counts its starts there
  const starts = 20;
  await using daemon = Daemon.start(dir.path, `
[programs.hoarder]
command = ["sh", "-c", "echo started; env -i setsid sleep ${HELPER_SLEEP} & echo x >> ${counts}/starts; [ $(wc -l < ${counts}/starts) -ge ${starts} ] && exit 0; exit 1"]
user = "nobody"
startsecs = 0
autorestart = "unexpected"
exitcodes = [0]
backoff_delay = 0
console = false
# The attack needs no such setting: its helper has cleared the spawn mark before the program exits.
# Here the helper is started in the background as the program exits, and could be caught and stopped
# as left behind while it still carries the mark; the test wants every helper to live.
stop_descendants = false
`);
  await daemon.waitForLog(/exited: hoarder \(exit status 0; expected\)/, 30_000);
  // The last start's helper is forked as its shell exits, so it may not be a `sleep` yet when the exit
  // is logged (CI, 2026-12-06: 19 helpers of 20 seen).
  await waitFor(() => helperPids().length >= starts, "the last start's helper");
  const helpers = helperPids();
  const heldByHelpers = new Set(helpers.flatMap(pipesOf));
  const heldByTsvisor = pipesOf(daemon.proc.pid).filter((pipe) => heldByHelpers.has(pipe));
  const closings = daemon.logLines(/log: hoarder: closing the output pipes of an earlier start \(pid \d+\)/).length;
  const lines = readFileSync(join(dir.path, "logs", "hoarder.out.log"), "utf8").split("\n").filter((line) => line === "started").length;
  // Every start's own line is in the file. Each start after the 4th closed the pipes of the one 4
  // before it, so those of the last 4 (the last one and 3 past ones) are read: 8, stdout and stderr
  // each, where they were 2 per start.
  expect({ helpers: helpers.length, heldByTsvisor: heldByTsvisor.length, closings, lines }).toEqual({
    helpers: starts, heldByTsvisor: 8, closings: starts - 4, lines: starts,
  });
});

test("a reload that changes or removes such a program closes the pipes its helpers hold", async () => {
  using dir = tempDir();
  const config = (generation: number) => `
[programs.hoarder]
command = ["sh", "-c", "echo started; env -i setsid sleep ${HELPER_SLEEP} & exit 0"]
user = "nobody"
startsecs = 0
autorestart = false
stop_descendants = false  # as above: every helper lives
environment = { GENERATION = "${generation}" }
`;
  await using daemon = Daemon.start(dir.path, config(0));
  const reloads = 5;
  for (let generation = 1; generation <= reloads; generation++) {
    await daemon.waitForLog(/exited: hoarder \(exit status 0; expected\)/);
    await waitFor(() => helperPids().length >= generation, `helper ${generation}`);
    writeConfig(dir.path, config(generation));
    expect((await daemon.ctl(["reload"])).stdout).toBe("hoarder: changed\n");
  }
  await waitFor(() => daemon.logLines(/exited: hoarder /).length > reloads, "the last start's exit");
  await waitFor(() => helperPids().length > reloads, "the last start's helper");
  writeConfig(dir.path, "");
  expect((await daemon.ctl(["reload"])).stdout).toBe("hoarder: removed\n");
  const helpers = helperPids();
  const heldByHelpers = new Set(helpers.flatMap(pipesOf));
  // Each reload closed the pipes of the start it replaced, the last one those of the last start: 0,
  // where each reload left 2 behind.
  expect({
    helpers: helpers.length,
    heldByTsvisor: pipesOf(daemon.proc.pid).filter((pipe) => heldByHelpers.has(pipe)).length,
    closings: daemon.logLines(/log: hoarder: closing the output pipes of an earlier start \(pid \d+\): it has exited, but what it left behind still holds them open;/).length,
  }).toEqual({ helpers: reloads + 1, heldByTsvisor: 0, closings: reloads + 1 });
});

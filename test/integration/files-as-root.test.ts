// Files tsvisor writes or reads as root never follow a link that another user could have planted
// (docs/security.md, "Files tsvisor writes or reads as root"). The attacker is a program run as
// nobody whose log directory it can write; the prize is a root-only file next to it.
// (The regression: a program as nobody swapped its log for a link to a root 0600 file, and within
// ~2 s tsvisor had chowned that file to nobody and was appending to it; `tsvisor logs` and the HTTP
// API printed a backup that was a link to a root file.)
import { expect, test } from "bun:test";
import { chownSync, lchownSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Daemon, freePort, readLines, runTsvisor, tempDir, waitFor } from "./_harness.ts";
import { runAsNobody } from "./_nobody.ts";

const NOBODY = 65534;
const SECRET = "root's secret, mode 0600\n";

test("these tests run as root: the attacking program runs as nobody", () => {
  expect(process.getuid?.()).toBe(0);
});

// DIR/app, writable by nobody (the program's own directory), and DIR/rootfile, root's and 0600.
function scene(dir: string): { app: string; rootfile: string } {
  const app = join(dir, "app");
  mkdirSync(app);
  chownSync(app, NOBODY, NOBODY);
  const rootfile = join(dir, "rootfile");
  writeFileSync(rootfile, SECRET, { mode: 0o600 });
  return { app, rootfile };
}

// A link as nobody would make it: owned by nobody.
function plantLink(target: string, at: string): void {
  symlinkSync(target, at);
  lchownSync(at, NOBODY, NOBODY);
}

const rootfileState = (path: string) => {
  const stat = statSync(path);
  return { uid: stat.uid, mode: (stat.mode & 0o777).toString(8), content: readFileSync(path, "utf8") };
};

test("a program as nobody that swaps its log for a link to a root file: the file keeps its owner and content, the lines are dropped and counted", async () => {
  using dir = tempDir();
  const { app, rootfile } = scene(dir.path);
  await using daemon = Daemon.start(dir.path, `[supervisor]
console = false
[programs.app]
command = ["sh", "-c", "echo before; sleep 0.3; rm -f ${app}/out.log; ln -s ${rootfile} ${app}/out.log; while :; do echo pwned; sleep 0.05; done"]
user = "nobody"
stdout_logfile = "${app}/out.log"
startsecs = 0
`);
  // tsvisor looks for a lost name once a second; several seconds of lines must all be dropped
  await waitFor(async () => ((await daemon.status("app"))?.dropped_log_lines ?? 0) >= 40, "40 of the program's lines dropped and counted", 10_000).catch(() => {});
  expect({
    rootfile: rootfileState(rootfile),
    dropped: ((await daemon.status("app"))?.dropped_log_lines ?? 0) >= 40,
    toldOnce: daemon.logLines(/log: app stdout .*out\.log: can't open: refusing .*out\.log: it is a symbolic link \(to .*rootfile\) owned by uid 65534; dropping lines/).length,
    link: lstatSync(join(app, "out.log")).isSymbolicLink(),
  }).toEqual({ rootfile: { uid: 0, mode: "600", content: SECRET }, dropped: true, toldOnce: 1, link: true });
});

// A daemon whose program, as nobody, runs `plant` (a shell command putting something at its first
// backup's name) and then says so in its log; `sections`: more of the config (an [http] table).
async function plantingBackup(dir: string, app: string, plant: string, sections = ""): Promise<Daemon> {
  const daemon = Daemon.start(dir, `[supervisor]
console = false
${sections}[programs.app]
command = ["sh", "-c", "${plant}; echo planted; exec sleep 1000"]
user = "nobody"
stdout_logfile = "${app}/out.log"
stdout_logfile_backups = 3
startsecs = 0
`);
  try {
    await waitFor(() => readLines(join(app, "out.log")).includes("planted"), "the program's line in out.log");
  } catch (error) {
    await daemon[Symbol.asyncDispose](); // not the caller's yet
    throw error;
  }
  return daemon;
}

test("a backup planted as a link to a root file is refused by `tsvisor logs` and by the HTTP API, and nothing of it is shown", async () => {
  using dir = tempDir();
  const { app, rootfile } = scene(dir.path);
  const port = freePort();
  await using daemon = await plantingBackup(dir.path, app, `ln -s ${rootfile} ${app}/out.log.1`, `[http]
listen = "127.0.0.1:${port}"
token = "a-token-of-20-chars!"
`);
  const logs = await runTsvisor(["logs", "app", "-n", "100", "-c", join(dir.path, "tsvisor.toml")]);
  const http = await fetch(`http://127.0.0.1:${port}/api/v1/programs/app/logs?lines=100`, { headers: { authorization: "Bearer a-token-of-20-chars!" } });
  const body = await http.text();
  const refused = `refusing ${app}/out.log.1: it is a symbolic link (to ${rootfile}) owned by uid 65534`;
  expect({
    logs: [logs.stdout, logs.stderr.split("\n")[0], logs.exitCode],
    http: [http.status, JSON.parse(body).error.code, JSON.parse(body).error.message],
    leaked: (logs.stdout + logs.stderr + body).includes("secret"),
  }).toEqual({
    logs: ["", `tsvisor: ${refused}`, 1],
    http: [404, "NO_LOG", refused],
    leaked: false,
  });
});

// (red team, 2026-12-07: the hint was the one for links, "tsvisor follows a link only when root ...")
test("a backup planted as a named pipe is refused by `tsvisor logs` with a hint about what a backup must be", async () => {
  using dir = tempDir();
  const { app } = scene(dir.path);
  await using daemon = await plantingBackup(dir.path, app, `mkfifo ${app}/out.log.1`);
  const logs = await runTsvisor(["logs", "app", "-n", "100", "-c", join(dir.path, "tsvisor.toml")]);
  expect([logs.stdout, logs.stderr.split("\n").slice(0, 2), logs.exitCode]).toEqual(["", [
    `tsvisor: refusing ${app}/out.log.1: it is a pipe or a device, not a rotated log file`,
    "hint: a log, its backups and a file tsvisor reads must be regular files with one name: remove what is there (a log file tsvisor then makes itself)",
  ], 1]);
});

test("a log directory swapped for a link to a root-only directory: nothing is created there, the lines are dropped and counted", async () => {
  using dir = tempDir();
  const { app } = scene(dir.path);
  const sub = join(app, "sub");
  mkdirSync(sub);
  chownSync(sub, NOBODY, NOBODY);
  const rootdir = join(dir.path, "rootdir");
  mkdirSync(rootdir, { mode: 0o700 });
  await using daemon = Daemon.start(dir.path, `[supervisor]
console = false
[programs.app]
command = ["sh", "-c", "echo before; sleep 0.3; rm -rf ${sub}; ln -s ${rootdir} ${sub}; while :; do echo pwned; sleep 0.05; done"]
user = "nobody"
stdout_logfile = "${sub}/out.log"
startsecs = 0
`);
  await waitFor(async () => ((await daemon.status("app"))?.dropped_log_lines ?? 0) >= 40, "40 of the program's lines dropped and counted", 10_000).catch(() => {});
  expect({
    rootdir: readdirSync(rootdir),
    dropped: ((await daemon.status("app"))?.dropped_log_lines ?? 0) >= 40,
    told: daemon.logLines(/can't open: refusing .*\/app\/sub: it is a symbolic link \(to .*rootdir\) owned by uid 65534/).length,
  }).toEqual({ rootdir: [], dropped: true, told: 1 });
});

test("tsvisor.log planted as a link in a log_dir that nobody can write: not written through, tsvisor says so and runs on", async () => {
  using dir = tempDir();
  const { rootfile } = scene(dir.path);
  const logDir = join(dir.path, "logs");
  mkdirSync(logDir);
  chownSync(logDir, NOBODY, NOBODY);
  plantLink(rootfile, join(logDir, "tsvisor.log"));
  await using daemon = Daemon.start(dir.path, `[supervisor]\nlog_dir = "${logDir}"\n[programs.quiet]\ncommand = ["sleep", "1000"]\nstartsecs = 0\n`);
  await daemon.waitForLog(/success: quiet entered RUNNING/);
  expect({
    rootfile: rootfileState(rootfile),
    warned: daemon.logLines(/WARN log: .*tsvisor\.log: can't open: refusing .*tsvisor\.log: it is a symbolic link \(to .*rootfile\) owned by uid 65534/).length,
    check: (await daemon.ctl(["check"])).exitCode,
  }).toEqual({ rootfile: { uid: 0, mode: "600", content: SECRET }, warned: 1, check: 0 });
});

test("a control socket whose directory is a link nobody planted: tsvisor refuses to start, and binds and chmods nothing there", async () => {
  using dir = tempDir();
  const { app } = scene(dir.path);
  const rootdir = join(dir.path, "rootdir");
  mkdirSync(rootdir, { mode: 0o700 });
  plantLink(rootdir, join(app, "run"));
  const socket = join(app, "run", "tsvisor.sock");
  await using daemon = Daemon.start(dir.path, `[supervisor]\nsocket_mode = "0666"\n[programs.quiet]\ncommand = ["sleep", "1000"]\n`, { env: { TSVISOR_SOCKET: socket } });
  const code = await daemon.exited();
  expect({
    code,
    said: daemon.logLines(new RegExp(`unable to bind ${socket}: refusing ${app}/run: it is a symbolic link \\(to ${rootdir}\\) owned by uid 65534`)).length,
    rootdir: readdirSync(rootdir),
  }).toEqual({ code: 2, said: 1, rootdir: [] });
});

// (The regression, red-team finding F6: in a log directory nobody can write, `rm secret.out.log
// tsvisor.log; touch …; chmod 644` and within a second root's program output and tsvisor's own lines
// went into nobody's files: tsvisor reopened the lost name and took whatever file was there.)
test("a log_dir nobody can write: files nobody puts at root's log names are not written; tsvisor says so, counts the lines and makes its own once the name is free", async () => {
  using dir = tempDir();
  const logs = join(dir.path, "logs");
  mkdirSync(logs);
  chownSync(logs, NOBODY, NOBODY);
  await using daemon = Daemon.start(dir.path, `[supervisor]
console = false
log_dir = "${logs}"
[programs.secret]
command = ["sh", "-c", "while :; do echo root-only; sleep 0.05; done"]
startsecs = 0
[programs.app]
command = ["sleep", "100000"]
user = "nobody"
startsecs = 0
`);
  await waitFor(() => readLines(join(logs, "secret.out.log")).includes("root-only"), "secret's first line");
  const plant = await runAsNobody(["sh", "-c", `cd ${logs} && rm -f secret.out.log tsvisor.log && touch secret.out.log tsvisor.log && chmod 644 secret.out.log tsvisor.log`]);
  expect(plant.exitCode).toBe(0);
  await daemon.ctl(["restart", "app"]); // something for tsvisor.log to say
  await waitFor(async () => ((await daemon.status("secret"))?.dropped_log_lines ?? 0) >= 20, "20 of secret's lines dropped and counted", 10_000).catch(() => {});
  await daemon.ctl(["restart", "app"]); // more than a second later: tsvisor.log has looked for its name
  const planted = (file: string) => ({ uid: statSync(join(logs, file)).uid, size: statSync(join(logs, file)).size });
  const whilePlanted = {
    secretLog: planted("secret.out.log"),
    tsvisorLog: planted("tsvisor.log"),
    dropped: ((await daemon.status("secret"))?.dropped_log_lines ?? 0) >= 20,
    told: daemon.logLines(/log: secret stdout .*secret\.out\.log: can't open: refusing .*secret\.out\.log: it is owned by uid 65534, not by root/).length,
  };
  // the name freed: tsvisor makes a file of its own there and writes again
  await runAsNobody(["rm", "-f", join(logs, "secret.out.log")]);
  await waitFor(() => readLines(join(logs, "secret.out.log")).includes("root-only"), "secret's lines in a new file", 10_000).catch(() => {});
  expect({
    whilePlanted,
    after: { uid: statSync(join(logs, "secret.out.log")).uid, writing: readLines(join(logs, "secret.out.log")).includes("root-only") },
  }).toEqual({
    whilePlanted: { secretLog: { uid: NOBODY, size: 0 }, tsvisorLog: { uid: NOBODY, size: 0 }, dropped: true, told: 1 },
    after: { uid: 0, writing: true },
  });
});

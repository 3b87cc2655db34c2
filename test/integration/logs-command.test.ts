// Regression: issue 15 item 5 — `tsvisor logs web` in an ops shell needed the config file, and failed
// where `status` worked (tsvisor started with `-c /app/x.toml`, only the socket known). With a daemon
// reachable, the log paths now come from it; a program's instances, several names or `all` are one
// stream, each line prefixed; -f follows all of them.
import { expect, test } from "bun:test";
import { appendFileSync, mkdirSync, renameSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Daemon, TSVISOR, readLines, runTsvisor, tempDir, waitFor } from "./_harness.ts";
import { runAsNobody } from "./_nobody.ts";

const WEB = `
[programs.web]
command = ["sh", "-c", "echo \\"web says hi from $TSVISOR_PROCESS_NAME\\"; exec sleep 100000"]
numprocs = 2
startsecs = 0
[programs.api]
command = ["sh", "-c", "echo api is up; exec sleep 100000"]
startsecs = 0
`;

// An ops shell: `docker exec CONTAINER tsvisor …` in the image's WORKDIR, which holds another app's
// tsvisor.toml (so a config read there would name other files), knowing only the daemon's socket.
function opsShell(daemon: Daemon): { run(args: string[]): ReturnType<typeof runTsvisor>; [Symbol.dispose](): void } {
  const cwd = join(daemon.dir, "workdir");
  mkdirSync(cwd, { recursive: true });
  writeFileSync(join(cwd, "tsvisor.toml"), `[supervisor]\nlog_dir = "elsewhere"\n${WEB}`);
  return {
    run: (args) => runTsvisor(args, { cwd, env: { TSVISOR_SOCKET: daemon.socket } }),
    [Symbol.dispose]: () => rmSync(cwd, { recursive: true, force: true }),
  };
}

test("in an ops shell that knows only the socket, `tsvisor logs NAME` reads the files the running tsvisor writes", async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, WEB);
  await waitFor(() => readLines(join(dir.path, "logs/api.out.log")).length > 0, "api's line in its log");
  using shell = opsShell(daemon);
  expect(await shell.run(["logs", "api"])).toEqual({ stdout: "api is up\n", stderr: "", exitCode: 0 });
  // a name the daemon does not know is named as such, whatever the config in the working directory says
  expect(await shell.run(["logs", "nope"])).toEqual({
    stdout: "", stderr: `tsvisor: no process named "nope" in the running tsvisor (at ${daemon.socket})\nhint: tsvisor status lists them\n`, exitCode: 2,
  });
});

test("a program's instances, several names and `all`: one stream, every line prefixed with its process's name", async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, WEB);
  for (const name of ["web-0", "web-1", "api"]) await waitFor(() => readLines(join(dir.path, `logs/${name}.out.log`)).length > 0, `${name}'s line`);
  using shell = opsShell(daemon);
  // without timestamps each log's lines stay together, the log written to last comes last
  appendFileSync(join(dir.path, "logs/web-0.out.log"), "web-0 again\n");
  // written to in this order, seconds apart (the kernel's file times are a few ms coarse)
  for (const [i, name] of ["api", "web-1", "web-0"].entries()) utimesSync(join(dir.path, `logs/${name}.out.log`), 1_000_000 + i, 1_000_000 + i);
  const results = await Promise.all([["logs", "web"], ["logs", "web-1", "api", "-n", "1"], ["logs", "all"], ["logs", "web:*", "--stderr"]].map((args) => shell.run(args)));
  expect(results).toEqual([
    { stdout: "web-1 | web says hi from web-1\nweb-0 | web says hi from web-0\nweb-0 | web-0 again\n", stderr: "", exitCode: 0 },
    { stdout: "api | api is up\nweb-1 | web says hi from web-1\n", stderr: "", exitCode: 0 },
    { stdout: "api | api is up\nweb-1 | web says hi from web-1\nweb-0 | web says hi from web-0\nweb-0 | web-0 again\n", stderr: "", exitCode: 0 },
    { stdout: "", stderr: "", exitCode: 0 },
  ]);
});

test("with log_timestamps the lines of several logs are merged by their time", async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, `
[supervisor]
log_timestamps = true
[programs.ping]
command = ["sh", "-c", "while :; do if [ -e ${dir.path}/turn-ping ]; then rm ${dir.path}/turn-ping; echo ping; fi; sleep 0.01; done"]
startsecs = 0
[programs.pong]
command = ["sh", "-c", "while :; do if [ -e ${dir.path}/turn-pong ]; then rm ${dir.path}/turn-pong; echo pong; fi; sleep 0.01; done"]
startsecs = 0
`);
  await daemon.waitForSocket();
  // ping, pong, ping, pong: each line written only once the one before it is in its file
  for (const [i, who] of ["ping", "pong", "ping", "pong"].entries()) {
    writeFileSync(join(dir.path, `turn-${who}`), "");
    const count = Math.floor(i / 2) + 1;
    await waitFor(() => readLines(join(dir.path, `logs/${who}.out.log`)).length === count, `${who} line ${count}`);
  }
  const { stdout, exitCode } = await daemon.ctl(["logs", "ping", "pong"]);
  expect([exitCode, stdout.split("\n").filter(Boolean).map((l) => l.replace(/ \S+Z /, " "))]).toEqual([0, ["ping | ping", "pong | pong", "ping | ping", "pong | pong"]]);
});

test("-f follows every instance across a rotation, each new line prefixed once it is whole", async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, WEB);
  for (const name of ["web-0", "web-1"]) await waitFor(() => readLines(join(dir.path, `logs/${name}.out.log`)).length > 0, `${name}'s line`);
  using shell = opsShell(daemon);
  const proc = Bun.spawn([TSVISOR, "logs", "web", "-f", "-n", "1"], { cwd: join(dir.path, "workdir"), env: { ...process.env, TSVISOR_SOCKET: daemon.socket }, stdout: "pipe", stderr: "pipe" });
  await using _ = { async [Symbol.asyncDispose]() { proc.kill(); await proc.exited; } };
  let out = "";
  void (async () => { for await (const chunk of proc.stdout) out += new TextDecoder().decode(chunk); })();
  // the files are the daemon's; lines appended to them stand for the programs writing
  const log = (name: string) => join(dir.path, `logs/${name}.out.log`);
  // the last line of each printed: -f has opened both, and follows them from there
  await waitFor(() => out.includes("web-0 | web says hi from web-0\n") && out.includes("web-1 | web says hi from web-1\n"), `the last lines\n${out}`);
  appendFileSync(log("web-0"), "zero one\nzero ha");
  await waitFor(() => out.includes("web-0 | zero one\n"), `web-0's line\n${out}`);
  appendFileSync(log("web-0"), "lf\n");
  renameSync(log("web-1"), `${log("web-1")}.1`); // a rotation: the rest of the old file, then the new one
  appendFileSync(`${log("web-1")}.1`, "one before\n");
  writeFileSync(log("web-1"), "one after\n");
  await waitFor(() => out.includes("web-1 | one after\n"), `web-1 across its rotation\n${out}`);
  expect(out.split("\n").filter(Boolean).sort()).toEqual([
    "web-0 | web says hi from web-0", "web-0 | zero half", "web-0 | zero one", "web-1 | one after", "web-1 | one before", "web-1 | web says hi from web-1",
  ]);
});

test("with the daemon stopped the config says where the logs are: the same stream", async () => {
  using dir = tempDir();
  const daemon = Daemon.start(dir.path, WEB);
  for (const name of ["web-0", "web-1"]) await waitFor(() => readLines(join(dir.path, `logs/${name}.out.log`)).length > 0, `${name}'s line`);
  const running = await daemon.ctl(["logs", "web", "-c", join(dir.path, "tsvisor.toml")]);
  daemon.signal("SIGTERM");
  expect(await daemon.exited()).toBe(0);
  const stopped = await daemon.ctl(["logs", "web", "-c", join(dir.path, "tsvisor.toml")]);
  expect([stopped, running.stdout.split("\n").length]).toEqual([running, 3]);
});

test("a user who may not read the log files is told so, with no stack trace: exit 2", async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, `[supervisor]\nsocket_mode = "0666"\n${WEB}`);
  await waitFor(() => readLines(join(dir.path, "logs/api.out.log")).length > 0, "api's line in its log");
  const asNobody = (args: string[]) => runAsNobody([TSVISOR, ...args, "--socket", daemon.socket]);
  const [one, all] = [await asNobody(["logs", "api"]), await asNobody(["logs", "web"])];
  const denied = (name: string) => `cannot read ${join(dir.path, `logs/${name}.out.log`)}: permission denied`;
  expect([one, all]).toEqual([
    { stdout: "", stderr: `tsvisor: ${denied("api")}\nhint: a log file is readable by root and by the program's user (mode 0640): run tsvisor logs as one of them\n`, exitCode: 2 },
    { stdout: "", stderr: `tsvisor: ${denied("web-0")}; left out\ntsvisor: ${denied("web-1")}; left out\n`, exitCode: 2 },
  ]);
});

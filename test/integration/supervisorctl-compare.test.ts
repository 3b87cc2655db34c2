// Debian's supervisorctl 4.2.5 runs every verb against supervisord 4.2.5 and against tsvisor, on
// the same supervisord.conf (issue 16's Done-when), in the same test; what it prints and its exit
// code must be the same line by line, pids, uptimes and dates aside.
import { beforeAll, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Daemon, tempDir, waitFor } from "./_harness.ts";
import { Supervisord, ensureSupervisor, supervisorctl, supervisordConf } from "./_supervisorctl.ts";

beforeAll(ensureSupervisor);

const WEB = `sh -c "echo hello; echo oops >&2; exec sleep 1000"`;
const SUPERVISORD_PROGRAMS = (extra: boolean) => `
[program:web]
command = ${WEB}
startsecs = 1

[program:worker]
command = sleep 1000
process_name = %(program_name)s-%(process_num)d
numprocs = 2
startsecs = 1

${extra ? `[program:extra]\ncommand = sleep 1000\nstartsecs = 0\n` : `[program:crash]\ncommand = sh -c "exit 3"\nautostart = false\nstartretries = 0\n`}`;

/** The tsvisor side: the same supervisord.conf as supervisord's, before and after the edit `reread` finds. */
const TSVISOR_SIDE = {
  file: "supervisord.conf",
  text: (dir: string, extra: boolean) => {
    mkdirSync(join(dir, "supervisord-logs"), { recursive: true });
    return supervisordConf(dir, SUPERVISORD_PROGRAMS(extra));
  },
};

// What differs from run to run and from server to server: pids, uptimes, stop times.
function comparable(out: string): string {
  return out
    .replace(/pid \d+, uptime \d+:\d\d:\d\d/g, "pid N, uptime T")
    .replace(/^\d+$/gm, "N")
    .replace(/[A-Z][a-z]{2} \d\d \d\d:\d\d [AP]M/g, "DATE")
    .replace(/ +$/gm, "");
}

// supervisord answers a group or `all` in the order its processes finish; the set is what counts there.
const isUnordered = (verb: string) => / all$|:\*$|^update$/.test(verb);

test("supervisorctl prints the same for every verb under tsvisor as under supervisord", async () => {
  using dir = tempDir();
  const theirs = join(dir.path, "supervisord");
  const ours = join(dir.path, "tsvisor");
  mkdirSync(theirs);
  mkdirSync(ours);
  await using supervisord = Supervisord.start(theirs, SUPERVISORD_PROGRAMS(false));
  await using tsvisor = Daemon.startFile(ours, TSVISOR_SIDE.file, TSVISOR_SIDE.text(ours, false));
  const tsvisorUrl = `unix://${tsvisor.socket}`;
  await supervisord.ready(theirs);

  const both = async (verb: string) => {
    const args = verb.split(" ");
    const [a, b] = await Promise.all([supervisorctl(theirs, supervisord.url, args), supervisorctl(ours, tsvisorUrl, args)]);
    const shape = (r: { stdout: string; exitCode: number }) => {
      const lines = comparable(r.stdout).trimEnd().split("\n");
      return `$ supervisorctl ${verb}\n${(isUnordered(verb) ? lines.sort() : lines).join("\n")}\nexit ${r.exitCode}`;
    };
    return [shape(a), shape(b)] as const;
  };
  const same = async (verb: string) => {
    const [expected, actual] = await both(verb);
    expect(actual).toEqual(expected);
    return actual;
  };
  const allRunning = async (url: string, cwd: string, count = 3) => (await supervisorctl(cwd, url, ["status"])).stdout.split("\n").filter((l) => l.includes("RUNNING")).length === count;
  await waitFor(async () => (await allRunning(supervisord.url, theirs)) && (await allRunning(tsvisorUrl, ours)), "web and both workers RUNNING under both");

  expect(await same("status")).toContain("web                              RUNNING   pid N, uptime T");
  for (const verb of ["stop web", "stop web", "status web", "start web", "start web", "restart worker:*", "status worker:*", "stop worker:*", "start worker:*", "stop all", "status", "start all"]) await same(verb);
  const fatal = async (url: string, cwd: string) => (await supervisorctl(cwd, url, ["status", "crash"])).stdout.includes("FATAL");
  await waitFor(async () => (await fatal(supervisord.url, theirs)) && (await fatal(tsvisorUrl, ours)), "crash FATAL under both");
  for (const verb of [
    "status", "status crash", "status nope", "status nope:*", "start nope", "stop nope:*", "start crash", "signal WINCH web", "signal WINCH worker:*",
    "signal WINCH crash", "signal NOPE web", "signal WINCH all", "pid web", "pid nope", "pid crash", "tail web", "tail web stderr", "tail -3 web", "tail nope",
    "avail", "clear web", "tail web", "clear nope", "reread",
  ]) await same(verb);
  // pid (supervisord's own), pid all and version differ in their numbers only
  for (const verb of ["pid", "pid all", "version"]) {
    const [expected, actual] = await both(verb);
    expect(actual.replace(/^[\d.]+$/gm, "V")).toEqual(expected.replace(/^[\d.]+$/gm, "V"));
  }
  expect((await supervisorctl(ours, tsvisorUrl, ["maintail"])).exitCode).toBe(0);

  // the config changes: crash goes, extra comes
  writeFileSync(join(theirs, "supervisord.conf"), supervisordConf(theirs, SUPERVISORD_PROGRAMS(true)));
  writeFileSync(join(ours, TSVISOR_SIDE.file), TSVISOR_SIDE.text(ours, true));
  expect(await same("reread")).toContain("crash: disappeared\nextra: available");
  for (const verb of ["avail", "update", "status", "stop worker:*", "remove worker", "remove worker", "avail", "add worker", "add worker", "add nope", "remove nope", "reread", "update"]) await same(verb);
  await waitFor(async () => (await allRunning(supervisord.url, theirs, 4)) && (await allRunning(tsvisorUrl, ours, 4)), "the workers RUNNING again under both");
  await same("status");
  await same("restart all");
  // supervisord re-executes itself on reload (tsvisor reloads its config in place): wait for it to answer again
  await same("reload");
  await supervisord.ready(theirs);
  await same("shutdown");
  expect(await tsvisor.exited()).toBe(0);
}, 240_000);

// tail -f and maintail -f read supervisord's /logtail and /mainlogtail streams (HTTP, chunked), not XML-RPC.
test("tail -f streams a program's new output under tsvisor as under supervisord; maintail -f streams the daemon's log", async () => {
  using dir = tempDir();
  const theirs = join(dir.path, "supervisord");
  const ours = join(dir.path, "tsvisor");
  mkdirSync(theirs);
  mkdirSync(ours);
  const TICKER = `sh -c "i=0; while :; do i=$((i+1)); echo line $i; echo err $i >&2; sleep 0.2; done"`;
  await using supervisord = Supervisord.start(theirs, `[program:ticker]\ncommand = ${TICKER}\nstartsecs = 0\n`);
  await using tsvisor = Daemon.startFile(ours, "tsvisor.toml", `[supervisor]\nlog_dir = "${ours}/logs"\nconsole = false\n[programs.ticker]\ncommand = ${JSON.stringify(TICKER)}\nstartsecs = 0\n`);
  await supervisord.ready(theirs);
  await tsvisor.waitForSocket();
  const follow = async (cwd: string, url: string, args: string[], until: RegExp) => {
    const conf = join(cwd, "supervisorctl.conf");
    writeFileSync(conf, `[supervisorctl]\nserverurl = ${url}\n`);
    const proc = Bun.spawn(["/usr/bin/python3", "/usr/bin/supervisorctl", "-c", conf, ...args], { cwd, env: { PATH: process.env.PATH!, LANG: "C.UTF-8" }, stdout: "pipe", stderr: "pipe" });
    let out = "";
    const reading = (async () => {
      for await (const chunk of proc.stdout) out += new TextDecoder().decode(chunk);
    })();
    await waitFor(() => until.test(out), `supervisorctl ${args.join(" ")} to print ${until}; so far: ${JSON.stringify(out)}`);
    proc.kill("SIGINT");
    const code = await proc.exited;
    await reading;
    return { out, code };
  };
  for (const [args, until] of [[["tail", "-f", "ticker"], /line \d+\n(.|\n)*line \d+\n/], [["tail", "-f", "ticker", "stderr"], /err \d+\n(.|\n)*err \d+\n/]] as const) {
    const [a, b] = await Promise.all([follow(theirs, supervisord.url, [...args], until), follow(ours, `unix://${tsvisor.socket}`, [...args], until)]);
    const shape = (r: { out: string; code: number }) => [r.out.split("\n")[0], r.code, /^(line|err) \d+$/m.test(r.out)];
    expect(shape(b)).toEqual(shape(a));
    expect(shape(b)).toEqual(["==> Press Ctrl-C to exit <==", 0, true]);
  }
  const main = await follow(ours, `unix://${tsvisor.socket}`, ["maintail", "-f"], /spawned: ticker/);
  expect(main.out.split("\n")[0]).toBe("==> Press Ctrl-C to exit <==");
}, 60_000);

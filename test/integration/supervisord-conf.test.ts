// supervisord.conf files written as Docker images and distro packages write them run under Debian's
// supervisord 4.2.5 and under tsvisor, and reach the same states as supervisorctl shows them; and
// tsvisor's reader holds against hostile files (names, NUL bytes, huge lines, expansion bombs,
// include loops and FIFOs, numbers past 2^31).
import { beforeAll, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TSVISOR, tempDir, waitFor } from "./_harness.ts";
import { ensureSupervisor, supervisorctl } from "./_supervisorctl.ts";

beforeAll(ensureSupervisor);

// A listener that speaks supervisord's protocol: READY, then OK for every event.
const LISTENER = `#!/usr/bin/python3
import sys
while True:
    sys.stdout.write("READY\\n"); sys.stdout.flush()
    header = dict(x.split(":") for x in sys.stdin.readline().split())
    sys.stdin.read(int(header["len"]))
    open("@ROOT@/log/watch.events", "a").write(header["eventname"] + "\\n")
    sys.stdout.write("RESULT 2\\nOK"); sys.stdout.flush()
`;

// `status` as supervisorctl prints it, pids, uptimes and exit times aside, in name order (the two
// daemons' programs can end either side of a minute: "EXITED Dec 07 09:09 AM" beside "09:10 AM").
// Event listeners are left out: supervisord lists them there, tsvisor does not (docs/supervisord.md);
// the test sees them run.
async function states(dir: string, url: string, listeners: string[]): Promise<string[]> {
  const { stdout } = await supervisorctl(dir, url, ["status"]);
  const lines = stdout.trimEnd().split("\n").map((l) => l.replace(/pid \d+, uptime \d+:\d\d:\d\d/, "pid N").replace(/\b[A-Z][a-z]{2} \d\d \d\d:\d\d [AP]M\b/, "TIME").replace(/\s+/g, " ").trim());
  return lines.filter((l) => !listeners.includes(l.split(" ")[0]!)).sort();
}

// Run `conf` (DIR/etc/supervisord.conf, with `files` beside it) under both daemons, each in a copy of
// its own, until both show `expected`; the states must be the same, line by line.
async function sameStates(files: Record<string, string>, expected: (lines: string[]) => boolean, listeners: string[] = []) {
  using dir = tempDir();
  chmodSync(dir.path, 0o755); // an include is read only where no one else may write on its way
  const sides = ["supervisord", "tsvisor"].map((side) => {
    const root = join(dir.path, side);
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(root, name, ".."), { recursive: true });
      writeFileSync(join(root, name), text.replaceAll("@ROOT@", root));
      if (name.endsWith(".py")) chmodSync(join(root, name), 0o755);
    }
    mkdirSync(join(root, "log"), { recursive: true });
    return root;
  });
  const [theirs, ours] = sides as [string, string];
  const supervisord = Bun.spawn(["supervisord", "-n", "-c", join(theirs, "etc/supervisord.conf")], { cwd: theirs, stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  const tsvisor = Bun.spawn([TSVISOR, "run", "-c", join(ours, "etc/supervisord.conf")], { cwd: ours, env: { ...process.env, APP_ENV: "test" }, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  try {
    let last: string[][] = [];
    const settled = await waitFor(async () => {
      last = await Promise.all([states(theirs, `unix://${theirs}/run/supervisor.sock`, listeners), states(ours, `unix://${ours}/run/supervisor.sock`, listeners)]);
      return expected(last[0]!) && JSON.stringify(last[0]) === JSON.stringify(last[1]);
    }, "the same states under both daemons", 30_000).catch(() => false);
    expect({ settled, supervisord: last[0], tsvisor: last[1] }).toEqual({ settled: true, supervisord: last[0], tsvisor: last[0] });
    // the listener gets its events under both
    for (const root of listeners.length > 0 ? sides : []) {
      const events = join(root, "log/watch.events");
      await waitFor(() => existsSync(events) && readFileSync(events, "utf8").includes("PROCESS_STATE_RUNNING"), `PROCESS_STATE_RUNNING in ${events}`);
    }
    return last[1]!;
  } finally {
    supervisord.kill("SIGTERM");
    tsvisor.kill("SIGTERM");
    await Promise.all([supervisord.exited, tsvisor.exited]);
  }
}

// childlogdir: each daemon of each test its own log directory (tsvisor locks its log_dir)
const SERVER = (extra = "") => `[unix_http_server]
file=%(here)s/../run/supervisor.sock
chmod=0700

[supervisord]
nodaemon=true
logfile=/dev/stdout
logfile_maxbytes=0
pidfile=@ROOT@/run/supervisord.pid
${extra || "childlogdir=@ROOT@/log"}
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://%(here)s/../run/supervisor.sock
`;

test("a Docker-image supervisord.conf (nodaemon, /dev/stdout logs, a crash loop) reaches the same states under both", async () => {
  const lines = await sameStates({
    "run/.keep": "",
    "etc/supervisord.conf": `${SERVER()}
[program:nginx]
command=sleep 1000
autorestart=true
stdout_logfile=/dev/stdout
stdout_logfile_maxbytes=0
redirect_stderr=true

[program:php-fpm]
command=/bin/sh -c "exec sleep 1001"
priority=5
stdout_logfile=/dev/stdout
stdout_logfile_maxbytes=0
stderr_logfile=/dev/stderr
stderr_logfile_maxbytes=0

[program:migrate]
command=/bin/sh -c "exit 0"
autorestart=false
startsecs=0

[program:broken]
command=/bin/sh -c "exit 7"
startretries=1
`,
  }, (l) => l.some((x) => x.startsWith("broken FATAL")) && l.some((x) => x.startsWith("migrate EXITED")) && l.filter((x) => x.includes("RUNNING")).length === 2);
  expect(lines).toEqual(["broken FATAL Exited too quickly (process log may have details)", expect.stringMatching(/^migrate EXITED /), "nginx RUNNING pid N", "php-fpm RUNNING pid N"]);
}, 90_000);

test("a distro supervisord.conf ([include] conf.d/*.conf, groups, expansions, an eventlistener) reaches the same states under both", async () => {
  const lines = await sameStates({
    "run/.keep": "",
    "bin/listener.py": LISTENER,
    "etc/supervisord.conf": `${SERVER("childlogdir=%(here)s/../log\nenvironment=APP_ENV=\"test\"")}
[include]
files = conf.d/*.conf
`,
    "etc/conf.d/app.conf": `[group:app]
programs=web,queue
priority=100

[program:web]
command=/bin/sh -c "test \\"$APP_ENV\\" = %(ENV_APP_ENV)s && exec sleep 1000"
directory=%(here)s
stdout_logfile=%(here)s/../../log/%(program_name)s.log

[program:queue]
command=sleep 100%(process_num)d
process_name=%(program_name)s_%(process_num)02d
numprocs=2
numprocs_start=1
`,
    "etc/conf.d/tools.conf": `[program:cron]
command=sleep 999
autostart=false

[eventlistener:watch]
command=%(here)s/../../bin/listener.py
events=PROCESS_STATE
`,
  }, (l) => l.filter((x) => x.includes("RUNNING")).length === 3, ["watch"]);
  expect(lines).toEqual(["app:queue_01 RUNNING pid N", "app:queue_02 RUNNING pid N", "app:web RUNNING pid N", "cron STOPPED Not started"]);
}, 90_000);

// config check on a hostile file: exit 2 with a located message, never a stack trace, within seconds.
function check(files: Record<string, string | Buffer>, main = "supervisord.conf") {
  using dir = tempDir();
  chmodSync(dir.path, 0o755); // an include is read only where no one else may write on its way
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir.path, name), text);
  const r = spawnSync(TSVISOR, ["config", "check", "-c", join(dir.path, main)], { cwd: dir.path, encoding: "utf8", timeout: 20_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

test("hostile supervisord.conf files get a clear message, no stack trace", () => {
  const proto = check({ "supervisord.conf": "[program:__proto__]\ncommand=sleep 1\n__proto__=1\n[__proto__]\nx=1\n" });
  expect(proto.out).not.toContain("    at ");
  expect(proto.out).toContain("__proto__");

  const nul = check({ "supervisord.conf": "[program:a]\ncommand=sleep\u00001\n" });
  expect([nul.code, nul.out.includes("    at ")]).toEqual([2, false]);

  const huge = check({ "supervisord.conf": `[program:a]\ncommand=${"x".repeat(10 * 1024 * 1024)}\n` });
  expect(huge.code).toBe(2);
  expect(huge.out).toContain("larger than");

  // each level doubles: %(ENV_B9)s would be 2^10 times the text
  const bomb = check({ "supervisord.conf": `[supervisord]\nenvironment=B0="${"x".repeat(1000)}"\n[program:a]\ncommand=echo %(ENV_B0)s\nenvironment=${Array.from({ length: 20 }, (_, i) => `B${i + 1}="%(ENV_B${i})s%(ENV_B${i})s"`).join(",")}\n` });
  expect(bomb.out).not.toContain("    at ");

  const big = check({ "supervisord.conf": "[program:a]\ncommand=sleep 1\nstartsecs=4294967296\npriority=99999999999999999999\n" });
  expect(big.code).toBe(2);
  expect(big.out).toContain("startsecs");

  const loop = check({ "supervisord.conf": "[include]\nfiles=*.conf\n[program:a]\ncommand=sleep 1\n", "other.conf": "[program:b]\ncommand=sleep 1\n" });
  expect([loop.code, loop.out]).toEqual([0, expect.stringContaining("2 programs")]);
});

test("an [include] of a FIFO, a device or a link to one is refused by name, never read (a FIFO would block the reader)", () => {
  using dir = tempDir();
  spawnSync("mkfifo", [join(dir.path, "fifo.conf")]);
  symlinkSync("/dev/zero", join(dir.path, "zero.conf"));
  writeFileSync(join(dir.path, "supervisord.conf"), "[include]\nfiles=fifo.conf zero.conf\n[program:a]\ncommand=sleep 1\n");
  const r = spawnSync(TSVISOR, ["config", "check", "-c", join(dir.path, "supervisord.conf")], { encoding: "utf8", timeout: 20_000 });
  expect(r.status).toBe(2);
  expect(`${r.stdout}${r.stderr}`).toMatch(/fifo\.conf.* is not a file[\s\S]*zero\.conf.* is not a file/);
});

// Regression (issue 19): supervisord's process_name template in a tsvisor.toml was refused without tsvisor's form.
test("a tsvisor.toml with supervisord's process_name template is told tsvisor's {name}_{num:02} form", () => {
  const r = check({ "tsvisor.toml": '[programs.w]\ncommand = "sleep 1"\nnumprocs = 2\nprocess_name = "%(program_name)s_%(process_num)02d"\n' }, "tsvisor.toml");
  expect(r.code).toBe(2);
  expect(r.out).toContain('write process_name = "{name}_{num:02}"');
});

import { expect, test } from "bun:test";
import { join } from "node:path";
import { toml, writeTree } from "./_helpers.ts";

const FIXTURE = join(import.meta.dir, "config-command-fixture.ts");

async function run(cwd: string, ...args: string[]): Promise<[string, string, number]> {
  await using proc = Bun.spawn([process.execPath, FIXTURE, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "" },
    stdout: "pipe",
    stderr: "pipe",
  });
  return await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
}

test.concurrent("config check lists every process and exits 0", async () => {
  const dir = writeTree({
    "tsvisor.toml": toml(
      "[programs.web]", "command = \"node server.js --name 'my app'\"", "priority = 100",
      "[programs.worker]", 'command = ["bun", "worker.ts"]', "numprocs = 2", "autorestart = true", 'startsecs = "500ms"',
    ),
  });
  expect(await run(dir, "check")).toEqual([
    [
      "web        node server.js --name 'my app'  (priority 100, autorestart unexpected, startsecs 1)",
      "worker-0   bun worker.ts  (priority 999, autorestart true, startsecs 0.5)",
      "worker-1   bun worker.ts  (priority 999, autorestart true, startsecs 0.5)",
      `config ok: ${dir}/tsvisor.toml (2 programs, 3 processes)`,
      "",
    ].join("\n"),
    "",
    0,
  ]);
});

test.concurrent("config check prints the diagnostics on stderr and exits 2", async () => {
  const dir = writeTree({ "etc/x.toml": toml("[programs.web]", 'command = "x"', 'stopsignal = "TREM"') });
  expect(await run(dir, "check", "-c", "etc/x.toml")).toEqual([
    "",
    [
      'tsvisor: etc/x.toml:3:14: programs.web.stopsignal: unknown signal "TREM"; allowed: TERM INT QUIT HUP KILL USR1 USR2 (did you mean "TERM"?)',
      '    3 | stopsignal = "TREM"',
      "      |              ^",
      "",
    ].join("\n"),
    2,
  ]);
});

// Regression (issue 19): config show said "# socket = (not set)" where the daemon uses a default socket.
const socketLine = (dir: string) => {
  const uid = process.getuid?.() ?? 0;
  const fallbacks = `; where it cannot be made, /tmp/tsvisor-${uid}/tsvisor.sock, then /dev/shm/tsvisor-${uid}/tsvisor.sock`;
  return uid === 0 ? `socket = "/run/tsvisor.sock" # the default as root${fallbacks}` : `socket = "${dir}/tsvisor.sock" # the default for this user: beside the config file${fallbacks}`;
};

test.concurrent("config show prints TOML with the defaults filled in, the socket the daemon would use among them", async () => {
  const dir = writeTree({ "tsvisor.toml": toml("[programs.web]", 'command = "x"') });
  const [stdout, stderr, code] = await run(dir, "show");
  expect([stdout.split("\n").slice(2, 15), stderr, code]).toEqual([
    ["[supervisor]", socketLine(dir), 'socket_mode = "0600"', "# socket_owner = (not set)", 'log_dir = "/var/log/tsvisor"', "console = true", "log_timestamps = false", "forward_signals = []", "sample_interval = 5",
      "# rpc_username = (not set)", "# rpc_password = (not set)", "", "[programs.web]"],
    "",
    0,
  ]);
});

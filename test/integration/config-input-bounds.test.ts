// Regression: #14 part 6 — inputs `config check` let through or could not survive: numprocs =
// 1000000 crashed it with a RangeError stack trace; NUL bytes, invalid UTF-8 and uid 4294967295 passed
// and failed at run time; an error on an 11.9 MB line echoed the line and an 11.9 MB caret line; a
// header nested 10,000 deep took quadratic time. Each is now a located config error (exit 2) from
// `config check` and from `run`, in bounded time and memory.
import { beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Daemon, TSVISOR, fixture, tempDir, waitFor } from "./_harness.ts";

// A stack trace, Bun's or JavaScriptCore's: never for a config, whatever it holds.
const STACK = /^\s+at\s|TypeError|ReferenceError|RangeError|SyntaxError|panic|Segmentation|error: .*\n.*\bsrc\//m;

beforeAll(() => {
  // GNU time reports the peak RSS of a process that is gone before /proc could be sampled
  const ensured = spawnSync("bash", [resolve(import.meta.dir, "../../scripts/ensure-debian-packages.sh"), "time"], { stdio: "inherit" });
  expect(ensured.status).toBe(0);
});

/**
 * `tsvisor ARGS` in dir under GNU time: exit code, stderr without time's line, peak RSS, wall time.
 * A tsvisor still running after 15 s (a `run` that took the config) is stopped: exit code null.
 */
async function measured(dir: string, args: string[]) {
  const started = performance.now();
  const proc = Bun.spawn(["/usr/bin/time", "-f", "peak-rss-kib=%M", TSVISOR, ...args], { cwd: dir, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  // time forwards no signal: stop tsvisor itself, its only child
  const timer = setTimeout(() => {
    for (const pid of readFileSync(`/proc/${proc.pid}/task/${proc.pid}/children`, "utf8").split(" ").filter(Boolean)) process.kill(Number(pid), "SIGTERM");
  }, 15_000);
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  const timedOut = performance.now() - started >= 15_000;
  clearTimeout(timer);
  const exitCode = timedOut ? null : code;
  const rss = /peak-rss-kib=(\d+)\n?$/.exec(stderr);
  // GNU time says "Command exited with non-zero status N" before its own line
  const own = stderr.slice(0, rss?.index ?? stderr.length).replace(/Command exited with non-zero status \d+\n$/, "");
  return { exitCode, stdout, stderr: own, rssMiB: Number(rss?.[1] ?? NaN) / 1024, ms: performance.now() - started };
}

// config check on a config, and then run on it: both refuse with the message, and run starts nothing.
async function refusedByBoth(config: string | Buffer, message: string) {
  using dir = tempDir();
  const marker = join(dir.path, "started");
  const text = typeof config === "string" ? config.replaceAll("MARKER", marker) : config;
  writeFileSync(join(dir.path, "tsvisor.toml"), text);
  const check = await measured(dir.path, ["config", "check", "-c", "tsvisor.toml"]);
  const run = await measured(dir.path, ["run", "-c", "tsvisor.toml", "--socket", join(dir.path, "s.sock")]);
  for (const r of [check, run]) {
    expect([r.exitCode, r.stderr]).toEqual([2, expect.stringContaining(message)]);
    expect(r.stderr).not.toMatch(STACK);
  }
  expect(existsSync(marker)).toBe(false);
  return check;
}

const touching = (extra: string) => `[programs.web]\ncommand = ["touch", "MARKER"]\nautorestart = false\n${extra}\n`;

describe("refused by config check and by run, with the key and the line", () => {
  test("numprocs = 1000000 (a RangeError stack trace and exit 1 before)", async () => {
    await refusedByBoth(touching("numprocs = 1000000"), "tsvisor.toml:4:12: programs.web.numprocs: expected an integer from 1 to 10000; got 1000000");
  });

  test("a uid the kernel cannot switch to", async () => {
    await refusedByBoth(touching('user = "4294967295"'), 'tsvisor.toml:4:8: programs.web.user: uid "4294967295" is out of range: uids go from 0 to 4294967294');
  });

  test("a duration past 100 years (597h fired at once before; long timers are chained now: test/regression/issue/long-durations.test.ts)", async () => {
    await refusedByBoth(touching('startsecs = "876001h"'), 'tsvisor.toml:4:13: programs.web.startsecs: duration "876001h" is too long');
  });

  test.each([
    ["an argument", 'command = ["touch", "MARKER\\u0000x"]\nautorestart = false', "tsvisor.toml:2:11: programs.web.command.1:"],
    ["an environment value", 'command = ["touch", "MARKER"]\nenvironment = { A = "x\\u0000y" }', "tsvisor.toml:3:21: programs.web.environment.A:"],
    ["a log path", 'command = ["touch", "MARKER"]\nstdout_logfile = "/tmp/\\u0000.log"', "tsvisor.toml:3:18: programs.web.stdout_logfile:"],
    ["a directory", 'command = ["touch", "MARKER"]\ndirectory = "/tmp\\u0000"', "tsvisor.toml:3:13: programs.web.directory:"],
  ])("a NUL in %s", async (_, lines, where) => {
    const check = await refusedByBoth(`[programs.web]\n${lines}\n`, `${where} `);
    expect(check.stderr).toContain("holds a NUL character (\\u0000), which no path, argument or variable can contain");
  });

  test("bytes that are not UTF-8 in a path", async () => {
    const config = Buffer.concat([Buffer.from('[programs.web]\ncommand = ["touch", "MARKER"]\ndirectory = "/tmp/caf'), Buffer.from([0xe9]), Buffer.from('"\n')]);
    await refusedByBoth(config, "tsvisor.toml:3:22: invalid UTF-8 (byte 0xe9): a TOML file must be UTF-8 text");
  });
});

describe("adversarial sizes are refused in bounded time and memory", () => {
  // cc9563e echoed such a line whole with a caret line as long (RSS 780 MB at 11.9 MB)
  test("an error at the end of a 3 MB line is echoed as a window; a 12 MB file is not read", async () => {
    using dir = tempDir();
    // thirty variables of 100 KB each (each one exec could take), then a bad one
    const variables = Array.from({ length: 30 }, (_, i) => `V${i} = "${"y".repeat(100_000)}"`).join(", ");
    writeFileSync(join(dir.path, "long.toml"), `[programs.web]\ncommand = ["true"]\nenvironment = { ${variables}, B = [1] }\n`);
    const long = await measured(dir.path, ["config", "check", "-c", "long.toml"]);
    expect([long.exitCode, long.stderr.split("\n")[0]]).toEqual([2, `tsvisor: long.toml:3:${variables.length + 23}: programs.web.environment.B: expected a string, number or boolean; got [1]`]);
    expect(long.stderr.length).toBeLessThan(1000);
    expect(long.rssMiB).toBeLessThan(150);

    const huge = `[programs.web]\ncommand = ["true"]\nenvironment = { A = "${"y".repeat(12_000_000)}", B = [1] }\n`;
    writeFileSync(join(dir.path, "huge.toml"), huge);
    const refused = await measured(dir.path, ["config", "check", "-c", "huge.toml"]);
    expect([refused.exitCode, refused.stderr]).toEqual([2, `tsvisor: huge.toml: the config file is larger than 4 MiB (${huge.length} bytes in huge.toml), more than any config needs\n`]);
    expect(refused.rssMiB).toBeLessThan(100);
  });

  test("a table header nested 10,000 deep answers at once", async () => {
    using dir = tempDir();
    writeFileSync(join(dir.path, "deep.toml"), `[programs.web]\ncommand = ["true"]\n[programs.web.environment.${Array(10_000).fill("a").join(".")}]\nx = 1\n`);
    const deep = await measured(dir.path, ["config", "check", "-c", "deep.toml"]);
    expect([deep.exitCode, deep.stderr.split("\n")[0]]).toEqual([2, expect.stringMatching(/^tsvisor: deep\.toml:3:\d+: programs\.web\.environment(\.a)+: nested more than 32 levels deep/)]);
    expect(deep.stderr.length).toBeLessThan(1000);
    expect([deep.ms < 5000, deep.rssMiB < 150]).toEqual([true, true]);
  });
});

test("a uid past 2^31 - 1 runs (Bun takes ids as signed 32-bit numbers)", async () => {
  if (process.getuid?.() !== 0) {
    if (process.env.CI) throw new Error("this test needs root, and CI runs as root");
    console.warn("skipping: needs root");
    return;
  }
  using dir = tempDir();
  const out = join(dir.path, "report");
  await using daemon = Daemon.start(dir.path, `
[programs.high]
command = ["${fixture("report-env")}", "${out}"]
directory = "${dir.path}"
user = "4294967294"
startsecs = 0
stdout_logfile = "none"
stderr_logfile = "none"
`);
  const report = await waitFor(() => existsSync(out) && readFileSync(out, "utf8"), "the report of the program run as uid 4294967294");
  expect(report).toContain("uid=4294967294\ngid=4294967294\n");
  await daemon.waitForLog(/success: high entered RUNNING/);
});

// What the loader refuses, and how (issue 14, part 6): numbers past their bounds, strings no program
// can receive, bytes that are not UTF-8, files too large or too many, nesting too deep. Every refusal
// is a located config error; nothing throws anything else, hangs, or grows without bound.
import { describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import {
  MAX_CONFIG_BYTES, MAX_CONFIG_FILES, MAX_DURATION_SECONDS, MAX_HOOKS, MAX_NESTING, MAX_PROCESSES, MAX_SIZE_BYTES,
} from "../../src/config/limits.ts";
import type { Config, HealthCheckConfig, ProgramConfig } from "../../src/config/schema.ts";
import { TsvisorError } from "../../src/errors.ts";
import { MAX_ID } from "../../src/os/users.ts";
import { load, loadError, toml, writeTree } from "./_helpers.ts";

const web = ["[programs.web]", 'command = "x"'];
const loadBytes = (bytes: Uint8Array) => {
  const dir = writeTree({});
  writeFileSync(join(dir, "tsvisor.toml"), bytes);
  return errorOf(() => loadConfig({ env: {}, uid: 0, cwd: dir, file: "tsvisor.toml", systemFile: join(dir, "none") }));
};
function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof TsvisorError) return error.message;
    throw error;
  }
  throw new Error("expected an error");
}

// Each numeric key: the TOML around a value, where it lands in the Config, and the range it must stay in.
type Spot = [path: string, write: (v: string) => string, read: (c: Config) => unknown, range: readonly [number, number]];
const DURATION = [0, MAX_DURATION_SECONDS] as const;
const SIZE = [0, MAX_SIZE_BYTES] as const;
const programKey = (key: keyof ProgramConfig, range: readonly [number, number]): Spot =>
  [`programs.web.${key}`, (v) => toml(...web, `${key} = ${v}`), (c) => c.programs.web![key], range];
const healthKey = (key: keyof HealthCheckConfig, range: readonly [number, number]): Spot =>
  [`programs.web.healthcheck.${key}`, (v) => toml(...web, "[programs.web.healthcheck]", 'command = ["x"]', `${key} = ${v}`), (c) => c.programs.web!.healthcheck![key], range];
const unquoted = (v: string) => v.replaceAll('"', "");
const NUMERIC: Spot[] = [
  programKey("startsecs", DURATION), programKey("stopwaitsecs", DURATION), programKey("max_runtime", DURATION),
  programKey("stdout_logfile_maxbytes", SIZE), programKey("stderr_logfile_maxbytes", SIZE), programKey("max_memory", SIZE),
  programKey("umask", [0, 0o777]), programKey("startretries", [0, Number.MAX_SAFE_INTEGER]),
  programKey("priority", [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER]),
  programKey("stdout_logfile_backups", [0, 1000]), programKey("stderr_logfile_backups", [0, 1000]),
  ["programs.web.exitcodes", (v) => toml(...web, `exitcodes = [${v}]`), (c) => c.programs.web!.exitcodes[0], [0, 255]],
  ["programs.web.numprocs", (v) => toml(...web, `numprocs = ${v}`), (c) => c.processes.length, [1, MAX_PROCESSES]],
  ["programs.web.numprocs_start", (v) => toml(...web, `numprocs_start = ${v}`), (c) => c.processes[0]!.num, [0, 2 ** 31 - 1]],
  ["programs.web.user", (v) => toml(...web, `user = ${v}`), (c) => c.processes[0]!.credentials?.uid, [0, MAX_ID]],
  healthKey("interval", DURATION), healthKey("timeout", DURATION), healthKey("start_period", DURATION), healthKey("retries", [1, Number.MAX_SAFE_INTEGER]),
  ["programs.web.healthcheck.tcp", (v) => toml(...web, "[programs.web.healthcheck]", `tcp = "127.0.0.1:${unquoted(v)}"`), (c) => (c.programs.web!.healthcheck!.probe as { port: number }).port, [1, 65535]],
  ["supervisor.socket_mode", (v) => toml("[supervisor]", `socket_mode = ${v}`), (c) => c.supervisor.socket_mode, [0, 0o777]],
  ["supervisor.sample_interval", (v) => toml("[supervisor]", `sample_interval = ${v}`), (c) => c.supervisor.sample_interval, DURATION],
  ["hooks.0.timeout", (v) => toml("[[hooks]]", 'on = ["EVENT"]', 'command = ["x"]', `timeout = ${v}`), (c) => c.hooks[0]!.timeout, DURATION],
  ["eventlisteners.l.buffer_size", (v) => toml("[eventlisteners.l]", 'command = ["x"]', 'events = ["EVENT"]', `buffer_size = ${v}`), (c) => c.eventlisteners.l!.buffer_size, [1, 100_000]],
  ["http.listen", (v) => toml("[http]", `listen = "127.0.0.1:${unquoted(v)}"`), (c) => (c.http!.listen as { port: number }).port, [0, 65535]],
];
// Huge, negative, fractional, NaN-ish, 2^31, 2^32 - 1, 2^53 + 1 (not exact in a double), and the same as strings with units.
const ODD_NUMBERS = [
  "1e308", "-1", "-0", "0.5", "nan", "inf", "-inf", "2147483648", "4294967295", "9007199254740993", "9007199254740993.0",
  "1e-320", '"99999999999999999999999999h"', '"597h"', '"596h"', '"9999999999999999999999GB"', '"1e9GB"', '"-5MB"', '"4294967295"',
];

describe.each(NUMERIC)("%s", (path, write, read, [min, max]) => {
  test.each(ODD_NUMBERS)("= %s is refused with its key, or taken within bounds", (value) => {
    let config: Config;
    try {
      config = load({ "tsvisor.toml": write(value) }, { lookupUser: (u) => (/^\d+$/.test(u) ? { name: u, uid: Number(u), gid: Number(u) } : null) });
    } catch (error) {
      if (!(error instanceof TsvisorError)) throw error;
      // every refusal names the key, but for 2^53 + 1 written as an integer: smol-toml refuses that itself
      const namesKey = error.message.startsWith(`tsvisor.toml:`) && error.message.split("\n")[0]!.includes(`: ${path}: `);
      const lossless = value === "9007199254740993" && error.message.includes("invalid TOML: integer value cannot be represented losslessly");
      expect(namesKey || lossless ? "refused, naming the key" : error.message).toBe("refused, naming the key");
      return;
    }
    const taken = read(config) as number;
    expect(Number.isFinite(taken) && taken >= min && taken <= max ? "within bounds" : `took ${taken}`).toBe("within bounds");
  });
});

describe("bounds, in the words a user reads", () => {
  test("numprocs past the process limit names the limit; so do many programs together", () => {
    expect(loadError({ "tsvisor.toml": toml(...web, "numprocs = 1000000") })).toMatchInlineSnapshot(`
      "tsvisor.toml:3:12: programs.web.numprocs: expected an integer from 1 to 10000; got 1000000
          3 | numprocs = 1000000
            |            ^"
    `);
    expect(loadError({ "tsvisor.toml": toml("[programs.a]", 'command = "x"', "numprocs = 6000", "[programs.b]", 'command = "x"', "numprocs = 6000") }))
      .toMatchInlineSnapshot(`
        "tsvisor.toml:6:12: programs.b.numprocs: the config defines 12000 processes (all programs' numprocs together); one tsvisor supervises at most 10000
            6 | numprocs = 6000
              |            ^
              = hint: split the programs among several tsvisors (one per container), or lower numprocs"
      `);
  });

  test("more programs than processes allowed: the rest are not even resolved", () => {
    const many = Array.from({ length: MAX_PROCESSES + 5 }, (_, i) => `[programs.p${i}]\ncommand = "x"\n`).join("");
    const started = performance.now();
    expect(loadError({ "tsvisor.toml": many }).split("\n")[0]).toBe(
      `tsvisor.toml:${2 * MAX_PROCESSES + 1}:1: programs.p${MAX_PROCESSES}: the config defines ${MAX_PROCESSES + 5} programs; one tsvisor supervises at most ${MAX_PROCESSES} processes`,
    );
    expect(performance.now() - started).toBeLessThan(5000);
  });

  test("more [[hooks]] than allowed", () => {
    const hooks = Array.from({ length: MAX_HOOKS + 1 }, () => toml("[[hooks]]", 'on = ["EVENT"]', 'command = ["x"]')).join("");
    expect(loadError({ "tsvisor.toml": hooks }).split("\n")[0]).toBe(`tsvisor.toml:${3 * MAX_HOOKS + 1}:1: hooks.${MAX_HOOKS}: the config has ${MAX_HOOKS + 1} [[hooks]]; at most ${MAX_HOOKS} are allowed`);
  });

  test("a duration past 100 years, a size past 2^53, a uid or gid past 2^32 - 2", () => {
    expect(loadError({ "tsvisor.toml": toml(...web, 'max_runtime = "876001h"', 'stdout_logfile_maxbytes = "9999999999GB"', 'user = "4294967295"', "[supervisor]", 'socket_owner = "0:4294967295"') }))
      .toMatchInlineSnapshot(`
        "tsvisor.toml:3:15: programs.web.max_runtime: duration "876001h" is too long: at most 3153600000 seconds (100 years)
            3 | max_runtime = "876001h"
              |               ^
              = hint: leave the key out where that means no limit
        tsvisor.toml:4:27: programs.web.stdout_logfile_maxbytes: size "9999999999GB" is too large: at most 9007199254740991 bytes (8 PiB)
            4 | stdout_logfile_maxbytes = "9999999999GB"
              |                           ^
        tsvisor.toml:5:8: programs.web.user: uid "4294967295" is out of range: uids go from 0 to 4294967294
            5 | user = "4294967295"
              |        ^
        tsvisor.toml:7:16: supervisor.socket_owner: id 4294967295 in "0:4294967295" is out of range: uids and gids go from 0 to 4294967294
            7 | socket_owner = "0:4294967295"
              |                ^
        4 errors in config"
      `);
  });

  test("an argument or variable longer than exec takes", () => {
    const long = "x".repeat(131_072);
    expect(loadError({ "tsvisor.toml": toml("[programs.web]", `command = ["echo", "${long}"]`, `environment = { A = "${long.slice(2)}" }`) }).split("\n").filter((l) => !l.includes("|")))
      .toEqual([
        "tsvisor.toml:2:11: programs.web.command: argument 1 is 131072 bytes long: exec takes at most 131071 bytes per argument or variable (Linux's MAX_ARG_STRLEN)",
        "tsvisor.toml:3:21: programs.web.environment.A: A=… is 131072 bytes long: exec takes at most 131071 bytes per argument or variable (Linux's MAX_ARG_STRLEN)",
        "2 errors in config",
      ]);
    // one byte less is what exec takes
    expect(load({ "tsvisor.toml": toml("[programs.web]", `command = ["echo", "${long.slice(1)}"]`, `environment = { A = "${long.slice(3)}" }`) }).programs.web!.command[1]!.length).toBe(131_071);
  });
});

describe("strings no program can receive", () => {
  test("a NUL anywhere is refused where it is written", () => {
    expect(loadError({
      "tsvisor.toml": toml('include = "a\\u0000.toml"', "[programs.web]", 'command = ["echo", "a\\u0000b"]', 'directory = "/tmp\\u0000x"', 'stdout_logfile = "/var/log/\\u0000.log"',
        'environment = { A = "1\\u0000", "B\\u0000" = "2" }', 'user = "root\\u0000"', '[programs."x\\u0000y"]', 'command = "x"'),
    })).toMatchInlineSnapshot(`
      "tsvisor.toml:1:11: include: "a\\u0000.toml" holds a NUL character (\\u0000), which no path, argument or variable can contain
          1 | include = "a\\u0000.toml"
            |           ^
      tsvisor.toml:3:11: programs.web.command.1: "a\\u0000b" holds a NUL character (\\u0000), which no path, argument or variable can contain
          3 | command = ["echo", "a\\u0000b"]
            |           ^
      tsvisor.toml:4:13: programs.web.directory: "/tmp\\u0000x" holds a NUL character (\\u0000), which no path, argument or variable can contain
          4 | directory = "/tmp\\u0000x"
            |             ^
      tsvisor.toml:5:18: programs.web.stdout_logfile: "/var/log/\\u0000.log" holds a NUL character (\\u0000), which no path, argument or variable can contain
          5 | stdout_logfile = "/var/log/\\u0000.log"
            |                  ^
      tsvisor.toml:6:21: programs.web.environment.A: "1\\u0000" holds a NUL character (\\u0000), which no path, argument or variable can contain
          6 | environment = { A = "1\\u0000", "B\\u0000" = "2" }
            |                     ^
      tsvisor.toml:6:32: programs.web.environment."B\\u0000": the key "B\\u0000" holds a NUL character (\\u0000)
          6 | environment = { A = "1\\u0000", "B\\u0000" = "2" }
            |                                ^
      tsvisor.toml:7:8: programs.web.user: "root\\u0000" holds a NUL character (\\u0000), which no path, argument or variable can contain
          7 | user = "root\\u0000"
            |        ^
      tsvisor.toml:8:1: programs."x\\u0000y": the key "x\\u0000y" holds a NUL character (\\u0000)
          8 | [programs."x\\u0000y"]
            | ^
      8 errors in config"
    `);
  });

  test("bytes that are not UTF-8 are refused at their line and column", () => {
    const bytes = Buffer.concat([Buffer.from('[programs.web]\ncommand = "x"\ndirectory = "/srv/caf'), Buffer.from([0xe9]), Buffer.from('"\n')]);
    expect(loadBytes(bytes)).toMatchInlineSnapshot(`
      "tsvisor.toml:3:22: invalid UTF-8 (byte 0xe9): a TOML file must be UTF-8 text
          3 | directory = "/srv/caf�"
            |                      ^"
    `);
    // an overlong "/" (0xc0 0xaf) and an encoded surrogate (0xed 0xa0 0x80) are not UTF-8 either
    expect(loadBytes(Buffer.from([0x61, 0x3d, 0x22, 0xc0, 0xaf, 0x22]))).toStartWith("tsvisor.toml:1:4: invalid UTF-8 (byte 0xc0)");
    expect(loadBytes(Buffer.from([0x61, 0x3d, 0x22, 0xed, 0xa0, 0x80, 0x22]))).toStartWith("tsvisor.toml:1:4: invalid UTF-8 (byte 0xed)");
  });

  test("an included file whose name is not UTF-8 is named, not \"not found\"", () => {
    const dir = writeTree({ "tsvisor.toml": toml('include = "conf.d/*.toml"', ...web) });
    mkdirSync(join(dir, "conf.d"));
    writeFileSync(Buffer.from(`${dir}/conf.d/bad\xff.toml`, "latin1"), toml("[programs.a]", 'command = "x"'));
    expect(errorOf(() => loadConfig({ env: {}, uid: 0, cwd: dir, systemFile: join(dir, "none") })).split("\n")[0])
      .toBe('tsvisor.toml:1:11: include: "conf.d/bad\uFFFD.toml", matched by "conf.d/*.toml", has a file name that is not UTF-8; rename the file');
  });
});

describe("input the loader will not parse", () => {
  test("a table header nested 10,000 deep is refused at once", () => {
    const started = performance.now();
    const text = loadError({ "tsvisor.toml": toml(`[${Array(10_000).fill("a").join(".")}]`, "x = 1") });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(text.split("\n")[0]).toBe(`tsvisor.toml:1:${2 * MAX_NESTING}: ${Array(MAX_NESTING).fill("a").join(".")}: nested more than ${MAX_NESTING} levels deep (tables, arrays and dotted keys)`);
    expect(text.length).toBeLessThan(1000);
  });

  test("arrays nested past the limit too", () => {
    expect(loadError({ "tsvisor.toml": toml(...web, `exitcodes = ${"[".repeat(40)}${"]".repeat(40)}`) }).split("\n")[0])
      .toStartWith(`tsvisor.toml:3:1: programs.web.exitcodes.${Array(MAX_NESTING - 3).fill("0").join(".")}: nested more than ${MAX_NESTING} levels deep`);
  });

  test("a file larger than the limit is refused before it is parsed; includes count toward it", () => {
    const big = `# ${"x".repeat(MAX_CONFIG_BYTES)}\n`;
    expect(loadError({ "tsvisor.toml": big })).toBe(`tsvisor.toml: the config file is larger than 4 MiB (${big.length} bytes in tsvisor.toml), more than any config needs`);
    const half = `# ${"x".repeat(MAX_CONFIG_BYTES / 2)}\n`;
    expect(loadError({ "tsvisor.toml": toml('include = ["a.toml", "b.toml"]', ...web), "a.toml": half, "b.toml": half }).split("\n")).toEqual([
      `tsvisor.toml:1:11: include: with b.toml, the config files are larger than 4 MiB (${half.length} bytes in b.toml), more than any config needs`,
      '    1 | include = ["a.toml", "b.toml"]',
      "      |           ^",
      '      = hint: merge or remove included files; README "Limits" says why the bound is there',
    ]);
  });

  test("more files than the limit are refused", () => {
    const dir = writeTree({ "tsvisor.toml": toml('include = "conf.d/*.toml"', ...web) });
    mkdirSync(join(dir, "conf.d"));
    for (let i = 0; i < MAX_CONFIG_FILES; i++) writeFileSync(join(dir, "conf.d", `${String(i).padStart(5, "0")}.toml`), "");
    expect(errorOf(() => loadConfig({ env: {}, uid: 0, cwd: dir, systemFile: join(dir, "none") })).split("\n")[0])
      .toBe(`tsvisor.toml:1:11: include: more than ${MAX_CONFIG_FILES} config files (the main file and its includes); conf.d/09999.toml is one too many`);
  });
});

describe("what an error echoes", () => {
  test("a long line is shown as a window around the column, the caret under the value", () => {
    const text = loadError({ "tsvisor.toml": toml(...web, `environment = { A = "${"y".repeat(5000)}", B = [1] }`) });
    const [, line, caret] = text.split("\n");
    expect(line!.length).toBeLessThan(140);
    expect(line![caret!.indexOf("^")]).toBe("[");
    expect(line).toMatch(/^ {4}3 \| \.\.\.y+", B = \[1\] }$/);
  });

  test("past 100 errors only the first are shown, and all are counted", () => {
    const text = loadError({ "tsvisor.toml": toml(...web, ...Array.from({ length: 150 }, (_, i) => `k${i} = 1`)) });
    expect(text.split("\n").filter((l) => /^tsvisor\.toml:/.test(l))).toHaveLength(100);
    expect(text.split("\n").slice(-2)).toEqual(["... and 50 more", "150 errors in config"]);
  });

  // The errors past the first 100 are counted, not made: each would cost a did-you-mean and a location
  // (cc9563e took minutes here, splitting the file once per error).
  test("fifty thousand unknown keys are refused in about a second", () => {
    const keys = Array.from({ length: 50_000 }, (_, i) => `key${i} = 1`).join("\n");
    const started = performance.now();
    expect(loadError({ "tsvisor.toml": toml(...web, keys) }).split("\n").at(-1)).toBe("50000 errors in config");
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});

// Every name of Object.prototype, through every place a config names something (issue 14, part 4):
// a name the user chooses (a program, a listener, a variable) works as that name and nothing else;
// a name looked up in a fixed vocabulary (keys, signals, events, units) is a config error with the
// usual diagnostic. Nothing may reach Object.prototype, and nothing may throw anything but ConfigError.
import { describe, expect, test } from "bun:test";
import { formatPath } from "../../src/config/diagnostic.ts";
import { renderConfig } from "../../src/config/render.ts";
import type { Config } from "../../src/config/schema.ts";
import { PROTOTYPE_NAMES } from "../prototype-names.ts";
import { load, loadError, toml } from "./_helpers.ts";

const q = JSON.stringify;
const web = ["[programs.web]", 'command = "x"'];

// A key as TOML writes it in a header or dotted key: bare when it can be, quoted otherwise.
const key = (name: string) => formatPath([name]);

/** Places where a name of the user's own choosing goes: the config loads, and the name means itself. */
const CHOSEN: [string, (p: string) => string, (config: Config, p: string) => unknown, (p: string) => unknown][] = [
  ["[programs.NAME]", (p) => toml(`[programs.${key(p)}]`, 'command = "x"'),
    (c, p) => [Object.keys(c.programs), c.programs[p]?.command, c.processes.map((s) => [s.name, s.group])],
    (p) => [[p], ["x"], [[p, p]]]],
  ["process_name", (p) => toml(...web, `process_name = ${q(p)}`), (c) => c.processes.map((s) => s.name), (p) => [p]],
  ["depends_on a program so named", (p) => toml(`[programs.${key(p)}]`, 'command = "x"', ...web, `depends_on = [${q(p)}]`),
    (c) => c.programs.web!.depends_on, (p) => [p]],
  ["environment key", (p) => toml(...web, `environment = { ${key(p)} = "v" }`),
    (c, p) => [Object.keys(c.programs.web!.environment), c.programs.web!.environment[p]], (p) => [[p], "v"]],
  ["[eventlisteners.NAME]", (p) => toml(`[eventlisteners.${key(p)}]`, 'command = ["x"]', 'events = ["EVENT"]'),
    (c, p) => [Object.keys(c.eventlisteners), c.eventlisteners[p]?.events], (p) => [[p], ["EVENT"]]],
  ["hooks.programs naming a program so named", (p) => toml(`[programs.${key(p)}]`, 'command = "x"', "[[hooks]]", 'on = ["EVENT"]', `programs = [${q(p)}]`, 'command = ["x"]'),
    (c) => c.hooks[0]!.programs, (p) => [p]],
  ["socket_owner (resolved when the socket is made)", (p) => toml("[supervisor]", `socket_owner = ${q(p)}`), (c) => c.supervisor.socket_owner, (p) => p],
];

/** Places where a name is looked up in tsvisor's own vocabulary: each refusal, in the words it must use. */
const LOOKED_UP: [string, (p: string) => string, (p: string) => string][] = [
  ["top-level key", (p) => toml(`${key(p)} = 1`), (p) => `${formatPath([p])}: unknown top-level key ${q(p)}`],
  ["top-level table", (p) => toml(`[${key(p)}]`, "x = 1"), (p) => `unknown top-level key ${q(p)}`],
  ["[supervisor] key", (p) => toml("[supervisor]", `${key(p)} = 1`), (p) => `supervisor.${formatPath([p])}: unknown key ${q(p)}`],
  ["forward_signals", (p) => toml("[supervisor]", `forward_signals = [${q(p)}]`), (p) => `supervisor.forward_signals: unknown signal ${q(p)}`],
  ["[programs.NAME] key", (p) => toml(...web, `${key(p)} = 1`), (p) => `programs.web.${formatPath([p])}: unknown key ${q(p)}`],
  ["stopsignal", (p) => toml(...web, `stopsignal = ${q(p)}`), (p) => `programs.web.stopsignal: unknown signal ${q(p)}`],
  ["depends_on", (p) => toml(...web, `depends_on = [${q(p)}]`), (p) => `programs.web.depends_on: depends on ${q(p)}, which is not a program`],
  ["user", (p) => toml(...web, `user = ${q(p)}`), (p) => `programs.web.user: unknown user ${q(p)}: not in /etc/passwd`],
  ["autorestart", (p) => toml(...web, `autorestart = ${q(p)}`), (p) => `programs.web.autorestart: expected true, false or "unexpected"; got ${q(p)}`],
  ["a size's unit", (p) => toml(...web, `stdout_logfile_maxbytes = "5${p}"`), (p) => `programs.web.stdout_logfile_maxbytes: expected bytes`],
  ["a duration's unit", (p) => toml(...web, `stopwaitsecs = "5${p}"`), (p) => `programs.web.stopwaitsecs: expected seconds`],
  ["a placeholder in process_name", (p) => toml(...web, `process_name = "{${p}}"`), (p) => `unknown placeholder "{${p}}"`],
  ["a placeholder in a log file", (p) => toml(...web, `stdout_logfile = "/var/log/{${p}}.log"`), (p) => `unknown placeholder "{${p}}"`],
  ["a variable in environment", (p) => toml(...web, `environment = { A = "\${${p}}" }`), (p) => `programs.web.environment.A: variable ${p} is not set`],
  ["[programs.NAME.healthcheck] key", (p) => toml(...web, "[programs.web.healthcheck]", 'command = ["x"]', `${key(p)} = 1`), (p) => `programs.web.healthcheck.${formatPath([p])}: unknown key ${q(p)}`],
  ["on_unhealthy", (p) => toml(...web, "[programs.web.healthcheck]", 'command = ["x"]', `on_unhealthy = ${q(p)}`), (p) => `expected "report" or "restart"; got ${q(p)}`],
  ["hooks.on", (p) => toml("[[hooks]]", `on = [${q(p)}]`, 'command = ["x"]'), (p) => `hooks.0.on: unknown event ${q(p)}`],
  ["hooks.programs", (p) => toml(...web, "[[hooks]]", 'on = ["EVENT"]', `programs = [${q(p)}]`, 'command = ["x"]'), (p) => `hooks.0.programs: no process or program named ${q(p)}`],
  ["[[hooks]] key", (p) => toml("[[hooks]]", 'on = ["EVENT"]', 'command = ["x"]', `${key(p)} = 1`), (p) => `hooks.0.${formatPath([p])}: unknown key ${q(p)}`],
  ["eventlisteners events", (p) => toml("[eventlisteners.l]", 'command = ["x"]', `events = [${q(p)}]`), (p) => `eventlisteners.l.events: unknown event ${q(p)}`],
  ["[eventlisteners.NAME] key", (p) => toml("[eventlisteners.l]", 'command = ["x"]', 'events = ["EVENT"]', `${key(p)} = 1`), (p) => `eventlisteners.l.${formatPath([p])}: unknown key ${q(p)}`],
  ["[http] key", (p) => toml("[http]", 'listen = "127.0.0.1:9001"', `${key(p)} = 1`), (p) => `http.${formatPath([p])}: unknown key ${q(p)}`],
  ["include", (p) => toml(`include = ${q(p)}`), (p) => `include: no such file ${q(p)}`],
];

describe.each(CHOSEN)("a name of Object.prototype as %s works as that name", (_, write, read, expected) => {
  test.each(PROTOTYPE_NAMES)("%s", (p) => {
    const config = load({ "tsvisor.toml": write(p) });
    expect(read(config, p)).toEqual(expected(p));
    // `config show` writes it back so that it loads the same
    expect(read(load({ "tsvisor.toml": renderConfig(config) }), p)).toEqual(expected(p));
  });
});

describe.each(LOOKED_UP)("a name of Object.prototype as %s is a config error", (_, write, message) => {
  test.each(PROTOTYPE_NAMES)("%s", (p) => {
    const text = loadError({ "tsvisor.toml": write(p) });
    expect(text).toContain(message(p));
    expect(text).toMatch(/^tsvisor\.toml:\d+:\d+: /); // located, like every config error
  });
});

test("the records a config fills with its own names have no prototype to answer other names", () => {
  const config = load({ "tsvisor.toml": toml(...web, 'environment = { A = "1" }', "[eventlisteners.l]", 'command = ["x"]', 'events = ["EVENT"]') });
  for (const record of [config.programs, config.eventlisteners, config.programs.web!.environment]) {
    expect(PROTOTYPE_NAMES.filter((p) => record[p] !== undefined)).toEqual([]);
  }
});

test("smol-toml keeps __proto__ as a key: the parsed tables are not polluted", () => {
  const config = load({ "tsvisor.toml": toml("[programs.__proto__]", 'command = "x"', "[programs.web]", 'command = "y"', 'environment = { __proto__ = "p" }') });
  expect([Object.keys(config.programs), config.programs.__proto__?.command, config.programs.web!.environment.__proto__]).toEqual([["__proto__", "web"], ["x"], "p"]);
  expect(({} as Record<string, unknown>).command).toBeUndefined(); // Object.prototype itself untouched
});

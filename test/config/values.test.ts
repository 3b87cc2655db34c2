import { describe, expect, test } from "bun:test";
import { expandVariables } from "../../src/config/expand.ts";
import { splitCommand } from "../../src/config/split-command.ts";
import { ValueError } from "../../src/config/value-error.ts";
import * as values from "../../src/config/values.ts";

// The message a converter throws for a bad value, or a failure naming what it returned instead.
function messageOf(convert: () => unknown): string {
  try {
    return `no error; returned ${JSON.stringify(convert())}`;
  } catch (error) {
    if (error instanceof ValueError) return error.message;
    throw error;
  }
}

describe("duration", () => {
  test.each([
    [10, 10], [0, 0], [1.5, 1.5], ["500ms", 0.5], ["10s", 10], ["1.5s", 1.5], ["5m", 300], ["1h", 3600], [" 2s ", 2], [".5s", 0.5],
  ] as const)("%p -> %p seconds", (input, seconds) => expect(values.duration(input)).toBe(seconds));

  const expected = 'expected seconds (a number >= 0) or a duration like "500ms", "10s", "5m", "1h"';
  test.each([
    [-1, `${expected}; got -1`], ["10", `${expected}; got "10"`], ["10x", `${expected}; got "10x"`],
    ["s", `${expected}; got "s"`], [Infinity, `${expected}; got inf`], [true, `${expected}; got true`],
  ] as const)("rejects %p", (input, message) => expect(messageOf(() => values.duration(input))).toBe(message));
});

describe("size", () => {
  // supervisord's byte_size: KB, MB and GB are 1024-based; KiB, MiB and GiB say so explicitly.
  test.each([
    [0, 0], [1048576, 1048576], ["500B", 500], ["4KB", 4096], ["50MB", 50 * 1024 ** 2], ["50mb", 50 * 1024 ** 2],
    ["1GB", 1024 ** 3], ["1GiB", 1024 ** 3], ["1.5 KiB", 1536], [" 2MiB ", 2 * 1024 ** 2],
  ] as const)("%p -> %p bytes", (input, bytes) => expect(values.size(input)).toBe(bytes));

  const expected = 'expected bytes (an integer >= 0) or a size like "500KB", "50MB", "1GB" (1024-based, as supervisord)';
  test.each([
    [-1, `${expected}; got -1`], [1.5, `${expected}; got 1.5`], ["50", `${expected}; got "50"`],
    ["50 megs", `${expected}; got "50 megs"`], ["MB", `${expected}; got "MB"`], [true, `${expected}; got true`],
  ] as const)("rejects %p", (input, message) => expect(messageOf(() => values.size(input))).toBe(message));
});

describe("logfile", () => {
  test.each([
    ["auto", "auto"], ["AUTO", "auto"], ["NONE", "none"], ["/var/log/web.log", "/var/log/web.log"],
    ["logs/{name}-{num:02}.log", "logs/{name}-{num:02}.log"],
  ] as const)("%p -> %p", (input, out) => expect(values.logfile(input)).toBe(out));
  test.each([
    ["", 'expected a non-empty string; got ""'],
    ["/logs/{nmae}.log", 'unknown placeholder "{nmae}" in "/logs/{nmae}.log"; allowed: {name} {num} {num:0N} (did you mean "{name}"?)'],
  ] as const)("rejects %p", (input, message) => expect(messageOf(() => values.logfile(input))).toBe(message));
});

describe("integer", () => {
  test.each([[0, 0, 0], [5, 1, 5], [-3, undefined, -3], [255, 0, 255]] as const)("%p (min %p) -> %p", (input, min, out) =>
    expect(values.integer(input, min)).toBe(out));
  test.each([
    [() => values.integer(1.5, 0), "expected an integer >= 0; got 1.5"],
    [() => values.integer(0, 1), "expected an integer >= 1; got 0"],
    [() => values.integer(300, 0, 255), "expected an integer from 0 to 255; got 300"],
    [() => values.integer("3"), 'expected an integer; got "3"'],
  ])("rejects #%#", (convert, message) => expect(messageOf(convert)).toBe(message));
});

describe("boolean", () => {
  test.each([true, false])("%p", (input) => expect(values.boolean(input)).toBe(input));
  test.each([
    ["yes", 'expected true or false; got "yes"'],
    ["true", 'expected true or false; got "true" (write it without quotes)'],
    [1, "expected true or false; got 1"],
  ] as const)("rejects %p", (input, message) => expect(messageOf(() => values.boolean(input))).toBe(message));
});

describe("autorestart", () => {
  test.each([true, false, "unexpected"] as const)("%p", (input) => expect(values.autorestart(input)).toBe(input));
  test.each([
    ["unexpectd", 'expected true, false or "unexpected"; got "unexpectd" (did you mean "unexpected"?)'],
    ["always", 'expected true, false or "unexpected"; got "always"'],
    [1, 'expected true, false or "unexpected"; got 1'],
  ] as const)("rejects %p", (input, message) => expect(messageOf(() => values.autorestart(input))).toBe(message));
});

describe("exitcodes", () => {
  test.each([[[0], [0]], [[0, 2, 255], [0, 2, 255]], [[], []], [1, [1]]] as const)("%p -> %p", (input, out) =>
    expect(values.exitcodes(input)).toEqual([...out]));
  test.each([
    [[0, 256], "expected exit codes from 0 to 255, e.g. [0, 2]; got [0, 256]"],
    [["0"], 'expected exit codes from 0 to 255, e.g. [0, 2]; got ["0"]'],
    [-1, "expected exit codes from 0 to 255, e.g. [0, 2]; got -1"],
  ] as const)("rejects %p", (input, message) => expect(messageOf(() => values.exitcodes(input))).toBe(message));
});

describe("signal", () => {
  test.each([["TERM", "TERM"], ["SIGTERM", "TERM"], ["term", "TERM"], ["sigusr1", "USR1"], ["KILL", "KILL"], ["HUP", "HUP"]] as const)(
    "%p -> %p", (input, out) => expect(values.signal(input)).toBe(out));
  const allowed = "allowed: TERM INT QUIT HUP KILL USR1 USR2";
  test.each([
    ["TREM", `unknown signal "TREM"; ${allowed} (did you mean "TERM"?)`],
    ["SIGUSR3", `unknown signal "SIGUSR3"; ${allowed} (did you mean "USR1"?)`],
    ["WINCH", `signal not allowed as a stop signal: "WINCH"; ${allowed}`],
    ["bogus", `unknown signal "bogus"; ${allowed}`],
    [15, `expected a signal name; ${allowed}; got 15`],
  ] as const)("rejects %p", (input, message) => expect(messageOf(() => values.signal(input))).toBe(message));
});

describe("forwardSignals", () => {
  test.each([
    [["USR1"], ["USR1"]],
    [["sigwinch", "USR1", "SIGUSR1"], ["WINCH", "USR1"]],
    [[], []],
    // the signals Bun's process.on cannot catch (os/unnamed-signals.ts), RTMAX-N written as RTMIN+N where it is one
    [["stkflt", "SIGRTMIN", "RTMIN+2", "rtmax-1", "RTMAX"], ["STKFLT", "RTMIN", "RTMIN+2", "RTMAX-1", "RTMAX"]],
    [["RTMAX-28"], ["RTMIN+2"]],
  ] as const)("%p -> %p", (input, out) => expect(values.forwardSignals(input)).toEqual([...out]));
  const allowed = "allowed: USR1 ALRM CONT TSTP URG XCPU VTALRM PROF WINCH IO STKFLT RTMIN RTMIN+N RTMAX-N RTMAX";
  test.each([
    [["RTMIN+99"], `unknown signal "RTMIN+99"; ${allowed}`],
    [["USR3"], `unknown signal "USR3"; ${allowed} (did you mean "USR1"?)`],
    [["TERM"], `tsvisor handles this signal itself, it cannot be forwarded: "TERM"; ${allowed}`],
    [["HUP"], `tsvisor handles this signal itself, it cannot be forwarded: "HUP"; ${allowed}`],
    [["KILL"], `signal cannot be forwarded: "KILL"; ${allowed}`],
    [["CHLD"], `signal cannot be forwarded: "CHLD"; ${allowed}`],
    ["USR1", `expected an array of signal names, e.g. ["USR1", "WINCH"]; ${allowed}; got "USR1"`],
  ] as const)("rejects %p", (input, message) => expect(messageOf(() => values.forwardSignals(input))).toBe(message));
});

describe("umask", () => {
  test.each([["022", 0o22], ["0o022", 0o22], ["0027", 0o27], ["777", 0o777], ["0", 0], [18, 18], [0, 0]] as const)(
    "%p -> %p", (input, out) => expect(values.umask(input)).toBe(out));
  const expected = 'expected an octal umask like "022" or "0o022", or an integer from 0 to 0o777';
  test.each([["088", `${expected}; got "088"`], ["1777", `${expected}; got "1777"`], [512, `${expected}; got 512`], ["", `${expected}; got ""`]] as const)(
    "rejects %p", (input, message) => expect(messageOf(() => values.umask(input))).toBe(message));
});

describe("fileMode", () => {
  test.each([["0600", 0o600], ["660", 0o660], ["0o666", 0o666], ["0", 0], [0o640, 0o640]] as const)(
    "%p -> %p", (input, out) => expect(values.fileMode(input)).toBe(out));
  const expected = 'expected an octal file mode like "0600" or "0660", or an integer from 0 to 0o777';
  test.each([["0800", `${expected}; got "0800"`], ["1777", `${expected}; got "1777"`], [1000, `${expected}; got 1000`], [true, `${expected}; got true`]] as const)(
    "rejects %p", (input, message) => expect(messageOf(() => values.fileMode(input))).toBe(message));
});

describe("owner", () => {
  test.each([["www-data", "www-data"], ["root:adm", "root:adm"], ["1000:1000", "1000:1000"], [" ops ", "ops"]] as const)(
    "%p -> %p", (input, out) => expect(values.owner(input)).toBe(out));
  const expected = 'expected "user" or "user:group" (names or numeric ids)';
  test.each([["a:b:c", `${expected}; got "a:b:c"`], ["root:", `${expected}; got "root:"`], [":adm", `${expected}; got ":adm"`], [0, `${expected}; got 0`]] as const)(
    "rejects %p", (input, message) => expect(messageOf(() => values.owner(input))).toBe(message));
});

describe("command", () => {
  test.each([
    [["node", "server.js"], ["node", "server.js"]],
    ["node server.js", ["node", "server.js"]],
    ["  node\tserver.js  ", ["node", "server.js"]],
    ["echo 'a b' \"c d\"", ["echo", "a b", "c d"]],
    ["echo 'it''s'", ["echo", "its"]],
    ['echo "say \\"hi\\" \\$HOME \\n"', ["echo", 'say "hi" $HOME \\n']],
    ["echo a\\ b \\'c", ["echo", "a b", "'c"]],
    ["echo '' \"\"", ["echo", "", ""]],
    ["echo $HOME *.txt ~", ["echo", "$HOME", "*.txt", "~"]],
    ["echo '|' \\;", ["echo", "|", ";"]],
    ["a \\\nb", ["a", "b"]],
  ] as const)("%p -> %p", (input, argv) => expect(values.command(input)).toEqual([...argv]));

  test.each([
    ["echo 'hi", `unterminated single quote in command "echo 'hi"`],
    ['echo "hi', 'unterminated double quote in command "echo \\"hi"'],
    ["echo hi\\", 'command ends with a lone backslash: "echo hi\\\\"'],
    ["   ", 'expected a command to run; got "   "'],
    ["ps aux | grep x", 'shell operator "|" in command "ps aux | grep x", but tsvisor runs no shell'],
    [[], "expected a command string or a non-empty array of non-empty strings; got []"],
    [["node", ""], 'expected a command string or a non-empty array of non-empty strings; got ["node", ""]'],
    [42, "expected a command string or a non-empty array of non-empty strings; got 42"],
  ] as const)("rejects %p", (input, message) => expect(messageOf(() => values.command(input))).toBe(message));

  test("a shell operator comes with a hint to use sh -c", () => {
    expect(() => splitCommand("a && b")).toThrow(expect.objectContaining({ hint: 'to use a shell, write command = ["sh", "-c", "a && b"]' }));
  });
});

describe("environment", () => {
  test.each([
    [{}, {}],
    [{ PORT: 8080, DEBUG: true, NAME: "web", RATIO: 0.5 }, { PORT: "8080", DEBUG: "true", NAME: "web", RATIO: "0.5" }],
    [{ _X1: "" }, { _X1: "" }],
  ] as const)("%p -> %p", (input, out) => expect(values.environment(input)).toEqual(out));
  test.each([
    [{ "1X": "a" }, 'invalid variable name "1X": expected letters, digits and "_", not starting with a digit'],
    [{ "A-B": "a" }, 'invalid variable name "A-B": expected letters, digits and "_", not starting with a digit'],
    [{ A: [1] }, "expected a string, number or boolean; got [1]"],
    [["A=1"], 'expected a table; got ["A=1"]'],
    ["A=1", 'expected a table; got "A=1"'],
  ] as const)("rejects %p", (input, message) => expect(messageOf(() => values.environment(input))).toBe(message));
});

describe("process_name", () => {
  test.each([
    ["{name}", 3, "web"], ["{name}-{num}", 3, "web-3"], ["{name}-{num:02}", 3, "web-03"], ["{name}_{num:03}", 12, "web_012"],
    ["worker.{num}", 0, "worker.0"], ["{name}-{num:02}", 123, "web-123"],
  ] as const)("%p with num %p -> %p", (template, num, name) =>
    expect(values.expandProcessName(values.processName(template), "web", num)).toBe(name));
  test.each([
    ["{nme}-{num}", 'unknown placeholder "{nme}" in "{nme}-{num}"; allowed: {name} {num} {num:0N} (did you mean "{name}"?)'],
    ["{num:2}", 'unknown placeholder "{num:2}" in "{num:2}"; allowed: {name} {num} {num:0N} (did you mean "{num:02}"?)'],
    ["{name} {num}", 'expected letters, digits, "_", "." and "-" around the placeholders; got "{name} {num}"'],
    ["{name", 'expected letters, digits, "_", "." and "-" around the placeholders; got "{name"'],
    ["", 'expected a name template like "{name}-{num}"; got ""'],
  ] as const)("rejects %p", (input, message) => expect(messageOf(() => values.processName(input))).toBe(message));
});

describe("expandVariables", () => {
  const env = { DATABASE_URL: "postgres://db", EMPTY: "", HOME: "/root" };
  test.each([
    ["${DATABASE_URL}", "postgres://db"],
    ["url=${DATABASE_URL}/x", "url=postgres://db/x"],
    ["${MISSING:-fallback}", "fallback"],
    ["${EMPTY:-fallback}", "fallback"],
    ["${EMPTY}", ""],
    ["${MISSING:-}", ""],
    ["${DATABASE_URL:-x}", "postgres://db"],
    ["$$HOME $${HOME}", "$HOME ${HOME}"],
    ["$HOME costs $5", "$HOME costs $5"],
    ["${MISSING:-a:-b}", "a:-b"],
  ] as const)("%p -> %p", (input, out) => expect(expandVariables(input, env)).toBe(out));
  test.each([
    ["${DB_URL}", "variable DB_URL is not set", "export DB_URL before starting tsvisor, or write ${DB_URL:-} for an empty default"],
    ["${1X}", 'invalid variable reference "${1X}" in "${1X}"', 'use ${NAME} or ${NAME:-default}; write "$$" for a literal "$"'],
    ["a${B", 'unterminated "${" in "a${B"', 'write "$$" for a literal "$"'],
    ["${MISSING:-${HOME}}", 'a default cannot hold another reference: "${MISSING:-${HOME}" in "${MISSING:-${HOME}}"', 'a default is literal text: write ${NAME:-text}, or set NAME; write "$$" for a literal "$"'],
  ] as const)("rejects %p", (input, message, hint) => {
    expect(() => expandVariables(input, env)).toThrow(expect.objectContaining({ message, hint }));
  });
});

test("text and user take non-empty strings; user also a numeric uid", () => {
  expect([values.text("/app"), values.user("www-data"), values.user(1000), values.user(" app ")]).toEqual(["/app", "www-data", "1000", "app"]);
  expect([messageOf(() => values.text("")), messageOf(() => values.user(-1))]).toEqual([
    'expected a non-empty string; got ""',
    "expected a user name or a numeric uid; got -1",
  ]);
});

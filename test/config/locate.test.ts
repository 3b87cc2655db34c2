import { describe, expect, test } from "bun:test";
import { formatDiagnostics } from "../../src/config/diagnostic.ts";
import { locateKey } from "../../src/config/locate.ts";
import { editDistance, suggest } from "../../src/config/suggest.ts";

const source = [
  "# tsvisor",                                               // 1
  'include = ["conf.d/*.toml"]',                             // 2
  "[supervisor]",                                            // 3
  'socket = "/run/x.sock" # comment',                        // 4
  "[programs.web]",                                          // 5
  'command = """',                                           // 6
  "[programs.fake]",                                         // 7 (inside a multi-line string)
  '"""',                                                     // 8
  '"stop signal" = 1',                                       // 9
  "environment = { PORT = 8080, DB = { x = 1 }, 'Q K' = 2 }",// 10
  "exitcodes = [",                                           // 11
  "  0, # ok",                                               // 12
  "  2,",                                                    // 13
  "]",                                                       // 14
  "[programs]",                                              // 15
  'api.command = "x"',                                       // 16
  '"quoted.name" . startsecs = 2',                           // 17
  "[[programs.list]]",                                       // 18
  "k = 1",                                                   // 19
].join("\n");

describe("locateKey", () => {
  test.each([
    [["include"], "key", { line: 2, column: 1 }],
    [["include"], "value", { line: 2, column: 11 }],
    [["supervisor", "socket"], "value", { line: 4, column: 10 }],
    [["supervisor"], "key", { line: 3, column: 1 }],
    [["programs", "web"], "key", { line: 5, column: 1 }],
    [["programs", "web", "command"], "value", { line: 6, column: 11 }],
    [["programs", "fake"], "key", { line: 5, column: 2 }], // the header on line 7 is inside a string
    [["programs", "web", "stop signal"], "key", { line: 9, column: 1 }],
    [["programs", "web", "environment", "PORT"], "value", { line: 10, column: 24 }],
    [["programs", "web", "environment", "DB", "x"], "key", { line: 10, column: 37 }],
    [["programs", "web", "environment", "Q K"], "key", { line: 10, column: 46 }],
    [["programs", "web", "exitcodes"], "value", { line: 11, column: 13 }],
    [["programs", "web", "priority"], "value", { line: 5, column: 1 }],
    [["programs", "api", "command"], "value", { line: 16, column: 15 }],
    [["programs", "api"], "key", { line: 16, column: 1 }],
    [["programs", "quoted.name", "startsecs"], "key", { line: 17, column: 17 }],
    [["programs", "list", "k"], "key", { line: 19, column: 1 }],
    [["programs"], "key", { line: 5, column: 2 }],
    [["nothing"], "key", null],
    [[], "key", null],
  ] as const)("%p at %s -> %p", (path, at, location) => expect(locateKey(source, path, at)).toEqual(location));
});

describe("formatDiagnostics", () => {
  test("sorted by file and line; codeblock when located; hint last", () => {
    const sources = new Map([["/etc/b.toml", "a = 1\nstopsignal = \"TREM\"\n"], ["/etc/a.toml", "x"]]);
    const text = formatDiagnostics(
      [
        { file: "/etc/b.toml", line: 2, column: 14, path: "programs.web.stopsignal", message: "bad", hint: "fix it" },
        { file: "/etc/b.toml", line: 1, path: "a", message: "no column" },
        { file: "/etc/a.toml", path: "", message: "unreadable" },
      ],
      sources,
      "/etc",
    );
    expect(text).toBe(
      [
        "a.toml: unreadable",
        "b.toml:1: a: no column",
        "    1 | a = 1",
        "b.toml:2:14: programs.web.stopsignal: bad",
        '    2 | stopsignal = "TREM"',
        "      |              ^",
        "      = hint: fix it",
      ].join("\n"),
    );
  });
});

describe("suggest", () => {
  test.each([
    ["TREM", ["TERM", "INT"], "TERM"],
    ["autorestrat", ["autorestart", "autostart"], "autorestart"],
    ["Command", ["command"], "command"],
    ["colour", ["socket", "log_dir"], null],
    ["x", ["y"], "y"],
  ] as const)("%p among %p -> %p", (input, candidates, match) => expect(suggest(input, candidates)).toBe(match));
  test("transpositions cost one", () => expect([editDistance("TREM", "TERM"), editDistance("abc", "abc"), editDistance("", "ab")]).toEqual([1, 0, 2]));
});

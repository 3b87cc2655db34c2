// Every way a config can be wrong, with the full text `tsvisor config check` prints for it.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import { ConfigError } from "../../src/config/diagnostic.ts";
import type { TsvisorError } from "../../src/errors.ts";
import { errorText, loadError, toml, writeTree } from "./_helpers.ts";

const web = (...lines: string[]) => ({ "tsvisor.toml": toml("[programs.web]", 'command = "node server.js"', ...lines) });

describe("keys", () => {
  test("an unknown program key suggests the closest one", () => {
    expect(loadError(web("autorestrat = true"))).toMatchInlineSnapshot(`
      "tsvisor.toml:3:1: programs.web.autorestrat: unknown key "autorestrat" (did you mean "autorestart"?)
          3 | autorestrat = true
            | ^"
    `);
  });

  test("an unknown key with nothing close lists the allowed ones", () => {
    expect(loadError({ "tsvisor.toml": toml("[supervisor]", 'colour = "blue"') })).toMatchInlineSnapshot(`
      "tsvisor.toml:2:1: supervisor.colour: unknown key "colour"; allowed: socket socket_mode socket_owner log_dir console log_timestamps forward_signals sample_interval rpc_username rpc_password
          2 | colour = "blue"
            | ^"
    `);
  });

  test("an unknown top-level table suggests the closest one", () => {
    expect(loadError({ "tsvisor.toml": toml("[programms.web]", 'command = "x"') })).toMatchInlineSnapshot(`
      "tsvisor.toml:1:2: programms: unknown top-level key "programms"; allowed: include supervisor programs groups hooks eventlisteners http (did you mean "programs"?)
          1 | [programms.web]
            |  ^"
    `);
  });

  test("a missing command points at the program's header", () => {
    expect(loadError({ "tsvisor.toml": toml("", "[programs.web]", "priority = 1") })).toMatchInlineSnapshot(`
      "tsvisor.toml:2:1: programs.web: missing required key "command"
          2 | [programs.web]
            | ^
            = hint: add command = ["program", "arg"] to [programs.web]"
    `);
  });

  test("a program name outside [A-Za-z0-9_.-] is rejected", () => {
    expect(loadError({ "tsvisor.toml": toml('[programs."my web"]', 'command = "x"') })).toMatchInlineSnapshot(`
      "tsvisor.toml:1:1: programs."my web": invalid program name "my web": expected letters, digits, "_", "." and "-"
          1 | [programs."my web"]
            | ^"
    `);
  });
});

describe("values", () => {
  test("a bad signal points at the value and suggests a signal", () => {
    expect(loadError(web('stopsignal = "TREM"'))).toMatchInlineSnapshot(`
      "tsvisor.toml:3:14: programs.web.stopsignal: unknown signal "TREM"; allowed: TERM INT QUIT HUP KILL USR1 USR2 (did you mean "TERM"?)
          3 | stopsignal = "TREM"
            |              ^"
    `);
  });

  test("forward_signals rejects a signal tsvisor handles itself, naming the ones it may forward", () => {
    expect(loadError({ "tsvisor.toml": toml("[supervisor]", 'forward_signals = ["USR1", "HUP"]', "[programs.web]", 'command = "x"') })).toMatchInlineSnapshot(`
      "tsvisor.toml:2:19: supervisor.forward_signals: tsvisor handles this signal itself, it cannot be forwarded: "HUP"; allowed: USR1 ALRM CONT TSTP URG XCPU VTALRM PROF WINCH IO STKFLT RTMIN RTMIN+N RTMAX-N RTMAX
          2 | forward_signals = ["USR1", "HUP"]
            |                   ^"
    `);
  });

  // Regression (issue 19): "every error at once" held only for the first bad element of an array.
  test("forward_signals reports every bad element, not only the first", () => {
    const message = loadError({ "tsvisor.toml": toml("[supervisor]", 'forward_signals = ["HUP", "USR1", "NOPE"]', "[programs.web]", 'command = "x"') });
    expect(message).toContain('tsvisor.toml:2:19: supervisor.forward_signals: element 1: tsvisor handles this signal itself, it cannot be forwarded: "HUP"');
    expect(message).toContain('tsvisor.toml:2:19: supervisor.forward_signals: element 3: unknown signal "NOPE"');
  });

  test("a bad value in a dotted key and in an inline table is located", () => {
    expect(loadError({ "tsvisor.toml": toml("[programs]", 'web = { command = "x", startsecs = -1 }', 'api.command = ""') })).toMatchInlineSnapshot(`
      "tsvisor.toml:2:36: programs.web.startsecs: expected seconds (a number >= 0) or a duration like "500ms", "10s", "5m", "1h"; got -1
          2 | web = { command = "x", startsecs = -1 }
            |                                    ^
      tsvisor.toml:3:15: programs.api.command: expected a command to run; got ""
          3 | api.command = ""
            |               ^
      2 errors in config"
    `);
  });

  test("stopasgroup = true with killasgroup = false is a contradiction, as in supervisord", () => {
    expect(loadError(web("stopasgroup = true", "killasgroup = false"))).toMatchInlineSnapshot(`
      "tsvisor.toml:4:1: programs.web.killasgroup: Cannot set stopasgroup=true and killasgroup=false
          4 | killasgroup = false
            | ^
            = hint: remove killasgroup: stopasgroup = true implies killasgroup = true"
    `);
  });

  test("an unset variable in environment says how to set it or give a default", () => {
    expect(loadError(web('environment = { DB = "${DATABASE_URL}" }'))).toMatchInlineSnapshot(`
      "tsvisor.toml:3:22: programs.web.environment.DB: variable DATABASE_URL is not set
          3 | environment = { DB = "\${DATABASE_URL}" }
            |                      ^
            = hint: export DATABASE_URL before starting tsvisor, or write \${DATABASE_URL:-} for an empty default"
    `);
  });

  test("numprocs > 1 with a process_name without {num} would name every instance alike", () => {
    expect(loadError(web("numprocs = 2", 'process_name = "web"'))).toMatchInlineSnapshot(`
      "tsvisor.toml:4:16: programs.web.process_name: process_name "web" has no {num}, so the 2 instances would share one name
          4 | process_name = "web"
            |                ^
            = hint: write process_name = "{name}-{num}", or leave it out for that default"
    `);
  });

  test("two programs making the same process name are both named", () => {
    const files = { "tsvisor.toml": toml("[programs.web]", 'command = "a"', "numprocs = 2", "[programs.web-1]", 'command = "b"') };
    expect(loadError(files)).toMatchInlineSnapshot(`
      "tsvisor.toml:4:1: programs.web-1.process_name: process name "web-1" is made by both programs "web" and "web-1"
          4 | [programs.web-1]
            | ^
            = hint: give one of them a process_name of its own"
    `);
  });
});

describe("log files", () => {
  test("numprocs > 1 with a log file without {num} would make the instances write one file", () => {
    expect(loadError(web("numprocs = 2", 'stdout_logfile = "/logs/web.log"'))).toMatchInlineSnapshot(`
      "tsvisor.toml:4:18: programs.web.stdout_logfile: stdout_logfile "/logs/web.log" has no {num}, so the 2 instances would write one file
          4 | stdout_logfile = "/logs/web.log"
            |                  ^
            = hint: put {num} in the file name, e.g. "/logs/{name}-{num}.out.log""
    `);
  });

  test("two processes writing one log file are both named", () => {
    const files = {
      "tsvisor.toml": toml("[programs.web]", 'command = "a"', 'stdout_logfile = "/logs/app.log"', "[programs.api]", 'command = "b"', 'stderr_logfile = "/logs/app.log"'),
    };
    expect(loadError(files)).toMatchInlineSnapshot(`
      "tsvisor.toml:6:18: programs.api.stderr_logfile: log file "/logs/app.log" is written by both web (stdout) and api (stderr)
          6 | stderr_logfile = "/logs/app.log"
            |                  ^
            = hint: give each program and stream a file of its own, or set redirect_stderr = true to send stderr to the stdout log"
    `);
  });

  test("a bad size names the unit rule", () => {
    expect(loadError(web('stdout_logfile_maxbytes = "50 megs"'))).toMatchInlineSnapshot(`
      "tsvisor.toml:3:27: programs.web.stdout_logfile_maxbytes: expected bytes (an integer >= 0) or a size like "500KB", "50MB", "1GB" (1024-based, as supervisord); got "50 megs"
          3 | stdout_logfile_maxbytes = "50 megs"
            |                           ^"
    `);
  });
});

describe("user", () => {
  test("a user other than tsvisor's own needs root", () => {
    expect(loadError(web('user = "root"'), { uid: 1000 })).toMatchInlineSnapshot(`
      "tsvisor.toml:3:8: programs.web.user: user = "root" needs tsvisor to run as root
          3 | user = "root"
            |        ^
            = hint: tsvisor runs as uid 1000: start it as root, or remove user to run the program as uid 1000"
    `);
  });

  test("an unknown user name is rejected", () => {
    expect(loadError(web('user = "no-such-user-here"'))).toMatchInlineSnapshot(`
      "tsvisor.toml:3:8: programs.web.user: unknown user "no-such-user-here": not in /etc/passwd
          3 | user = "no-such-user-here"
            |        ^
            = hint: create the user in the image (useradd), or give a numeric uid"
    `);
  });
});

describe("files", () => {
  test("a TOML syntax error has its line and column", () => {
    expect(loadError({ "tsvisor.toml": toml("[programs.web]", "command = ") })).toMatchInlineSnapshot(`
      "tsvisor.toml:2:11: invalid TOML: invalid value
          2 | command = 
            |           ^"
    `);
  });

  test("a syntax error in an included file is reported in that file", () => {
    const files = { "tsvisor.toml": toml('include = "conf.d/*.toml"'), "conf.d/web.toml": toml("[programs.web", 'command = "x"') };
    expect(loadError(files)).toMatchInlineSnapshot(`
      "conf.d/web.toml:1:14: invalid TOML: illegal character in key
          1 | [programs.web
            |              ^"
    `);
  });

  test("a missing literal include is an error; a glob matching nothing is not", () => {
    expect(loadError({ "tsvisor.toml": toml('include = ["none/*.toml", "conf.d/web.toml"]') })).toMatchInlineSnapshot(`
      "tsvisor.toml:1:11: include: no such file "conf.d/web.toml"
          1 | include = ["none/*.toml", "conf.d/web.toml"]
            |           ^"
    `);
  });

  test("an include naming a directory suggests a glob", () => {
    expect(loadError({ "tsvisor.toml": toml('include = "conf.d"'), "conf.d/web.toml": "" })).toMatchInlineSnapshot(`
      "tsvisor.toml:1:11: include: "conf.d" is a directory; to include its files, write "conf.d/*.toml"
          1 | include = "conf.d"
            |           ^"
    `);
  });

  test("an include that is not a path is rejected", () => {
    expect(loadError({ "tsvisor.toml": toml("include = 5") })).toMatchInlineSnapshot(`
      "tsvisor.toml:1:11: include: expected a path or glob, or an array of them, e.g. ["conf.d/*.toml"]; got 5
          1 | include = 5
            |           ^"
    `);
  });

  test("an include cycle is an error", () => {
    const files = { "tsvisor.toml": toml('include = "conf.d/*.toml"'), "conf.d/a.toml": toml('include = "../tsvisor.toml"') };
    expect(loadError(files)).toMatchInlineSnapshot(`
      "conf.d/a.toml:1:11: include: "../tsvisor.toml" makes a cycle: tsvisor.toml -> conf.d/a.toml -> tsvisor.toml
          1 | include = "../tsvisor.toml"
            |           ^
            = hint: keep included files in a directory of their own, such as conf.d/"
    `);
  });

  test("a program defined in two files names both", () => {
    const files = {
      "tsvisor.toml": toml('include = "conf.d/*.toml"', "[programs.web]", 'command = "a"'),
      "conf.d/web.toml": toml("[programs.web]", 'command = "b"'),
    };
    expect(loadError(files)).toMatchInlineSnapshot(`
      "conf.d/web.toml:1:1: programs.web: defined in both tsvisor.toml and conf.d/web.toml
          1 | [programs.web]
            | ^
            = hint: define each program in one file only, or rename one of them"
    `);
  });

  test("a [supervisor] key set in two files is an error", () => {
    const files = {
      "tsvisor.toml": toml('include = "conf.d/*.toml"', "[supervisor]", 'socket = "/a.sock"'),
      "conf.d/x.toml": toml("[supervisor]", 'socket = "/b.sock"', 'log_dir = "/logs"'),
    };
    expect(loadError(files)).toMatchInlineSnapshot(`
      "conf.d/x.toml:2:1: supervisor.socket: set in both tsvisor.toml and conf.d/x.toml
          2 | socket = "/b.sock"
            | ^
            = hint: set it in one file only"
    `);
  });
});

test("every error is reported at once, sorted by file and line, with a count", () => {
  const files = {
    "tsvisor.toml": toml(
      'include = "conf.d/*.toml"',
      "[programs.web]",
      'command = "node server.js"',
      'stopsignal = "TREM"',
      'environment = { "1X" = "a", DB = "${DB}", MODE = "${MODE}" }',
      "[programs.worker]",
      "startsecs = true",
    ),
    "conf.d/api.toml": toml("[programs.api]", 'command = ["api"]', 'autorestart = "sometimes"'),
  };
  expect(loadError(files)).toMatchInlineSnapshot(`
    "conf.d/api.toml:3:15: programs.api.autorestart: expected true, false or "unexpected"; got "sometimes"
        3 | autorestart = "sometimes"
          |               ^
    tsvisor.toml:4:14: programs.web.stopsignal: unknown signal "TREM"; allowed: TERM INT QUIT HUP KILL USR1 USR2 (did you mean "TERM"?)
        4 | stopsignal = "TREM"
          |              ^
    tsvisor.toml:5:17: programs.web.environment.1X: invalid variable name "1X": expected letters, digits and "_", not starting with a digit
        5 | environment = { "1X" = "a", DB = "\${DB}", MODE = "\${MODE}" }
          |                 ^
    tsvisor.toml:5:34: programs.web.environment.DB: variable DB is not set
        5 | environment = { "1X" = "a", DB = "\${DB}", MODE = "\${MODE}" }
          |                                  ^
          = hint: export DB before starting tsvisor, or write \${DB:-} for an empty default
    tsvisor.toml:5:50: programs.web.environment.MODE: variable MODE is not set
        5 | environment = { "1X" = "a", DB = "\${DB}", MODE = "\${MODE}" }
          |                                                  ^
          = hint: export MODE before starting tsvisor, or write \${MODE:-} for an empty default
    tsvisor.toml:6:1: programs.worker: missing required key "command"
        6 | [programs.worker]
          | ^
          = hint: add command = ["program", "arg"] to [programs.worker]
    tsvisor.toml:7:13: programs.worker.startsecs: expected seconds (a number >= 0) or a duration like "500ms", "10s", "5m", "1h"; got true
        7 | startsecs = true
          |             ^
    7 errors in config"
  `);
});

describe("lookup", () => {
  test("no config anywhere names every place tried", () => {
    const dir = writeTree({});
    expect(errorText(() => loadConfig({ cwd: dir, env: {}, uid: 0, systemFile: "/nonexistent/tsvisor.toml" }))).toBe(
      `no config file found; tried $TSVISOR_CONFIG (not set), ${dir}/tsvisor.toml, /nonexistent/tsvisor.toml\n` +
        "hint: write tsvisor.toml in the current directory, pass -c FILE, or set TSVISOR_CONFIG",
    );
  });

  test.each([
    [{ file: "missing.toml" }, "config file DIR/missing.toml not found (from -c)\nhint: check the path given with -c"],
    [{ file: "." }, "config file DIR is not a file (from -c)\nhint: check the path given with -c"],
    [
      { env: { TSVISOR_CONFIG: "missing.toml" } },
      "config file DIR/missing.toml not found (from $TSVISOR_CONFIG)\nhint: fix TSVISOR_CONFIG, or unset it to use ./tsvisor.toml",
    ],
  ])("a file named explicitly must exist: %p", (options, message) => {
    const dir = writeTree({ "tsvisor.toml": toml("[programs.web]", 'command = "x"') });
    expect(errorText(() => loadConfig({ cwd: dir, env: {}, uid: 0, ...options }))).toBe(message.replaceAll("DIR", dir));
  });

  test("the error is a TsvisorError with code CONFIG_NOT_FOUND; a bad config is a ConfigError with its diagnostics", () => {
    const caught = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return error;
      }
    };
    const dir = writeTree({ "tsvisor.toml": toml("[programs.web]", "priority = 1") });
    const invalid = caught(() => loadConfig({ cwd: dir, env: {}, uid: 0 }));
    expect([
      (caught(() => loadConfig({ file: "none", cwd: dir, env: {}, uid: 0 })) as TsvisorError).code,
      invalid instanceof ConfigError && [invalid.code, invalid.diagnostics],
    ]).toEqual([
      "CONFIG_NOT_FOUND",
      ["CONFIG_INVALID", [{
        file: `${dir}/tsvisor.toml`, line: 1, column: 1, path: "programs.web", message: 'missing required key "command"',
        hint: 'add command = ["program", "arg"] to [programs.web]',
      }]],
    ]);
  });
});

test("a file far from the cwd is shown by its absolute path, a near one relative to the cwd", () => {
  const dir = writeTree({ "etc/tsvisor.toml": toml("[programs.web]", 'command = "x"', "priority = 1.5") });
  const message = (cwd: string) => errorText(() => loadConfig({ file: join(dir, "etc/tsvisor.toml"), cwd, env: {}, uid: 0 })).split(":")[0];
  expect([message("/usr/share/doc/some/deep/dir"), message(join(dir, "etc")), message(join(dir, "var")), message("/")]).toEqual([
    `${dir}/etc/tsvisor.toml`,
    "tsvisor.toml",
    "../etc/tsvisor.toml",
    `${dir}/etc/tsvisor.toml`, // from "/" (a unit's, a container's cwd), never "tmp/…" without its "/"
  ]);
});

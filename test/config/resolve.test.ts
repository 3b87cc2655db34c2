import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import { renderConfig } from "../../src/config/render.ts";
import type { ProgramConfig } from "../../src/config/schema.ts";
import { load, loadError, toml, writeTree } from "./_helpers.ts";

describe("defaults", () => {
  test("a program with only a command gets supervisord's value for every other key", () => {
    const config = load({ "tsvisor.toml": toml("[programs.web]", 'command = "node server.js"') });
    const web: ProgramConfig = {
      command: ["node", "server.js"],
      directory: null,
      environment: {},
      inherit_environment: true,
      user: null,
      umask: null,
      autostart: true,
      autorestart: "unexpected",
      exitcodes: [0],
      startsecs: 1,
      startretries: 3,
      backoff_delay: 1,
      backoff_factor: null,
      backoff_max: 300,
      backoff_reset: 60,
      stopsignal: "TERM",
      stopwaitsecs: 10,
      stopasgroup: false,
      killasgroup: false,
      stop_descendants: true,
      priority: 999,
      numprocs: 1,
      numprocs_start: 0,
      process_name: "{name}",
      max_runtime: null,
      redirect_stderr: false,
      stdout_logfile: "/var/log/tsvisor/{name}.out.log",
      stdout_logfile_maxbytes: 50 * 1024 * 1024,
      stdout_logfile_backups: 10,
      stderr_logfile: "/var/log/tsvisor/{name}.err.log",
      stderr_logfile_maxbytes: 50 * 1024 * 1024,
      stderr_logfile_backups: 10,
      console: true,
      log_timestamps: false,
      critical: false,
      stdout_events_enabled: false,
      stderr_events_enabled: false,
      depends_on: [],
      max_memory: null,
      healthcheck: null,
    };
    expect(config).toEqual({
      file: expect.stringMatching(/\/tsvisor\.toml$/),
      files: [config.file],
      supervisor: { socket: null, socket_mode: 0o600, socket_owner: null, log_dir: "/var/log/tsvisor", console: true, log_timestamps: false, forward_signals: [], sample_interval: 5, rpc_username: null, rpc_password: null },
      programs: { web },
      groups: {},
      processes: [{
        name: "web", group: "web", programName: "web", groupPriority: 999, num: 0, credentials: null, program: web,
        stdout_logfile: "/var/log/tsvisor/web.out.log", stderr_logfile: "/var/log/tsvisor/web.err.log",
      }],
      hooks: [],
      eventlisteners: {},
      http: null,
      secret_variables: [],
      notes: [],
    });
  });

  test("stopasgroup = true makes killasgroup default to true", () => {
    const config = load({ "tsvisor.toml": toml("[programs.web]", 'command = "x"', "stopasgroup = true") });
    expect([config.programs.web!.stopasgroup, config.programs.web!.killasgroup]).toEqual([true, true]);
  });

  test("every key set resolves to its converted value", () => {
    const config = load({
      "tsvisor.toml": toml(
        "[supervisor]",
        'socket = "run/tsvisor.sock"',
        'socket_mode = "0660"',
        'socket_owner = "root:adm"',
        'log_dir = "/var/log/tsvisor"',
        "console = false",
        "log_timestamps = true",
        'forward_signals = ["USR1", "sigwinch", "USR1"]',
        "[programs.web]",
        "command = ['node', 'server.js']",
        'directory = "app"',
        'environment = { PORT = 8080, DEBUG = false }',
        'user = "root"',
        'umask = "027"',
        "autostart = false",
        "autorestart = true",
        "exitcodes = [0, 2]",
        'startsecs = "500ms"',
        "startretries = 5",
        'backoff_delay = "2s"',
        "backoff_factor = 1.5",
        'backoff_max = "1m"',
        'backoff_reset = "10m"',
        'stopsignal = "SIGINT"',
        'stopwaitsecs = "1m"',
        "stopasgroup = true",
        "killasgroup = true",
        "stop_descendants = false",
        "priority = -5",
        "numprocs = 2",
        "numprocs_start = 1",
        'process_name = "web{num}"',
        'max_runtime = "1h"',
        "redirect_stderr = true",
        'stdout_logfile = "logs/{name}{num}.log"',
        'stdout_logfile_maxbytes = "1MB"',
        "stdout_logfile_backups = 0",
        'stderr_logfile = "NONE"',
        "stderr_logfile_maxbytes = 4096",
        "stderr_logfile_backups = 3",
        "console = true",
        "log_timestamps = false",
        "critical = true",
        "stdout_events_enabled = true",
        "stderr_events_enabled = true",
      ),
    });
    const dir = config.file.replace(/\/tsvisor\.toml$/, "");
    expect({ supervisor: config.supervisor, web: config.programs.web }).toEqual({
      supervisor: { socket: `${dir}/run/tsvisor.sock`, socket_mode: 0o660, socket_owner: "root:adm", log_dir: "/var/log/tsvisor", console: false, log_timestamps: true, forward_signals: ["USR1", "WINCH"], sample_interval: 5, rpc_username: null, rpc_password: null },
      web: {
        command: ["node", "server.js"], directory: `${dir}/app`, environment: { PORT: "8080", DEBUG: "false" }, inherit_environment: true,
        user: "root", umask: 0o27, autostart: false, autorestart: true, exitcodes: [0, 2], startsecs: 0.5,
        startretries: 5, backoff_delay: 2, backoff_factor: 1.5, backoff_max: 60, backoff_reset: 600, stopsignal: "INT", stopwaitsecs: 60, stopasgroup: true, killasgroup: true, stop_descendants: false, priority: -5,
        numprocs: 2, numprocs_start: 1, process_name: "web{num}", max_runtime: 3600, redirect_stderr: true,
        stdout_logfile: `${dir}/logs/{name}{num}.log`, stdout_logfile_maxbytes: 1024 * 1024, stdout_logfile_backups: 0,
        stderr_logfile: "none", stderr_logfile_maxbytes: 4096, stderr_logfile_backups: 3, console: true, log_timestamps: false, critical: true,
        stdout_events_enabled: true, stderr_events_enabled: true,
        depends_on: [], max_memory: null, healthcheck: null,
      },
    });
    expect(config.processes.map((p) => [p.name, p.num, p.credentials])).toEqual([
      ["web1", 1, { uid: 0, gid: 0, groups: [0], name: "root" }],
      ["web2", 2, { uid: 0, gid: 0, groups: [0], name: "root" }],
    ]);
  });
});

describe("log files", () => {
  const dirOf = (config: { file: string }) => config.file.replace(/\/tsvisor\.toml$/, "");
  const logs = (config: ReturnType<typeof load>) => config.processes.map((p) => [p.name, p.stdout_logfile, p.stderr_logfile]);

  test("as root, each instance logs to /var/log/tsvisor/NAME.out.log and NAME.err.log", () => {
    const config = load({ "tsvisor.toml": toml("[programs.web]", 'command = "x"', "numprocs = 2") });
    expect(logs(config)).toEqual([
      ["web-0", "/var/log/tsvisor/web-0.out.log", "/var/log/tsvisor/web-0.err.log"],
      ["web-1", "/var/log/tsvisor/web-1.out.log", "/var/log/tsvisor/web-1.err.log"],
    ]);
  });

  test("not as root, log_dir defaults to logs/ beside the main config file", () => {
    const config = load({ "tsvisor.toml": toml("[programs.web]", 'command = "x"') }, { uid: 1000 });
    expect([config.supervisor.log_dir, ...logs(config)]).toEqual([
      `${dirOf(config)}/logs`,
      ["web", `${dirOf(config)}/logs/web.out.log`, `${dirOf(config)}/logs/web.err.log`],
    ]);
  });

  test("a relative log_dir or log file is taken from the config file's directory; none discards; redirect_stderr has no stderr file", () => {
    const config = load({
      "tsvisor.toml": toml(
        "[supervisor]", 'log_dir = "var/log"',
        "[programs.a]", 'command = "x"', 'stdout_logfile = "a/{name}.log"', 'stderr_logfile = "none"',
        "[programs.b]", 'command = "x"', "redirect_stderr = true",
      ),
    });
    const dir = dirOf(config);
    expect(logs(config)).toEqual([
      ["a", `${dir}/a/a.log`, null],
      ["b", `${dir}/var/log/b.out.log`, null],
    ]);
  });

  test("console and log_timestamps default to the [supervisor] values and a program may override them", () => {
    const config = load({
      "tsvisor.toml": toml(
        "[supervisor]", "console = false", "log_timestamps = true",
        "[programs.a]", 'command = "x"',
        "[programs.b]", 'command = "x"', "console = true", "log_timestamps = false",
      ),
    });
    expect(Object.values(config.programs).map((p) => [p.console, p.log_timestamps])).toEqual([[false, true], [true, false]]);
  });
});

describe("numprocs", () => {
  test.each([
    ["numprocs = 1", ["web"]],
    ["numprocs = 3", ["web-0", "web-1", "web-2"]],
    ['numprocs = 3\nprocess_name = "{name}-{num:02}"', ["web-00", "web-01", "web-02"]],
    ['numprocs = 2\nnumprocs_start = 9\nprocess_name = "{name}-{num:02}"', ["web-09", "web-10"]],
    ['process_name = "api"', ["api"]],
  ])("%p -> %p", (keys, names) => {
    const config = load({ "tsvisor.toml": toml("[programs.web]", 'command = "x"', keys) });
    expect(config.processes.map((p) => p.name)).toEqual(names);
  });

  test("instances of all programs, in config order, carry their group and number", () => {
    const config = load({
      "tsvisor.toml": toml("[programs.web]", 'command = "w"', "numprocs = 2", "[programs.cron]", 'command = "c"'),
    });
    expect(config.processes.map((p) => [p.name, p.group, p.num, p.program === config.programs[p.group]])).toEqual([
      ["web-0", "web", 0, true],
      ["web-1", "web", 1, true],
      ["cron", "cron", 0, true],
    ]);
  });
});

describe("environment", () => {
  test("${VAR} and ${VAR:-default} come from tsvisor's environment; $$ is a literal $", () => {
    const config = load(
      {
        "tsvisor.toml": toml(
          "[programs.web]",
          'command = "node ${NOT_EXPANDED}"',
          'environment = { DB = "${DATABASE_URL}", MODE = "${MODE:-production}", PRICE = "$$5", PORT = 8080 }',
        ),
      },
      { env: { DATABASE_URL: "postgres://db/app" } },
    );
    expect([config.programs.web!.environment, config.programs.web!.command]).toEqual([
      { DB: "postgres://db/app", MODE: "production", PRICE: "$5", PORT: "8080" },
      ["node", "${NOT_EXPANDED}"],
    ]);
  });
});

describe("user", () => {
  test("as root, a user name or uid resolves to credentials from /etc/passwd", () => {
    const config = load({
      "tsvisor.toml": toml("[programs.a]", 'command = "x"', 'user = "nobody"', "[programs.b]", 'command = "x"', "user = 4242"),
    });
    expect(config.processes.map((p) => [p.program.user, p.credentials])).toEqual([
      ["nobody", { uid: 65534, gid: 65534, groups: [65534], name: "nobody" }],
      ["4242", { uid: 4242, gid: 4242, groups: [4242], name: "4242" }],
    ]);
  });

  test("not as root, naming tsvisor's own user needs no switch", () => {
    const config = load({ "tsvisor.toml": toml("[programs.a]", 'command = "x"', 'user = "nobody"') }, { uid: 65534 });
    expect(config.processes[0]!.credentials).toBeNull();
  });
});

describe("includes", () => {
  test("globs relative to the including file, sorted, nested includes after their includer", () => {
    const dir = writeTree({
      "etc/tsvisor.toml": toml('include = ["conf.d/*.toml", "../shared/base.toml"]', "[programs.main]", 'command = "m"'),
      "etc/conf.d/b.toml": toml("[programs.b]", 'command = "b"'),
      "etc/conf.d/a.toml": toml('include = "more/*.toml"', "[programs.a]", 'command = "a"', 'directory = "data"'),
      "etc/conf.d/more/none.txt": "",
      "shared/base.toml": toml("[supervisor]", 'socket = "/run/x.sock"'),
    });
    const config = loadConfig({ file: "etc/tsvisor.toml", cwd: dir, env: {}, uid: 0 });
    expect({ files: config.files, order: Object.keys(config.programs), a: config.programs.a!.directory, socket: config.supervisor.socket }).toEqual({
      files: [`${dir}/etc/tsvisor.toml`, `${dir}/etc/conf.d/a.toml`, `${dir}/etc/conf.d/b.toml`, `${dir}/shared/base.toml`],
      order: ["main", "a", "b"],
      a: `${dir}/etc/conf.d/data`,
      socket: "/run/x.sock",
    });
  });

  test("a file reached by two includes is read once", () => {
    const config = load({
      "tsvisor.toml": toml('include = ["conf.d/*.toml", "conf.d/web.toml"]'),
      "conf.d/web.toml": toml("[programs.web]", 'command = "w"'),
    });
    expect(config.processes.map((p) => p.name)).toEqual(["web"]);
  });
});

describe("lookup order", () => {
  const files = {
    "tsvisor.toml": toml("[programs.local]", 'command = "x"'),
    "env.toml": toml("[programs.env]", 'command = "x"'),
    "explicit.toml": toml("[programs.explicit]", 'command = "x"'),
    "system.toml": toml("[programs.system]", 'command = "x"'),
  };
  test.each([
    ["-c FILE first", { file: "explicit.toml", env: { TSVISOR_CONFIG: "env.toml" } }, "explicit"],
    ["then $TSVISOR_CONFIG", { env: { TSVISOR_CONFIG: "env.toml" } }, "env"],
    ["an empty $TSVISOR_CONFIG counts as unset", { env: { TSVISOR_CONFIG: "" } }, "local"],
    ["then ./tsvisor.toml", {}, "local"],
  ] as const)("%s", (_, options, program) => {
    expect(Object.keys(load(files, options).programs)).toEqual([program]);
  });

  test("then the system-wide file", () => {
    const dir = writeTree({ "system.toml": files["system.toml"] });
    const config = loadConfig({ cwd: join(dir, "nowhere"), env: {}, uid: 0, systemFile: join(dir, "system.toml") });
    expect(Object.keys(config.programs)).toEqual(["system"]);
  });
});

describe("render", () => {
  test("config show's output resolves to the same config", () => {
    const original = load(
      {
        "tsvisor.toml": toml(
          'include = "conf.d/*.toml"',
          "[supervisor]",
          'socket = "run/x.sock"',
          'socket_mode = "0660"',
          'socket_owner = "root:0"',
          '[programs."web.v2"]',
          `command = "node 'my server.js' \\"quoted\\""`,
          'environment = { DB = "${DB}", LITERAL = "$${X} $$", "UNICODE" = "é\\u0001" }',
          'umask = "022"',
          "stopasgroup = true",
          'max_runtime = "1.5s"',
          'user = "nobody"',
          'directory = "/srv"',
          'healthcheck = { http = "http://127.0.0.1:8080/health", retries = 5, on_unhealthy = "restart" }',
        ),
        "conf.d/worker.toml": toml(
          "[programs.worker]", 'command = ["w"]', "numprocs = 3", 'process_name = "{name}_{num:03}"', 'startsecs = "250ms"',
          'depends_on = ["web.v2"]', 'max_memory = "512MB"', "[programs.worker.healthcheck]", 'command = ["pg_isready", "-q"]', 'start_period = "30s"',
        ),
      },
      { env: { DB: "postgres://x?a=$1" } },
    );
    const rendered = renderConfig(original);
    const again = load({ "tsvisor.toml": rendered }, { env: {} });
    expect({ supervisor: again.supervisor, programs: again.programs, processes: again.processes }).toEqual({
      supervisor: original.supervisor,
      programs: original.programs,
      processes: original.processes,
    });
    expect(rendered).toContain('environment = { DB = "postgres://x?a=$$1", LITERAL = "$${X} $$", UNICODE = "é\\u0001" }');
  });
});

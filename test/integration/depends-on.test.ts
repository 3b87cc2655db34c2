import { expect, test } from "bun:test";
import { join } from "node:path";
import type { ProcessStatus } from "../../src/control/protocol.ts";
import { Daemon, fixture, readLines, tempDir, waitFor, writeConfig } from "./_harness.ts";

// "start NAME NS" / "stop NAME SIGNAL NS" lines of record-fixture.sh -> [event, name, ms]
const events = (record: string) =>
  readLines(record).map((l) => l.split(" ")).map((f) => [f[0], f[1], Number(f.at(-1)) / 1e6] as const);

// db becomes healthy 2 s after it starts; api (no health check) is ready once RUNNING; web needs api.
const chain = (dir: string, record: string, autostart = true) => `
[programs.web]
command = ["${fixture("record")}"]
environment = { RECORD = "${record}" }
depends_on = ["api"]
startsecs = 0.2
autostart = ${autostart}

[programs.api]
command = ["${fixture("record")}"]
environment = { RECORD = "${record}" }
depends_on = ["db"]
startsecs = 0.2
autostart = ${autostart}

[programs.db]
command = ["sh", "-c", "(sleep 2; touch ${dir}/db-ready) & exec ${fixture("record")}"]
environment = { RECORD = "${record}" }
startsecs = 0.2
autostart = ${autostart}
healthcheck = { command = ["test", "-f", "${dir}/db-ready"], interval = "100ms" }
`;

test("db -> api -> web: each starts once what it depends on is ready, and they stop in reverse", async () => {
  using dir = tempDir();
  const record = join(dir.path, "record");
  await using daemon = Daemon.start(dir.path, chain(dir.path, record));
  await waitFor(() => events(record).length === 3, "three starts");
  expect(events(record).map(([, name]) => name)).toEqual(["db", "api", "web"]);
  // spawn times as tsvisor took them (the programs' own lines come some ms later, more under load)
  const { stdout } = await daemon.ctl(["status", "--json"]);
  const spawned = Object.fromEntries((JSON.parse(stdout) as { processes: ProcessStatus[] }).processes.map((p) => [p.name, p.started_at!]));
  expect(spawned.api! - spawned.db!).toBeGreaterThanOrEqual(2000); // db was healthy only after 2 s
  expect(spawned.web! - spawned.api!).toBeGreaterThanOrEqual(200); // api was RUNNING after its startsecs

  daemon.signal("SIGTERM");
  expect(await daemon.exited()).toBe(0);
  const stops = events(record).filter(([e]) => e === "stop");
  expect(stops.map(([, name]) => name)).toEqual(["web", "api", "db"]);
  expect(stops[1]![2]).toBeGreaterThanOrEqual(stops[0]![2]);
  expect(stops[2]![2]).toBeGreaterThanOrEqual(stops[1]![2]);
});

test("tsvisor start web starts db and api first", async () => {
  using dir = tempDir();
  const record = join(dir.path, "record");
  await using daemon = Daemon.start(dir.path, chain(dir.path, record, false));
  await daemon.waitForSocket();
  expect(await daemon.ctl(["start", "web"])).toEqual({ stdout: "web: started\n", stderr: "", exitCode: 0 });
  expect(events(record).map(([e, name]) => `${e} ${name}`)).toEqual(["start db", "start api", "start web"]);
});

test("a dependency cycle is refused at startup with its path", async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, `
[programs.a]
command = ["sleep", "1"]
depends_on = ["b"]
[programs.b]
command = ["sleep", "1"]
depends_on = ["a"]
`);
  expect(await daemon.exited()).toBe(2);
  expect(daemon.log.join("\n")).toContain("programs.a.depends_on: dependency cycle: a -> b -> a");
});

test("a reload that adds db -> api -> web starts them in that order, each once what it depends on is ready", async () => {
  using dir = tempDir();
  const record = join(dir.path, "record");
  await using daemon = Daemon.start(dir.path, `[programs.other]\ncommand = ["sleep", "1000"]\n`);
  await daemon.waitForSocket();
  writeConfig(dir.path, `[programs.other]\ncommand = ["sleep", "1000"]\n${chain(dir.path, record)}`);
  expect((await daemon.ctl(["reload"])).stdout).toBe("web: added\napi: added\ndb: added\n");
  await waitFor(() => events(record).length === 3, "three starts");
  expect(events(record).map(([, name]) => name)).toEqual(["db", "api", "web"]);
  const { stdout } = await daemon.ctl(["status", "--json"]);
  const spawned = Object.fromEntries((JSON.parse(stdout) as { processes: ProcessStatus[] }).processes.map((p) => [p.name, p.started_at!]));
  expect(spawned.api! - spawned.db!).toBeGreaterThanOrEqual(2000); // db was healthy only after 2 s
});

// Programs and listeners get supervisord's environment (SUPERVISOR_ENABLED, _PROCESS_NAME, _GROUP_NAME,
// _SERVER_URL), and SUPERVISOR_SERVER_URL answers: a listener written as superlance's memmon and httpok
// are (supervisor.childutils.getRPCInterface(os.environ), woken by TICK_5) restarts a process under
// tsvisor as under supervisord. Regression: SUPERVISOR_SERVER_URL was unset, so crashmail, memmon and
// httpok exited at once.
import { beforeAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Daemon, FIXTURES, readLines, tempDir, waitFor } from "./_harness.ts";
import { Supervisord, ensureSupervisor } from "./_supervisorctl.ts";

beforeAll(ensureSupervisor);

const RESTARTER = join(FIXTURES, "restarter-listener.py");

interface Restarted {
  event: string;
  payload: string;
  before: number;
  after: number;
  state: string;
  env: Record<string, string>;
}

test("a childutils listener restarts a process through getRPCInterface(os.environ), under tsvisor as under supervisord", async () => {
  using dir = tempDir();
  const theirs = join(dir.path, "supervisord");
  const ours = join(dir.path, "tsvisor");
  mkdirSync(theirs);
  mkdirSync(ours);
  await using supervisord = Supervisord.start(theirs, `
[program:web]
command = sleep 1000
startsecs = 0
[eventlistener:restarter]
command = ${RESTARTER} ${theirs}/restarted.json web
events = TICK_5
`);
  await using tsvisor = Daemon.start(ours, `
[programs.web]
command = ["sleep", "1000"]
startsecs = 0
[eventlisteners.restarter]
command = [${JSON.stringify(RESTARTER)}, "${ours}/restarted.json", "web"]
events = ["TICK_5"]
`);
  const read = (path: string) => existsSync(path) && (JSON.parse(readFileSync(path, "utf8")) as Restarted);
  // a TICK_5 comes within 5 s of each start
  const [a, b] = await Promise.all([
    waitFor(() => read(`${theirs}/restarted.json`), "supervisord's listener to restart web", 20_000),
    waitFor(() => read(`${ours}/restarted.json`), "tsvisor's listener to restart web", 20_000),
  ]);
  const shape = (r: Restarted) => ({ ...r, payload: r.payload.replace(/\d+/, "N"), before: r.before > 0, after: r.after > 0 && r.after !== r.before });
  expect(shape(b)).toEqual(shape(a));
  expect(shape(b)).toEqual({
    event: "TICK_5", payload: "when:N", before: true, after: true, state: "RUNNING",
    env: { SUPERVISOR_ENABLED: "1", SUPERVISOR_PROCESS_NAME: "restarter", SUPERVISOR_GROUP_NAME: "restarter" },
  });
  // TICK_5's `when` is the 5 s boundary crossed, in seconds (supervisord's timeslice)
  expect(Number(b.payload.slice("when:".length)) % 5).toBe(0);
  expect((await tsvisor.status("web"))?.pid).toBe(b.after);
}, 60_000);

test("a program gets SUPERVISOR_ENABLED, its names and SUPERVISOR_SERVER_URL (the control socket), never credentials; its own environment wins", async () => {
  using dir = tempDir();
  const report = (file: string) => JSON.stringify(["sh", "-c", `env | grep ^SUPERVISOR_ | sort > ${dir.path}/${file}.tmp$$; mv ${dir.path}/${file}.tmp$$ ${dir.path}/${file}-$$; exec sleep 1000`]);
  await using daemon = Daemon.start(dir.path, `
[supervisor]
rpc_username = "ops"
rpc_password = "a-password-nobody-should-see"
[programs.worker]
command = ${report("env")}
numprocs = 2
startsecs = 0
[programs.own]
command = ${report("own")}
environment = { SUPERVISOR_SERVER_URL = "http://elsewhere:9001" }
startsecs = 0
`);
  const seen = (prefix: string, count: number) => {
    const files = readdirSync(dir.path).filter((f) => f.startsWith(`${prefix}-`));
    return files.length === count && files.map((f) => readLines(join(dir.path, f)));
  };
  const workers = await waitFor(() => seen("env", 2), "both workers' environment");
  expect(workers.map((lines) => lines.filter((l) => !l.startsWith("SUPERVISOR_PROCESS_NAME="))).sort()).toEqual([0, 1].map(() => [
    "SUPERVISOR_ENABLED=1", "SUPERVISOR_GROUP_NAME=worker", `SUPERVISOR_SERVER_URL=unix://${daemon.socket}`,
  ]));
  expect(workers.map((lines) => lines.find((l) => l.startsWith("SUPERVISOR_PROCESS_NAME="))).sort()).toEqual(["SUPERVISOR_PROCESS_NAME=worker-0", "SUPERVISOR_PROCESS_NAME=worker-1"]);
  expect((await waitFor(() => seen("own", 1), "own's environment"))[0]).toContain("SUPERVISOR_SERVER_URL=http://elsewhere:9001");
});

// Regression: #14 part 4 — names from the config and from requests were looked up on plain objects:
// hooks with on = ["toString"] passed config check and then no hook ran again; events = ["constructor"]
// never got an event; the socket's events op with types ["__proto__"] answered INTERNAL (HTTP 500).
// Here every name of Object.prototype goes through the config (as a program name it must simply
// work), every field of the control protocol over the real socket, and the HTTP API's paths and queries.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Response as ControlResponse } from "../../src/control/protocol.ts";
import { PROTOTYPE_NAMES } from "../prototype-names.ts";
import { Daemon, readLines, runTsvisor, tempDir, waitFor } from "./_harness.ts";
import { httpOn } from "./_http.ts";

const TOKEN = "prototype-names-token-0123456789";
// Programs named after Object.prototype's properties; the other names of the sweep are no program.
const PROGRAMS = ["constructor", "__proto__", "toString", "prototype"];
const q = JSON.stringify;

describe("config check", () => {
  test.each([
    ["hooks on", 'on = ["toString"]', `[[hooks]]\non = ["toString"]\ncommand = ["true"]`, 'hooks.0.on: unknown event "toString"'],
    ["an event listener's events", 'events = ["constructor"]', `[eventlisteners.l]\ncommand = ["cat"]\nevents = ["constructor"]`, 'eventlisteners.l.events: unknown event "constructor"'],
    ["a variable in environment", '"${constructor}"', `[programs.x]\ncommand = ["true"]\nenvironment = { A = "\${constructor}" }`, "programs.x.environment.A: variable constructor is not set"],
  ])("refuses a name of Object.prototype in %s (%s), and run starts nothing", async (_, __, block, message) => {
    using dir = tempDir();
    const marker = join(dir.path, "started");
    const file = join(dir.path, "tsvisor.toml");
    writeFileSync(file, `[programs.web]\ncommand = ["touch", "${marker}"]\nautorestart = false\n\n${block}\n\n[supervisor]\nlog_dir = "${dir.path}/logs"\n`);
    const check = await runTsvisor(["config", "check", "-c", "tsvisor.toml"], { cwd: dir.path });
    expect([check.exitCode, check.stderr]).toEqual([2, expect.stringContaining(message)]);
    expect(check.stderr).toMatch(/^tsvisor: tsvisor\.toml:\d+:\d+: /);
    const run = await runTsvisor(["run", "-c", file, "--socket", join(dir.path, "s.sock")], { cwd: dir.path });
    expect([run.exitCode, existsSync(marker)]).toEqual([2, false]);
  });

  test("every name of Object.prototype is a working program name", async () => {
    using dir = tempDir();
    const file = join(dir.path, "tsvisor.toml");
    writeFileSync(file, PROTOTYPE_NAMES.map((p) => `[programs.${q(p)}]\ncommand = ["sleep", "1"]\n`).join("\n"));
    const check = await runTsvisor(["config", "check", "-c", file]);
    expect([check.exitCode, check.stdout.split("\n").map((l) => l.split(" ")[0]).filter(Boolean)]).toEqual([0, [...PROTOTYPE_NAMES, "config"]]);
  });
});

// One raw connection to the control socket: every line written as is, and the replies as they come.
async function askAll(socket: string, lines: string[]): Promise<ControlResponse[]> {
  const replies: ControlResponse[] = [];
  let partial = "";
  const conn = await Bun.connect({
    unix: socket,
    socket: {
      data(_s, chunk) {
        const parts = (partial + chunk.toString()).split("\n");
        partial = parts.pop() ?? "";
        for (const part of parts) replies.push(JSON.parse(part) as ControlResponse);
      },
    },
  });
  try {
    conn.write(lines.map((line) => `${line}\n`).join(""));
    await waitFor(() => replies.length === lines.length, `replies to ${lines.length} requests (${replies.length} so far)`);
  } finally {
    conn.end();
  }
  return replies;
}

describe("a running daemon with programs, a listener, variables and hooks named after Object.prototype", () => {
  const shared = { daemon: undefined as unknown as Daemon, dir: "", base: "" };
  let dir: ReturnType<typeof tempDir>;
  const auth = { authorization: `Bearer ${TOKEN}` };

  beforeAll(async () => {
    dir = tempDir();
    const { block, base } = httpOn(`token = "${TOKEN}"`);
    const d = dir.path;
    // a minimal supervisord listener: READY, one event (header line, then len bytes), RESULT OK
    const listener = `while :; do printf 'READY\\n'; IFS= read -r header || exit; IFS= read -r -N "\${header##*len:}" payload; echo "$header" >> ${d}/listener; printf 'RESULT 2\\nOK'; done`;
    shared.daemon = Daemon.start(d, `
${PROGRAMS.map((p) => `[programs.${q(p)}]\ncommand = ["sh", "-c", "env > ${d}/env.$TSVISOR_PROCESS_NAME.tmp && mv ${d}/env.$TSVISOR_PROCESS_NAME.tmp ${d}/env.$TSVISOR_PROCESS_NAME; exec sleep 1000"]\nstartsecs = 0\nenvironment = { __proto__ = "p", constructor = "c", toString = "t" }\n`).join("\n")}
[programs.web]
command = ["sleep", "1000"]
startsecs = 0

[eventlisteners.__proto__]
command = ["bash", "-c", ${q(listener)}]
events = ["PROCESS_STATE_RUNNING"]

[[hooks]]
on = ["PROCESS_STATE_RUNNING"]
programs = ["constructor", "__proto__"]
command = ["sh", "-c", "echo $TSVISOR_EVENT_PROGRAM >> ${d}/hooked"]

${block}`);
    Object.assign(shared, { dir: d, base });
    await shared.daemon.waitForSocket();
    await waitFor(() => readLines(join(d, "hooked")).length >= 2, "the hook for constructor and __proto__");
  });
  afterAll(async () => {
    await shared.daemon?.[Symbol.asyncDispose]();
    dir[Symbol.dispose]();
  });

  test("programs so named run, get variables so named, and hooks and listeners so named work", async () => {
    const { dir: d, daemon } = shared;
    for (const p of PROGRAMS) {
      const env = await waitFor(() => existsSync(join(d, `env.${p}`)) && readFileSync(join(d, `env.${p}`), "utf8"), `${p}'s environment`);
      expect(env.split("\n").filter((l) => /^(__proto__|constructor|toString)=/.test(l)).sort()).toEqual(["__proto__=p", "constructor=c", "toString=t"]);
    }
    expect(readLines(join(d, "hooked")).sort()).toEqual(["__proto__", "constructor"]);
    await daemon.waitForLog(/spawned: eventlistener __proto__ \(pid \d+\)/);
    await waitFor(() => readLines(join(d, "listener")).some((l) => l.includes("eventname:PROCESS_STATE_RUNNING")), "an event at the listener named __proto__");
  });

  test("every protocol field with every name of Object.prototype: the protocol's own answers, nothing INTERNAL", async () => {
    const expected = (p: string, found: (p: string) => object, missing: object) => (PROGRAMS.includes(p) ? found(p) : missing);
    for (const p of PROTOTYPE_NAMES) {
      const requests: [object, object][] = [
        [{ op: "events", types: [p] }, { ok: false, error: { code: "NO_SUCH_EVENT_TYPE", name: p } }],
        [{ op: "events", names: [p] }, expected(p, () => ({ ok: true }), { ok: false, error: { code: "NO_SUCH_PROCESS", name: p } })],
        [{ op: "status", names: [p] }, expected(p, (n) => ({ ok: true, result: { processes: [expect.objectContaining({ name: n, group: n, state: "RUNNING" })] } }), { ok: false, error: { code: "NO_SUCH_PROCESS", name: p } })],
        [{ op: "status", names: [`${p}:*`] }, expected(p, () => ({ ok: true }), { ok: false, error: { code: "NO_SUCH_GROUP", name: `${p}:*` } })],
        [{ op: "check", names: [p] }, expected(p, () => ({ ok: true, result: { healthy: true, checked: 1, offenders: [] } }), { ok: false, error: { code: "NO_SUCH_PROCESS", name: p } })],
        [{ op: "start", names: [p], wait: false }, expected(p, (n) => ({ ok: true, result: { outcomes: [{ name: n, ok: false, error: expect.objectContaining({ code: "ALREADY_STARTED" }) }] } }), { ok: false, error: { code: "NO_SUCH_PROCESS", name: p } })],
        [{ op: "signal", signal: p, names: ["web"] }, { ok: false, error: { code: "BAD_SIGNAL", signal: p } }],
        [{ op: "signal", signal: `SIG${p}`, names: ["web"] }, { ok: false, error: { code: "BAD_SIGNAL", signal: `SIG${p}` } }],
        [{ op: p }, { ok: false, error: { code: "UNKNOWN_OP" } }],
        // a field so named is a field like any other: it cannot stand in for op, names or wait
        [{ op: "version", [p]: { op: "shutdown" } }, { ok: true, result: expect.objectContaining({ protocol: 1 }) }],
        [{ op: "stop", [p]: { names: ["web"] } }, { ok: false, error: { code: "BAD_REQUEST", field: "names" } }],
      ];
      const lines = requests.map(([request], i) => JSON.stringify({ v: 1, id: `${p}-${i}`, ...request }));
      // replies come as each request is done, not in order: match them up by id
      const replies = new Map((await askAll(shared.daemon.socket, lines)).map((r) => [r.id, r]));
      expect(requests.map((_, i) => replies.get(`${p}-${i}`))).toEqual(requests.map(([, reply], i) => expect.objectContaining({ v: 1, id: `${p}-${i}`, ...reply })));
    }
    // a request id that is such a name is echoed as any other
    expect(await askAll(shared.daemon.socket, ['{"v":1,"id":"__proto__","op":"version"}'])).toEqual([expect.objectContaining({ id: "__proto__", ok: true })]);
  });

  test("every path segment and query of the HTTP API with every name of Object.prototype", async () => {
    const { base } = shared;
    const call = async (path: string, init: RequestInit = {}) => {
      const response = await fetch(`${base}${path}`, { ...init, headers: { ...auth, ...init.headers } });
      const type = response.headers.get("content-type") ?? "";
      return [response.status, type.startsWith("application/json") ? await response.json() : await response.text()] as const;
    };
    const post = (body: object) => ({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    for (const p of PROTOTYPE_NAMES) {
      const name = encodeURIComponent(p);
      const known = PROGRAMS.includes(p);
      const noProcess = { error: { code: "NO_SUCH_PROCESS", name: p } };
      expect([p, await call(`/api/v1/programs/${name}`)]).toEqual([p, known ? [200, { processes: [expect.objectContaining({ name: p, state: "RUNNING" })] }] : [404, noProcess]]);
      expect([p, (await call(`/api/v1/programs/${name}/logs?lines=1`))[0]]).toEqual([p, known ? 200 : 404]);
      expect([p, (await call(`/api/v1/programs/web/${name}`))[0]]).toEqual([p, 404]);
      expect([p, await call(`/api/v1/programs/${name}/start`, { method: "POST" })]).toEqual([p, known ? [409, expect.objectContaining({ error: expect.objectContaining({ code: "ALREADY_STARTED", name: p }) })] : [404, noProcess]]);
      expect([p, await call("/api/v1/programs/web/signal", post({ signal: p }))]).toEqual([p, [400, { error: { code: "BAD_SIGNAL", signal: p } }]]);
      expect([p, await call(`/api/v1/programs/web/signal?signal=${name}`, { method: "POST" })]).toEqual([p, [400, { error: { code: "BAD_SIGNAL", signal: p } }]]);
      // a body field so named does not supply `wait` (a wait of the wrong type would be a 400)
      expect([p, (await call("/api/v1/programs/web/start", post({ [p]: { wait: "maybe" } })))[0]]).toEqual([p, 409]);
      expect([p, await call(`/api/v1/events?follow=false&types=${name}`)]).toEqual([p, [400, { error: { code: "NO_SUCH_EVENT_TYPE", name: p } }]]);
      expect([p, (await call(`/api/v1/events?follow=false&names=${name}`))[0]]).toEqual([p, known ? 200 : 404]);
      expect([p, (await call(`/api/v1/programs/web/logs?stream=${name}`))[0]]).toEqual([p, 400]);
      expect([p, (await call(`/api/v1/programs/web/logs?lines=${name}`))[0]]).toEqual([p, 400]);
      expect([p, (await call(`/api/v1/programs?${name}=1`))[0]]).toEqual([p, 200]);
    }
  });

  test("after the sweep every program still runs, and hooks still run", async () => {
    const { daemon, dir: d } = shared;
    const { stdout } = await daemon.ctl(["status", "--json"]);
    const states = (JSON.parse(stdout) as { processes: { name: string; state: string }[] }).processes.map((s) => [s.name, s.state]);
    expect(states).toEqual([...PROGRAMS, "web"].map((n) => [n, "RUNNING"]));
    expect((await daemon.ctl(["restart", "constructor"])).exitCode).toBe(0);
    await waitFor(() => readLines(join(d, "hooked")).length >= 3, "the hook again, after a restart of constructor");
    expect(daemon.logLines(/event subscriber dropped|INTERNAL/)).toEqual([]);
  });
});

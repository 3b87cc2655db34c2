// Regression: issue 14, part 3 — any local user could stop, start and signal root's programs through a
// TCP [http] listener without a token, around the 0600 control socket; and the documented
// `token = "${TSVISOR_TOKEN}"` put the token in every program's environment. The attacker here is a
// process run as nobody; tsvisor runs as root.
import { describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EventStreamReader, httpOn } from "./_http.ts";
import { Daemon, FIXTURES, fixture, readLines, tempDir, waitFor } from "./_harness.ts";
import { bunAsNobody } from "./_nobody.ts";

const CLIENT = join(FIXTURES, "http-client-fixture.ts");
const TOKEN = "first-token-0123456789abcdef";
const NEXT_TOKEN = "second-token-abcdef0123456789";

const PROGRAMS = `
[programs.web]
command = ["${fixture("say-on-signal")}"]
startsecs = 0
stdout_events_enabled = true
`;

interface Ask {
  method: "GET" | "POST";
  path: string;
  token?: string;
}

// The answers nobody gets, as [status, error code or null], in the order asked.
async function askAsNobody(base: string, asks: Ask[]): Promise<[number, string | null][]> {
  const requests = asks.map((a) => ({ method: a.method, url: `${base}${a.path}`, headers: a.token ? { authorization: `Bearer ${a.token}` } : {} }));
  const run = await bunAsNobody(CLIENT, [JSON.stringify(requests)], { cwd: tmpdir() });
  if (run.exitCode !== 0) throw new Error(`the client failed: ${run.stderr}`);
  const { uid, results } = JSON.parse(run.stdout) as { uid: number; results: ({ status: number; code: string | null } | { error: string })[] };
  expect(uid).toBe(65534);
  return results.map((r) => ("error" in r ? [0, r.error] : [r.status, r.code]));
}

const pidOf = async (daemon: Daemon, name: string) => (await daemon.status(name))!.pid;

test("these tests run as root: the attacker is nobody", () => {
  expect(process.getuid?.()).toBe(0);
});

describe("a TCP listener without a token", () => {
  test("nobody cannot start, stop, restart or signal a program, nor read its logs: 403 TOKEN_REQUIRED, and nothing happened", async () => {
    using dir = tempDir();
    const http = httpOn();
    await using daemon = Daemon.start(dir.path, `${PROGRAMS}\n${http.block}`);
    await daemon.waitForLog(/http: listening on/);
    await waitFor(async () => (await daemon.status("web"))?.state === "RUNNING", "web RUNNING");
    const pid = await pidOf(daemon, "web");
    const answers = await askAsNobody(http.base, [
      { method: "POST", path: "/api/v1/programs/web/stop" },
      { method: "POST", path: "/api/v1/programs/web/restart" },
      { method: "POST", path: "/api/v1/programs/web/signal?signal=KILL" },
      { method: "POST", path: "/api/v1/programs/web/start" },
      { method: "POST", path: "/api/v1/programs/web/stop", token: "any-token-at-all-0123456789" },
      { method: "GET", path: "/api/v1/programs/web/logs" },
      { method: "GET", path: "/api/v1/events?follow=false&types=PROCESS_LOG" },
      { method: "GET", path: "/api/v1/programs/web" },
      { method: "GET", path: "/api/v1/check" },
      { method: "GET", path: "/metrics" },
    ]);
    expect(answers).toEqual([
      [403, "TOKEN_REQUIRED"], [403, "TOKEN_REQUIRED"], [403, "TOKEN_REQUIRED"], [403, "TOKEN_REQUIRED"], [403, "TOKEN_REQUIRED"],
      [403, "TOKEN_REQUIRED"], [403, "TOKEN_REQUIRED"],
      [200, null], [200, null], [200, null],
    ]);
    const web = (await daemon.status("web"))!;
    expect([web.state, web.pid, web.restarts]).toEqual(["RUNNING", pid, 0]);
    // the start-up line says at WARN what such a listener is
    expect(daemon.logLines(/WARN http: listening on .* without a token, so read-only/)).toHaveLength(1);
  });

  test("the refusal says why; /api/v1 says read-only without logs; the events stream leaves programs' output out", async () => {
    using dir = tempDir();
    const http = httpOn();
    await using daemon = Daemon.start(dir.path, `${PROGRAMS}\n${http.block}`);
    await daemon.waitForLog(/http: listening on/);
    await waitFor(() => readLines(join(dir.path, "logs", "web.out.log")).includes("ready"), "web's ready line");
    const refused = await fetch(`${http.base}/api/v1/programs/web/stop`, { method: "POST" });
    expect([refused.status, await refused.json()]).toEqual([403, {
      error: { code: "TOKEN_REQUIRED", message: "this server listens on TCP without a token, so it is read-only: actions need a token (set [http] token_file)" },
    }]);
    expect(await (await fetch(`${http.base}/api/v1`)).json()).toMatchObject({ read_only: true, token_required: false, logs: false });
    // every type but output: web's USR1 line (an output event) never comes, the RUNNING after its restart does
    const response = await fetch(`${http.base}/api/v1/events?names=web`);
    await using stream = new EventStreamReader(response);
    await stream.next((m) => m.event === "PROCESS_STATE_RUNNING", "web's start from the history");
    expect((await daemon.ctl(["signal", "USR1", "web"])).exitCode).toBe(0);
    await waitFor(() => readLines(join(dir.path, "logs", "web.out.log")).some((l) => l.startsWith("USR1")), "web's USR1 line in its log");
    const seen = stream.messages.length;
    expect((await daemon.ctl(["restart", "web"])).exitCode).toBe(0);
    await stream.next((m) => stream.messages.indexOf(m) >= seen && m.event === "PROCESS_STATE_RUNNING", "web RUNNING again");
    expect(stream.messages.filter((m) => m.event.startsWith("PROCESS_LOG"))).toEqual([]);
  });

  test("a browser page under another name (DNS rebinding) is refused", async () => {
    using dir = tempDir();
    const http = httpOn();
    await using daemon = Daemon.start(dir.path, `${PROGRAMS}\n${http.block}`);
    await daemon.waitForLog(/http: listening on/);
    const response = await fetch(`${http.base}/api/v1/programs`, { headers: { host: "evil.example" } });
    expect([response.status, await response.json()]).toEqual([403, { error: { code: "FORBIDDEN_HOST" } }]);
  });
});

// A directory only root may write, holding the token file (0400), as /run/secrets does.
function secretDirWith(token: string): { dir: string; file: string; [Symbol.dispose](): void } {
  const dir = mkdtempSync(join(tmpdir(), "tsvisor-secret-"));
  chmodSync(dir, 0o755);
  const file = join(dir, "token");
  writeFileSync(file, `${token}\n`, { mode: 0o400 });
  return { dir, file, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

// Replace the file as Kubernetes rotates a secret: a new file renamed over the old one.
function rotate(file: string, token: string): void {
  writeFileSync(`${file}.new`, `${token}\n`, { mode: 0o400 });
  renameSync(`${file}.new`, file);
}

// (second red team, 2026-12-07: with username and password it said "without a token, so read-only"
// at WARN, while Basic auth could restart programs and nobody without it got 401, not 403.)
test("a TCP listener with username and password says at start that they are required, not that it is read-only", async () => {
  using dir = tempDir();
  const http = httpOn('username = "ops"\npassword = "a-password-of-20-chars"');
  await using daemon = Daemon.start(dir.path, `${PROGRAMS}\n${http.block}`);
  await daemon.waitForLog(/http: listening on/);
  expect(daemon.logLines(/http: listening on/).map((line) => line.replace(/^\S+ /, "").replace(/127\.0\.0\.1:\d+/, "PORT"))).toEqual([
    "INFO http: listening on http://PORT/ (username and password required): dashboard /, API /api/v1, metrics /metrics",
  ]);
});

describe("token_file", () => {
  test("only the holder of the token may act: nobody without it gets 401, with it 200", async () => {
    using dir = tempDir();
    using secret = secretDirWith(TOKEN);
    const http = httpOn(`token_file = "${secret.file}"`);
    await using daemon = Daemon.start(dir.path, `${PROGRAMS}\n${http.block}`);
    await daemon.waitForLog(/http: listening on .*\(token required\)/);
    await waitFor(async () => (await daemon.status("web"))?.state === "RUNNING", "web RUNNING");
    const pid = await pidOf(daemon, "web");
    expect(await askAsNobody(http.base, [{ method: "POST", path: "/api/v1/programs/web/restart" }])).toEqual([[401, "UNAUTHORIZED"]]);
    expect(await pidOf(daemon, "web")).toBe(pid);
    expect(await askAsNobody(http.base, [{ method: "POST", path: "/api/v1/programs/web/restart", token: TOKEN }])).toEqual([[200, null]]);
    expect(await pidOf(daemon, "web")).not.toBe(pid);
  });

  test("is read again at reload: the new token is accepted from then on, the old one refused, and open streams end", async () => {
    using dir = tempDir();
    using secret = secretDirWith(TOKEN);
    const http = httpOn(`token_file = "${secret.file}"`);
    const config = `${PROGRAMS}\n${http.block}`;
    await using daemon = Daemon.start(dir.path, config);
    await daemon.waitForLog(/http: listening on/);
    const status = (token: string) => fetch(`${http.base}/api/v1`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
    expect([await status(TOKEN), await status(NEXT_TOKEN)]).toEqual([200, 401]);
    const stream = new EventStreamReader(await fetch(`${http.base}/api/v1/events`, { headers: { authorization: `Bearer ${TOKEN}` } }));
    await stream.next((m) => m.event.startsWith("PROCESS_STATE"), "an event on the stream");
    rotate(secret.file, NEXT_TOKEN);
    expect((await daemon.ctl(["reload"])).exitCode).toBe(0);
    await daemon.waitForLog(/reload: http: new token on http:/);
    expect([await status(TOKEN), await status(NEXT_TOKEN)]).toEqual([401, 200]);
    await stream.ended(); // held with the old token: ended by the reload
    // a token file that turned unsafe is a rejected reload: the token in force stays
    chmodSync(secret.file, 0o644);
    const rejected = await daemon.ctl(["reload"]);
    expect([rejected.exitCode, rejected.stderr]).toEqual([2, expect.stringContaining(`http.token_file: cannot take the token from ${secret.file}: ${secret.file} can be read by every user (mode 0644)`)]);
    expect([await status(TOKEN), await status(NEXT_TOKEN)]).toEqual([401, 200]);
    expect(daemon.log.join("\n")).not.toContain(NEXT_TOKEN);
  });
});

describe("the token's variable", () => {
  test("is in no program's environment (a nobody program's /proc/self/environ included), nor a hook's; a program that names it gets it", async () => {
    using dir = tempDir();
    const http = httpOn('token = "${TSVISOR_TOKEN}"');
    const hookEnv = join(dir.path, "hook.env");
    await using daemon = Daemon.start(dir.path, `
[programs.app]
command = ["sleep", "1000"]
user = "nobody"
startsecs = 0

[programs.client]
command = ["sleep", "1000"]
startsecs = 0
environment = { API_TOKEN = "\${TSVISOR_TOKEN}" }

[[hooks]]
on = ["PROCESS_STATE_RUNNING"]
programs = ["app"]
command = ["sh", "-c", "env > ${hookEnv}.tmp && mv ${hookEnv}.tmp ${hookEnv}"]

${http.block}`, { env: { TSVISOR_TOKEN: TOKEN, OTHER_VARIABLE: "kept" } });
    await daemon.waitForLog(/http: listening on/);
    const environ = async (name: string) => {
      const pid = await waitFor(async () => (await daemon.status(name))?.pid ?? undefined, `${name}'s pid`);
      return readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
    };
    const app = await environ("app");
    expect([app.includes("OTHER_VARIABLE=kept"), app.filter((v) => v.includes(TOKEN) || v.startsWith("TSVISOR_TOKEN="))]).toEqual([true, []]);
    expect((await environ("client")).filter((v) => v.includes(TOKEN))).toEqual([`API_TOKEN=${TOKEN}`]);
    const hook = await waitFor(() => readLines(hookEnv).length > 0 && readLines(hookEnv), "the hook's environment");
    expect([hook.includes("OTHER_VARIABLE=kept"), hook.filter((v) => v.includes(TOKEN))]).toEqual([true, []]);
    // tsvisor itself still has it: the token works
    expect((await fetch(`${http.base}/api/v1`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  });
});

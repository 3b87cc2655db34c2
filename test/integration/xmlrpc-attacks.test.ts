// Attacks on the XML-RPC endpoints, on the control socket and on [http]: bodies built to blow up a
// parser (entity expansion, deep nesting, huge, not UTF-8), broken HTTP, wrong credentials, and a
// local user without credentials trying an action over TCP. The daemon answers each with a refusal
// and goes on; no program is touched.
import { beforeAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Daemon, freePort, tempDir, waitFor } from "./_harness.ts";
import { runAsNobody } from "./_nobody.ts";
import { ensureSupervisor, supervisorctl } from "./_supervisorctl.ts";

beforeAll(ensureSupervisor);

// One raw HTTP exchange on a unix socket: the bytes go out as they are; the answer is read to the close.
async function rawUnix(path: string, request: string | Uint8Array): Promise<string> {
  let answer = "";
  const { promise, resolve } = Promise.withResolvers<void>();
  const socket = await Bun.connect({ unix: path, socket: { data: (_s, chunk) => void (answer += chunk.toString("latin1")), close: () => resolve(), error: () => resolve() } });
  socket.write(request);
  await Promise.race([promise, Bun.sleep(15_000)]);
  socket.end();
  return answer;
}

const post = (body: string | Uint8Array, headers = "") => {
  const bytes = typeof body === "string" ? Buffer.from(body) : Buffer.from(body);
  return Buffer.concat([Buffer.from(`POST /RPC2 HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\nConnection: close\r\nContent-Length: ${bytes.length}\r\n${headers}\r\n`), bytes]);
};
const call = (method: string, params = "") => `<?xml version="1.0"?><methodCall><methodName>${method}</methodName><params>${params}</params></methodCall>`;
const statusOf = (answer: string) => answer.split("\r\n")[0];

test("hostile XML-RPC bodies and broken HTTP are refused on the control socket; the daemon and its programs go on", async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, `[programs.web]\ncommand = ["sleep", "1000"]\nstartsecs = 0\n`);
  await daemon.waitForLog(/success: web entered RUNNING/);
  const before = await daemon.status("web");
  const billionLaughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><methodCall><methodName>&lol2;</methodName></methodCall>`;
  const deep = `<?xml version="1.0"?><methodCall><methodName>system.listMethods</methodName><params><param>${"<value><array><data>".repeat(10_000)}`;
  const cases: [string, string | Uint8Array, string][] = [
    ["entity expansion (DOCTYPE)", post(billionLaughs), "HTTP/1.1 400 Bad Request"],
    ["an external entity", post(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/shadow">]><methodCall><methodName>&e;</methodName></methodCall>`), "HTTP/1.1 400 Bad Request"],
    ["an undefined entity", post(call("supervisor.getState&nope;")), "HTTP/1.1 400 Bad Request"],
    ["10,000 nested arrays", post(deep), "HTTP/1.1 400 Bad Request"],
    ["a body over 256 KiB", post(call("system.listMethods", `<param><value>${"x".repeat(300_000)}</value></param>`)), "HTTP/1.1 413 Content Too Large"],
    ["a Content-Length of 10 GB", `POST /RPC2 HTTP/1.1\r\nContent-Length: 10000000000\r\n\r\n`, "HTTP/1.1 400 Bad Request"],
    ["bad UTF-8", post(new Uint8Array([...Buffer.from("<?xml version='1.0'?><methodCall><methodName>"), 0xff, 0xfe, ...Buffer.from("</methodName></methodCall>")])), "HTTP/1.1 400 Bad Request"],
    ["a control character", post(call("x", "<param><value>\u0001</value></param>")), "HTTP/1.1 400 Bad Request"],
    ["no methodCall", post("<methodResponse/>"), "HTTP/1.1 400 Bad Request"],
    ["a chunked body (request smuggling's tool)", `POST /RPC2 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, "HTTP/1.1 501 Not Implemented"],
    ["two different Content-Lengths", `POST /RPC2 HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx`, "HTTP/1.1 400 Bad Request"],
    ["a header 20 KiB long", `GET /mainlogtail HTTP/1.1\r\nX: ${"y".repeat(20_000)}\r\n\r\n`, "HTTP/1.1 431 Request Header Fields Too Large"],
    ["a folded header", `GET /mainlogtail HTTP/1.1\r\nX: a\r\n b\r\n\r\n`, "HTTP/1.1 400 Bad Request"],
    ["an absolute-form target", `GET http://evil/ HTTP/1.1\r\n\r\n`, "HTTP/1.1 400 Bad Request"],
    ["the JSON API's path", `GET /api/v1/programs HTTP/1.1\r\nConnection: close\r\n\r\n`, "HTTP/1.1 404 Not Found"],
  ];
  for (const [what, request, status] of cases) expect([what, statusOf(await rawUnix(daemon.socket, request))]).toEqual([what, status]);

  // well-formed calls a client gets wrong: Faults, not crashes
  const fault = async (body: string) => /<name>faultCode<\/name>\s*<value><int>(\d+)<\/int>/.exec(await rawUnix(daemon.socket, post(body)))?.[1];
  expect(await Promise.all([
    fault(call("supervisor.nope")),
    fault(call("constructor")),
    fault(call("supervisor.__proto__")),
    fault(call("supervisor.startProcess", "<param><value><int>1</int></value></param>")),
    fault(call("supervisor.getProcessInfo", "<param><value>__proto__</value></param>")),
    fault(call("supervisor.readProcessStdoutLog", "<param><value>web</value></param><param><value><int>-5</int></value></param><param><value><int>3</int></value></param>")),
    fault(call("system.multicall", `<param><value><array><data><value><struct><member><name>methodName</name><value>system.multicall</value></member></struct></value></data></array></value></param>`)),
  ])).toEqual(["1", "1", "1", "2", "10", "3", "2"]); // the recursive multicall: a fault in its place in the list

  // afterwards: the same process, never restarted, and the control socket still answers both protocols
  expect([(await daemon.status("web"))?.pid, (await daemon.status("web"))?.restarts]).toEqual([before!.pid, 0]);
  expect((await supervisorctl(dir.path, `unix://${daemon.socket}`, ["status"])).exitCode).toBe(0);
});

test("rpc_username and rpc_password guard the control socket's HTTP; a {SHA} password works as supervisord's", async () => {
  using dir = tempDir();
  // sha1("s3cret") = 2d0a81d6... computed below, written as supervisord's {SHA} form
  const sha = new Bun.CryptoHasher("sha1").update("s3cret").digest("hex");
  await using daemon = Daemon.start(dir.path, `
[supervisor]
rpc_username = "ops"
rpc_password = "{SHA}${sha}"
[programs.web]
command = ["sleep", "1000"]
startsecs = 0
`);
  await daemon.waitForLog(/success: web entered RUNNING/);
  const url = `unix://${daemon.socket}`;
  const none = await supervisorctl(dir.path, url, ["status"]);
  const wrong = await supervisorctl(dir.path, url, ["status"], { username: "ops", password: "guess" });
  const right = await supervisorctl(dir.path, url, ["status"], { username: "ops", password: "s3cret" });
  // supervisorctl says so, then tries once more and prints the 401 itself (as against supervisord)
  for (const refused of [none, wrong]) expect([refused.stdout.split("\n")[0], refused.stdout.includes("401 Unauthorized"), refused.exitCode]).toEqual(["Server requires authentication", true, 1]);
  expect([right.stdout.startsWith("web "), right.exitCode]).toEqual([true, 0]);
  // the JSON-lines protocol is the socket's own, guarded by its file mode as before
  expect((await daemon.ctl(["status", "web"])).exitCode).toBe(0);
});

test("over TCP without credentials, anyone local reads status but no one acts; with username and password an action needs them", async () => {
  using dir = tempDir();
  const open = freePort();
  const locked = freePort();
  await using daemon = Daemon.start(dir.path, `
[http]
listen = "127.0.0.1:${open}"
[programs.web]
command = ["sleep", "1000"]
startsecs = 0
autostart = false
`);
  await daemon.waitForSocket();
  const url = `http://127.0.0.1:${open}`;
  // nobody: another local user, with supervisorctl and nothing else
  const conf = join(dir.path, "nobody-supervisorctl.conf");
  writeFileSync(conf, "[supervisorctl]\n");
  const ctlAsNobody = (args: string[], serverUrl = url) => runAsNobody(["/usr/bin/python3", "/usr/bin/supervisorctl", "-c", conf, "-s", serverUrl, ...args]);
  const status = await ctlAsNobody(["status"]);
  expect([status.stdout, status.exitCode]).toEqual(["web                              STOPPED   Not started\n", 3]);
  const start = await ctlAsNobody(["start", "web"]);
  expect([start.stdout, start.exitCode]).toEqual([expect.stringContaining("403 Forbidden: this server listens on TCP without credentials"), 1]);
  const tail = await ctlAsNobody(["tail", "web"]);
  expect(tail.stdout).toContain("403 Forbidden");
  expect((await daemon.status("web"))?.state).toBe("STOPPED");

  // [http] with supervisord's username and password (and a token): actions need one of them
  using dir2 = tempDir();
  const token = "t0ken-t0ken-t0ken-t0ken";
  await using guarded = Daemon.start(dir2.path, `
[http]
listen = "127.0.0.1:${locked}"
username = "ops"
password = "correct horse battery staple"
token = "${token}"
[programs.web]
command = ["sleep", "1000"]
startsecs = 0
autostart = false
`);
  await guarded.waitForSocket();
  const lockedUrl = `http://127.0.0.1:${locked}`;
  for (const args of [["start", "web"], ["-u", "ops", "-p", "wrong", "start", "web"]]) {
    const refused = await ctlAsNobody(args, lockedUrl);
    expect([refused.stdout.split("\n")[0], refused.exitCode]).toEqual(["Server requires authentication", 1]);
  }
  expect((await guarded.status("web"))?.state).toBe("STOPPED");
  const started = await ctlAsNobody(["-u", "ops", "-p", "correct horse battery staple", "start", "web"], lockedUrl);
  expect([started.stdout, started.exitCode]).toEqual(["web: started\n", 0]);
  // the token as Basic auth's password counts too (supervisorctl can send nothing else)
  const stopped = await ctlAsNobody(["-u", "any", "-p", token, "stop", "web"], lockedUrl);
  expect([stopped.stdout, stopped.exitCode]).toEqual(["web: stopped\n", 0]);
  await waitFor(async () => (await guarded.status("web"))?.state === "STOPPED", "web stopped");
});

// Red team: reads are open on a token-less loopback port, and 1,000 getAllProcessInfo in one multicall
// (a 200 KB body) made a 240 MB answer at 200 programs, the daemon 1.5 GB and its `status` 8 s late.
test("a multicall's answers stop at 8 MiB on the token-less port: the calls after are not run, and each says so", async () => {
  using dir = tempDir();
  const port = freePort();
  await using daemon = Daemon.start(dir.path, `[http]\nlisten = "127.0.0.1:${port}"\n[programs.s]\ncommand = ["sleep", "1000"]\nnumprocs = 50\nstartsecs = 0\n`);
  await daemon.waitForSocket();
  await waitFor(async () => (await daemon.ctl(["status"])).stdout.split("\n").filter((line) => line.includes("RUNNING")).length === 50 || undefined, "50 programs RUNNING");
  const getAll = "<value><struct><member><name>methodName</name><value><string>supervisor.getAllProcessInfo</string></value></member><member><name>params</name><value><array><data/></array></value></member></struct></value>";
  const body = call("system.multicall", `<param><value><array><data>${getAll.repeat(1000)}</data></array></value></param>`);
  const answer = await (await fetch(`http://127.0.0.1:${port}/RPC2`, { method: "POST", body, headers: { "content-type": "text/xml" } })).text();
  const records = answer.split("<name>statename</name>").length - 1;
  const notRun = answer.split("FAILED: not run: the answers before it came to more than 8 MiB").length - 1;
  expect({ atMost9MiB: answer.length <= 9 * 2 ** 20, wholeCalls: records % 50, calls: records / 50 + notRun, someNotRun: notRun > 0 })
    .toEqual({ atMost9MiB: true, wholeCalls: 0, calls: 1000, someNotRun: true });
});

// HTTP fuzzing: raw requests at the live daemon's [http] server, many connections at a time — random
// bytes, mangled request lines and headers, lying Content-Lengths, broken chunked bodies, bodies of
// every JSON shape at the action endpoints (for names that match no process, so nothing may change),
// streams opened and dropped mid-way. Afterwards the programs run under their first pids, no stream
// is left open, the fd count is back near where it started, and the API still answers.
import { expect, test } from "bun:test";
import { connect } from "node:net";
import { Daemon, freePort, tempDir, waitFor } from "../test/integration/_harness.ts";
import { budgetMs, fdCount } from "./_budget.ts";

const TOKEN = "soak-token-0123456789abcdef";
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
const chance = (p: number) => Math.random() < p;

// A name that is no process or program here ("p", "p-0".. and "all" are).
const strayName = () => pick(["nope", "x:*", "p:nope", "%", "%ZZ", "%2F", "a%00b", "🙂", "x".repeat(3000), "..", "q-1"]);
const PATHS = () => [
  "/", "/metrics", "/api/v1", "/api/v1/programs", "/api/v1/check", "/api/v1/events", "/api/v1/events?follow=false&types=PROCESS_STATE",
  `/api/v1/events?types=${pick(["", ",", "NOPE", "%"])}&names=${strayName()}`, `/api/v1/programs/${strayName()}`,
  `/api/v1/programs/p-0/logs?lines=${pick(["-1", "1e9", "abc", "5", ""])}&stream=${pick(["stdout", "stderr", "both", ""])}&follow=${pick(["true", "false", "x"])}`,
  `/api/v1/programs/${strayName()}/${pick(["start", "stop", "restart", "signal", "logs", "nope"])}`, `/${"a/".repeat(2000)}`, "*", "http://evil/", "",
];
const BODIES = ["", "{}", "[]", "null", "{", '{"wait":"x"}', '{"signal":1}', '{"signal":"TERM","wait":false}', "\u0000\u0001", '{"a":'.repeat(5000), "x".repeat(70_000)];

function randomRequest(): string | Uint8Array {
  const r = Math.random();
  if (r < 0.1) return crypto.getRandomValues(new Uint8Array(1 + Math.floor(Math.random() * 4000)));
  const method = pick(["GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "GE T", "", "POST\u0000"]);
  const path = pick(PATHS());
  const version = pick(["HTTP/1.1", "HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/9", ""]);
  const body = pick(BODIES);
  const headers = [`Host: ${pick(["127.0.0.1", "localhost:1", "evil.example", "", "[::1]"])}`];
  if (chance(0.7)) headers.push(`Content-Type: ${pick(["application/json", "text/plain", "application/json; charset=utf-8", ""])}`);
  if (chance(0.3)) headers.push(`Origin: ${pick(["http://evil.example", "null", "http://127.0.0.1"])}`);
  // the right token half the time, so that the action endpoints are reached; a wrong one now and then
  if (chance(0.5)) headers.push(`Authorization: Bearer ${TOKEN}`);
  else if (chance(0.2)) headers.push(`Authorization: Bearer ${pick(["", "x", "y".repeat(10_000)])}`);
  if (chance(0.1)) headers.push(`X-Big: ${"h".repeat(20_000 + Math.floor(Math.random() * 50_000))}`);
  let framing: string;
  if (chance(0.2)) framing = `Transfer-Encoding: chunked\r\n\r\n${pick([`${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`, "zz\r\nxx\r\n", `ffffff\r\n${body}`])}`;
  else framing = `Content-Length: ${pick([String(body.length), "-1", "99999999999", "abc", String(body.length + 100)])}\r\n\r\n${body}`;
  const request = `${method} ${path} ${version}\r\n${headers.join("\r\n")}\r\n${framing}`;
  return chance(0.15) ? request.slice(0, Math.floor(Math.random() * request.length)) : request; // cut short
}

async function fuzzConnection(port: number): Promise<void> {
  const socket = connect(port, "127.0.0.1");
  socket.on("error", () => {});
  socket.on("data", () => {});
  await new Promise<void>((resolve) => socket.once("connect", resolve).once("error", resolve).once("close", resolve));
  for (let i = 0, n = 1 + Math.floor(Math.random() * 3); i < n; i++) socket.write(randomRequest());
  // stay a little (a stream may begin), or go at once; half close or reset
  if (chance(0.5)) await new Promise((resolve) => setTimeout(resolve, Math.random() * 100));
  if (chance(0.5)) socket.end();
  else socket.destroy();
}

test("random and mangled HTTP requests leave the daemon and its programs serving", async () => {
  using dir = tempDir();
  const port = freePort();
  await using daemon = Daemon.start(dir.path, `[programs.p]\ncommand = ["sh", "-c", "echo hello; exec sleep 100000"]\nstartsecs = 0\nnumprocs = 3\nconsole = false\n\n[http]\nlisten = "127.0.0.1:${port}"\ntoken = "${TOKEN}"\n`);
  await daemon.waitForLog(/http: listening on/);
  await waitFor(async () => (await daemon.ctl(["check"])).exitCode === 0, "3 RUNNING");
  const pids = async () => (JSON.parse((await daemon.ctl(["status", "--json"])).stdout) as { processes: { pid: number }[] }).processes.map((p) => p.pid);
  const pidsBefore = await pids();
  const fdsBefore = fdCount(daemon.proc.pid);
  const deadline = Date.now() + budgetMs(0.1);
  let connections = 0;
  while (Date.now() < deadline) {
    await Promise.all(Array.from({ length: 20 }, () => fuzzConnection(port).catch(() => undefined)));
    connections += 20;
  }
  const auth = { headers: { authorization: `Bearer ${TOKEN}` } };
  const streams = async () => Number(/^tsvisor_http_streams (\d+)$/m.exec(await (await fetch(`http://127.0.0.1:${port}/metrics`, auth)).text())?.[1]);
  await waitFor(async () => (await streams()) === 0, "every stream closed", 30_000);
  expect(await pids()).toEqual(pidsBefore);
  const about = await fetch(`http://127.0.0.1:${port}/api/v1`, auth);
  expect(about.status).toBe(200);
  await waitFor(() => fdCount(daemon.proc.pid) <= fdsBefore + 2, `fd count back near ${fdsBefore} (now ${fdCount(daemon.proc.pid)})`, 30_000);
  expect(daemon.logLines(/ERROR/)).toEqual([]);
  expect(daemon.proc.exitCode).toBeNull();
  process.stderr.write(`http fuzz: ${connections} connections\n`);
}, 3_600_000);

// Socket fuzzing: random bytes, truncated and mangled protocol messages, over-long lines and abrupt
// closes at the live daemon's control socket, many connections at a time. Afterwards the daemon
// still answers, its programs are still RUNNING, and its fd count is back near where it started.
import { expect, test } from "bun:test";
import { Daemon, tempDir, waitFor } from "../test/integration/_harness.ts";
import { budgetMs, fdCount } from "./_budget.ts";

const VALID = [
  { v: 1, id: 1, op: "status" }, { v: 1, id: 2, op: "check" }, { v: 1, id: 3, op: "version" },
  { v: 1, id: 4, op: "signal", names: ["p-0"], signal: "CONT" }, { v: 1, id: 5, op: "status", names: ["nope", "p:*"] },
];

function randomMessage(): Uint8Array | string {
  const r = Math.random();
  const valid = JSON.stringify(VALID[Math.floor(Math.random() * VALID.length)]);
  if (r < 0.2) return crypto.getRandomValues(new Uint8Array(1 + Math.floor(Math.random() * 2000)));
  if (r < 0.4) return valid.slice(0, Math.floor(Math.random() * valid.length)); // truncated, no newline
  if (r < 0.55) return `${valid.slice(0, Math.floor(Math.random() * valid.length))}\n`;
  if (r < 0.65) return `${"x".repeat(70_000 + Math.floor(Math.random() * 10_000))}\n`; // over the line limit
  if (r < 0.8) {
    // a valid message with one field of a random type
    const msg: Record<string, unknown> = { ...VALID[0] };
    const field = ["v", "id", "op", "names", "signal", "wait"][Math.floor(Math.random() * 6)]!;
    msg[field] = [null, 1e308, -1, "🙂", [], {}, [[1]], "\u0000", true][Math.floor(Math.random() * 9)];
    return `${JSON.stringify(msg)}\n`;
  }
  if (r < 0.9) return `${valid}\n${valid}\n${valid}\n`; // pipelined
  return `${JSON.stringify({ v: 1, id: 9, op: "stop", names: [{ toString: 1 }] })}\r\n\u0000\n`;
}

async function fuzzConnection(socket: string): Promise<void> {
  const conn = await Bun.connect({ unix: socket, socket: { data() {}, error() {}, close() {} } });
  const n = 1 + Math.floor(Math.random() * 4);
  for (let i = 0; i < n; i++) conn.write(randomMessage());
  if (Math.random() < 0.5) await Bun.sleep(Math.random() * 50);
  conn.end();
}

test("random and truncated protocol messages leave the daemon serving", async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, `[programs.p]\ncommand = ["sleep", "100000"]\nstartsecs = 0\nnumprocs = 3\n`);
  await daemon.waitForSocket();
  await waitFor(async () => (await daemon.ctl(["check"])).exitCode === 0, "3 RUNNING");
  const fdsBefore = fdCount(daemon.proc.pid);
  const deadline = Date.now() + budgetMs(0.1);
  let connections = 0;
  while (Date.now() < deadline) {
    await Promise.all(Array.from({ length: 20 }, () => fuzzConnection(daemon.socket).catch(() => undefined)));
    connections += 20;
  }
  const check = await daemon.ctl(["check"]);
  expect(check.exitCode).toBe(0);
  const status = await daemon.ctl(["status"]);
  expect(status.stdout.split("\n").filter((l) => /RUNNING/.test(l)).length).toBe(3);
  // Connections the daemon closes on its side (idle timeout, errors) release their fds.
  await waitFor(() => fdCount(daemon.proc.pid) <= fdsBefore + 2, `fd count back near ${fdsBefore} (now ${fdCount(daemon.proc.pid)})`, 30_000);
  expect(daemon.proc.exitCode).toBeNull();
  process.stderr.write(`socket fuzz: ${connections} connections\n`);
}, 3_600_000);

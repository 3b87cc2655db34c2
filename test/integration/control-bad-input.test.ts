// Clients that misbehave on the control socket: garbage, a 1 MB line, 200 at once, one that
// connects and sleeps, one that leaves mid-request or mid-reply. None of them may block another
// client or disturb a supervised program.
import { expect, test } from "bun:test";
import type { Socket } from "bun";
import type { ProcessStatus, Response } from "../../src/control/protocol.ts";
import { Daemon, tempDir, waitFor } from "./_harness.ts";

// A raw connection: what the test writes goes out as is; replies are collected line by line.
class RawClient {
  readonly replies: Response[] = [];
  closed = false;
  private partial = "";
  private constructor(readonly socket: Socket<undefined>) {}

  static async connect(path: string): Promise<RawClient> {
    let client: RawClient | undefined;
    const socket = await Bun.connect({
      unix: path,
      socket: {
        data: (_s, chunk) => client!.receive(chunk.toString()),
        close: () => void (client!.closed = true),
        error: () => void (client!.closed = true),
      },
    });
    client = new RawClient(socket);
    return client;
  }

  private receive(text: string): void {
    const lines = (this.partial + text).split("\n");
    this.partial = lines.pop() ?? "";
    for (const line of lines) this.replies.push(JSON.parse(line));
  }

  /** Write everything, waiting for the socket to take it; stops quietly when the daemon hangs up. */
  async write(data: string | Uint8Array): Promise<void> {
    let bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    while (bytes.length > 0 && !this.closed) {
      const written = this.socket.write(bytes);
      if (written < 0) return;
      bytes = bytes.subarray(written);
      if (bytes.length > 0) await Bun.sleep(1); // the kernel buffer is full: let the daemon read
    }
  }
}

async function statusOf(daemon: Daemon): Promise<ProcessStatus[]> {
  const { stdout, exitCode } = await daemon.ctl(["status", "--json"]);
  expect(exitCode).toBe(0);
  return (JSON.parse(stdout) as { processes: ProcessStatus[] }).processes;
}

test("misbehaving clients get an error or are dropped, and never block others or disturb programs", async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, `
[programs.web]
command = ["sleep", "1000"]
startsecs = 0

[programs.worker]
command = ["sleep", "1000"]
numprocs = 3
startsecs = 0
`);
  await daemon.waitForLog(/success: worker-2 entered RUNNING/);
  const before = await statusOf(daemon);

  // connects and never writes: it must not hold anyone up, and is dropped after the idle timeout
  const sleeper = await RawClient.connect(daemon.socket);
  const sleeperSince = Date.now();

  // garbage: random bytes (with newlines, so several "requests"), then a valid request on the same connection
  const garbage = await RawClient.connect(daemon.socket);
  const noise = crypto.getRandomValues(new Uint8Array(4096)).map((b) => (b === 0x0a ? 0x20 : b));
  await garbage.write(noise);
  await garbage.write("\n{not json}\n[1,2,3]\n");
  await garbage.write('{"v":1,"id":5,"op":"status","names":["web"]}\n');
  await waitFor(() => garbage.replies.some((r) => r.id === 5), "the status reply after the garbage");
  expect(garbage.replies.map((r) => (r.ok ? `ok ${r.id}` : r.error.code))).toEqual(["BAD_REQUEST", "BAD_REQUEST", "BAD_REQUEST", "ok 5"]);
  expect(garbage.closed).toBe(false);

  // a 1 MB line: refused once it passes 64 KiB, then the connection is closed
  const huge = await RawClient.connect(daemon.socket);
  await huge.write(`{"v":1,"id":1,"op":"status","names":["${"x".repeat(1024 * 1024)}"]}\n`);
  await waitFor(() => huge.closed, "the daemon to close the 1 MB line's connection");
  expect(huge.replies).toEqual([{ v: 1, id: null, ok: false, error: { code: "LINE_TOO_LONG", limit: 65536 } }]);

  // 200 clients at once, each with its own request id
  const many = await Promise.all(Array.from({ length: 200 }, () => RawClient.connect(daemon.socket)));
  await Promise.all(many.map((c, i) => c.write(`{"v":1,"id":${i},"op":"status"}\n`)));
  await waitFor(() => many.every((c) => c.replies.length === 1), "200 replies");
  expect(many.map((c, i) => [c.replies[0]!.id === i, c.replies[0]!.ok])).toEqual(many.map(() => [true, true]));
  for (const c of many) c.socket.end();

  // leaves mid-request: half a line, then gone
  const halfway = await RawClient.connect(daemon.socket);
  await halfway.write('{"v":1,"id":9,"op":"sto');
  halfway.socket.terminate();

  // leaves mid-reply: asks for everything and is gone before reading it
  for (let i = 0; i < 20; i++) {
    const rude = await RawClient.connect(daemon.socket);
    await rude.write('{"v":1,"id":1,"op":"status"}\n{"v":1,"id":2,"op":"check"}\n');
    rude.socket.terminate();
  }

  // the sleeper did not block anything above; it is told and dropped after 10 s of silence
  expect(sleeper.closed).toBe(false);
  await waitFor(() => sleeper.closed, "the idle client to be dropped", 20_000);
  expect([sleeper.replies, Date.now() - sleeperSince >= 9_000]).toEqual([[{ v: 1, id: null, ok: false, error: { code: "IDLE_TIMEOUT" } }], true]);

  // afterwards: the daemon answers, and every program is the same process it was, never restarted
  const after = await statusOf(daemon);
  expect(after.map((p) => [p.name, p.state, p.pid, p.restarts])).toEqual(before.map((p) => [p.name, "RUNNING", p.pid, 0]));
  expect((await daemon.ctl(["check"])).exitCode).toBe(0);
  expect(daemon.logLines(/ERROR|exited:/)).toEqual([]);
});

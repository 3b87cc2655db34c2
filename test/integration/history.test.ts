// Each process's history (docs/http.md "History", docs/protocol.md `history`) on the compiled tsvisor
// and real programs: what it holds after a scripted run (a start, a crash and its autorestart, a
// restart by hand, memory that grows), through the socket and the HTTP API; that a reload keeps it for
// unchanged programs; and that it keeps its last 720 samples while its ring wraps many times over.
import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { sendRequest } from "../../src/control/client.ts";
import type { HistoryEvent, ProcessHistory } from "../../src/control/protocol.ts";
import { Daemon, FIXTURES, tempDir, waitFor, writeConfig } from "./_harness.ts";
import { httpOn } from "./_http.ts";

const MiB = 1024 * 1024;
const TOKEN = "history-test-token-0123456789";

async function history(daemon: Daemon, name: string, since?: number): Promise<ProcessHistory> {
  const reply = await sendRequest(daemon.socket, { op: "history", names: [name], ...(since === undefined ? {} : { since }) });
  if (!reply.ok) throw new Error(`history ${name}: ${JSON.stringify(reply.error)}`);
  return reply.result.processes[0]!;
}

// The events without their times, fields that do not apply left out.
const brief = (events: HistoryEvent[]) =>
  events.map(({ time: _time, ...e }) => Object.fromEntries(Object.entries(e).filter(([, v]) => v !== null)));

// crashy runs until the test creates its trigger file, then exits 3; grow holds 20 MB more every 400 ms, three times.
const config = (dir: string, http: string) => `
[supervisor]
sample_interval = "100ms"

[programs.crashy]
command = ["sh", "-c", "while [ ! -e ${dir}/crash ]; do sleep 0.05; done; rm ${dir}/crash; exit 3"]
startsecs = 0
backoff_reset = 0

[programs.grow]
command = ${JSON.stringify([process.execPath, join(FIXTURES, "memory-fixture.ts"), "20", "3", "400"])}
startsecs = 0

${http}
`;

test("after a start, a crash, its autorestart, a restart by hand and memory growth, the history holds each, through the socket and the HTTP API", async () => {
  using dir = tempDir();
  const http = httpOn(`token = "${TOKEN}"`);
  await using daemon = Daemon.start(dir.path, config(dir.path, http.block));
  const first = await waitFor(async () => (await daemon.status("crashy"))?.pid, "crashy to run");
  writeFileSync(join(dir.path, "crash"), "");
  const second = await waitFor(async () => {
    const s = await daemon.status("crashy");
    return s?.state === "RUNNING" && s.pid !== first && s.pid;
  }, "crashy to be restarted after its crash");
  expect(await daemon.ctl(["restart", "crashy"])).toMatchObject({ exitCode: 0 });
  const third = (await daemon.status("crashy"))!.pid;

  const crashy = await history(daemon, "crashy");
  expect(brief(crashy.events)).toEqual([
    { kind: "start", pid: first, cause: "start" },
    { kind: "exit", pid: first, exit_code: 3, expected: false },
    { kind: "start", pid: second, cause: "crash" },
    { kind: "exit", pid: second, signal: "TERM", expected: false },
    { kind: "start", pid: third, cause: "by_hand" },
  ]);
  // times in order, and each exit before the start that follows it
  expect(crashy.events.map((e) => e.time)).toEqual(crashy.events.map((e) => e.time).toSorted((a, b) => a - b));
  expect(crashy.sample_interval_ms).toBe(100);

  // grow's memory as sampled: up by more than one of its three steps of 20 MiB after the first sample,
  // so at least two steps were seen (the first step may come before the first sample, and Bun's own
  // size shrinks by a MiB or so as it settles: exactly 40 MiB failed on a fast machine), never down by much
  const grown = await waitFor(async () => {
    const h = await history(daemon, "grow");
    const first = h.samples.memory_bytes[0];
    return first !== undefined && Math.max(...h.samples.memory_bytes) - first >= 30 * MiB && h;
  }, "grow's samples to rise by 30 MiB");
  const memory = grown.samples.memory_bytes;
  expect(memory.every((m, i) => i === 0 || m > memory[i - 1]! - 5 * MiB)).toBe(true);
  expect(grown.samples.time.every((t, i) => i === 0 || t > grown.samples.time[i - 1]!)).toBe(true);
  expect(grown.samples.cpu_percent.slice(1).every((c) => typeof c === "number" && c >= 0)).toBe(true);
  expect(grown.samples.health.every((h) => h === null)).toBe(true); // no health check

  // `since`: only what came after it
  const lastStart = crashy.events.at(-1)!.time;
  expect((await history(daemon, "crashy", lastStart - 1)).events.map((e) => e.pid)).toEqual([third]);

  // the HTTP API answers with the same result, under the same rules as status
  const auth = { authorization: `Bearer ${TOKEN}` };
  const viaHttp = await fetch(`${http.base}/api/v1/programs/crashy/history`, { headers: auth });
  expect(viaHttp.status).toBe(200);
  const body = (await viaHttp.json()) as { processes: ProcessHistory[] };
  expect(brief(body.processes[0]!.events)).toEqual(brief(crashy.events));
  const refused = await Promise.all([
    fetch(`${http.base}/api/v1/programs/crashy/history`),
    fetch(`${http.base}/api/v1/programs/nope/history`, { headers: auth }),
    fetch(`${http.base}/api/v1/programs/crashy/history?since=yesterday`, { headers: auth }),
  ]);
  expect(await Promise.all(refused.map(async (r) => [r.status, ((await r.json()) as { error: { code: string } }).error.code]))).toEqual([
    [401, "UNAUTHORIZED"], [404, "NO_SUCH_PROCESS"], [400, "BAD_REQUEST"],
  ]);
});

test("a TCP server without a token serves the history, as it serves status", async () => {
  using dir = tempDir();
  const http = httpOn();
  await using daemon = Daemon.start(dir.path, config(dir.path, http.block));
  const pid = await waitFor(async () => (await daemon.status("crashy"))?.pid, "crashy to run");
  const r = await fetch(`${http.base}/api/v1/programs/crashy/history`);
  expect(r.status).toBe(200);
  expect(brief(((await r.json()) as { processes: ProcessHistory[] }).processes[0]!.events)).toEqual([{ kind: "start", pid, cause: "start" }]);
});

test("a reload keeps the history of an unchanged program; a changed program starts a new one", async () => {
  using dir = tempDir();
  const programs = (workerArg: string) => `[programs.web]\ncommand = ["sleep", "1000"]\nstartsecs = 0\n[programs.worker]\ncommand = ["sleep", "${workerArg}"]\nstartsecs = 0\n`;
  await using daemon = Daemon.start(dir.path, programs("1000"));
  const web = await waitFor(async () => (await daemon.status("web"))?.pid, "web to run");
  const worker = await waitFor(async () => (await daemon.status("worker"))?.pid, "worker to run");
  writeConfig(dir.path, programs("1001"));
  expect(await daemon.ctl(["reload"])).toMatchObject({ exitCode: 0 });
  const newWorker = await waitFor(async () => {
    const pid = (await daemon.status("worker"))?.pid;
    return pid !== worker && pid;
  }, "worker to run again with its new command");
  expect(brief((await history(daemon, "web")).events)).toEqual([{ kind: "start", pid: web, cause: "start" }]);
  expect(brief((await history(daemon, "worker")).events)).toEqual([{ kind: "start", pid: newWorker, cause: "start" }]);
});

test("while its sample ring wraps over and over, a process's history holds the last 720 samples, no more", async () => {
  using dir = tempDir();
  // 10 ms samples: the ring wraps every 7.2 s (bench/history.bench.ts measures the daemon's memory over a long run)
  await using daemon = Daemon.start(dir.path, `[supervisor]\nsample_interval = "10ms"\n[programs.web]\ncommand = ["sleep", "1000"]\nstartsecs = 0\n`);
  await daemon.waitForSocket();
  const first = await waitFor(async () => (await history(daemon, "web")).samples.time[0], "a first sample");
  // the oldest sample kept is newer than the newest one of two rings ago: 1,440 samples have gone through
  const h = await waitFor(async () => {
    const now = await history(daemon, "web");
    return now.samples.time[0]! > first + 720 * 10 && now;
  }, "the sample ring to wrap twice", 120_000);
  expect(h.samples.time.length).toBe(720);
  expect(h.samples.time.every((t, i) => i === 0 || t > h.samples.time[i - 1]!)).toBe(true);
}, 180_000);

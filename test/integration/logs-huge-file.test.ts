// A program owns its log file (tsvisor gives it to the program's user), so its user can make it
// anything a file can be: here a sparse file of 1 GiB with no newline. Every reader of the log reads
// at most MAX_TAIL_BYTES (8 MiB) of it (docs/security.md, "Reading a log"). (The regression, red-team
// finding F7: reading the last lines walked back to the file's start keeping every block, on the
// daemon's thread: GET .../logs grew the daemon past the file's size and stalled it; at 4 GiB it was
// OOM-killed.)
import { expect, test } from "bun:test";
import { chownSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Daemon, tempDir, waitFor } from "./_harness.ts";
import { httpOn } from "./_http.ts";
import { NOBODY } from "./_nobody.ts";

const GIB = 1024 * 1024 * 1024;
const TOKEN = "test-token-0123456789abcdef";
const auth = { headers: { authorization: `Bearer ${TOKEN}` } };
const MAX_TAIL_BYTES = 8 * 1024 * 1024;
// The daemon's peak resident memory (VmHWM), in bytes.
const peakRss = (pid: number) => Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) * 1024;

test("a log made a 1 GiB sparse file without a newline: the logs endpoint, follow, XML-RPC and `tsvisor logs` read 8 MiB of it at most, and the daemon stays small and answers", async () => {
  expect(process.getuid?.()).toBe(0);
  using dir = tempDir();
  const app = join(dir.path, "app");
  mkdirSync(app);
  chownSync(app, NOBODY, NOBODY);
  const log = join(app, "out.log");
  const http = httpOn('token = "${TSVISOR_TOKEN}"');
  const go = join(app, "go");
  await using daemon = Daemon.start(dir.path, `[supervisor]
console = false
[programs.app]
command = ["sh", "-c", "echo hello; while [ ! -e ${go} ]; do sleep 0.05; done; truncate -s ${GIB} ${log}; exec sleep 100000"]
user = "nobody"
startsecs = 0
stdout_logfile = "${log}"
${http.block}`, { env: { TSVISOR_TOKEN: TOKEN } });
  await waitFor(async () => (await daemon.status("app"))?.state === "RUNNING", "app running");
  const before = peakRss(daemon.proc.pid);

  // a follower that finds 1 GiB new at one look takes the last 8 MiB of it at most
  const follow = await fetch(`${http.base}/logtail/app`, auth);
  const reader = follow.body!.getReader();
  await reader.read(); // "hello"
  writeFileSync(go, "");
  let followed = 0;
  while (followed <= MAX_TAIL_BYTES) {
    const next = await Promise.race([reader.read().catch(() => ({ done: true, value: undefined })), Bun.sleep(10_000).then(() => ({ done: true, value: undefined }))]);
    if (next.done) break;
    followed += next.value!.byteLength;
  }
  await reader.cancel().catch(() => {});
  await waitFor(() => statSync(log).size === GIB, "the log made 1 GiB", 15_000);

  const started = performance.now();
  const response = await fetch(`${http.base}/api/v1/programs/app/logs?lines=10`, auth);
  const body = await response.arrayBuffer();
  const seconds = (performance.now() - started) / 1000;

  // supervisorctl's ways: readProcessStdoutLog from 0 to the end, tailProcessStdoutLog of "everything"
  const rpc = async (method: string, params: string) => (await fetch(`${http.base}/RPC2`, {
    method: "POST", headers: { ...auth.headers, "content-type": "text/xml" },
    body: `<?xml version="1.0"?><methodCall><methodName>supervisor.${method}</methodName><params>${params}</params></methodCall>`,
  })).arrayBuffer();
  const xmlrpc = [
    await rpc("readProcessStdoutLog", "<param><value><string>app</string></value></param><param><value><int>0</int></value></param><param><value><int>0</int></value></param>"),
    await rpc("tailProcessStdoutLog", "<param><value><string>app</string></value></param><param><value><int>0</int></value></param><param><value><int>2000000000</int></value></param>"),
  ].map((reply) => reply.byteLength > 1024 && reply.byteLength <= 2 * MAX_TAIL_BYTES); // NULs travel as U+FFFD: 3 bytes each
  const cli = await daemon.ctl(["logs", "app", "-n", "5"]);
  const status = await Promise.race([daemon.status("app"), Bun.sleep(5_000).then(() => "no answer within 5 s")]);
  expect({
    status: response.status,
    bodyAtMost8MiB: body.byteLength <= MAX_TAIL_BYTES,
    bodyHasBytes: body.byteLength > 0,
    quick: seconds < 10,
    followedAtMost8MiB: followed <= MAX_TAIL_BYTES,
    xmlrpcBounded: xmlrpc,
    cli: { exitCode: cli.exitCode, atMost8MiB: cli.stdout.length <= MAX_TAIL_BYTES },
    daemonGrewLessThan256MiB: peakRss(daemon.proc.pid) - before < 256 * 1024 * 1024,
    state: typeof status === "object" ? status.state : status,
  }).toEqual({
    status: 200, bodyAtMost8MiB: true, bodyHasBytes: true, quick: true, followedAtMost8MiB: true, xmlrpcBounded: [true, true],
    cli: { exitCode: 0, atMost8MiB: true }, daemonGrewLessThan256MiB: true, state: "RUNNING",
  });
}, 120_000);

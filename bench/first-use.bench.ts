// What the first use of some code costs a daemon whose executable's pages were let go (tsvisor lets
// its start-up pages go a second after start, and every minute: src/os/startup-pages.ts): the pages
// of the runtime's code that use maps back into RSS (file pages, 64 KiB of fault-around per page
// touched). The reason under the missed "peak RSS while logging ≤ 1.2× idle" row of issue 18: its
// idle figure is read just after a release, and a daemon's first line of output is such a first use.
//   bun bench/first-use.bench.ts [--rounds N]
// For each case: a process waits with its pages let go; its RssFile is read from outside, it is let
// go on (a file GO), and read again 500 ms later; medians over the rounds, in MiB.
//   - a compiled Bun program (tsvisor's build flags) doing nothing, reading /proc/self/status and
//     parsing it, or passing one message to a Worker and back;
//   - tsvisor (sample_interval = 0: the log path alone), its one program writing one 100-byte line,
//     or 8,192 bytes cut mid-line.
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { waitFor } from "../test/infra/wait-for.ts";
import { buildBunProgram, settleExecutable } from "./_hello.ts";
import { procStatusMiB } from "./_supervisord.ts";

const ROOT = resolve(import.meta.dir, "..");
const TSVISOR = process.env.TSVISOR_BIN ?? join(ROOT, "dist/tsvisor");
const option = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const ROUNDS = Number(option("--rounds") ?? 3);

// Waits for GO with its pages let go, does one thing, then waits to be stopped. Its waiting runs
// before the release too, so the code it needs again after it is in both readings alike.
const PROGRAM = `
import { existsSync, readFileSync } from "node:fs";
import { releaseStartupPages } from ${JSON.stringify(join(ROOT, "src/os/startup-pages.ts"))};
const [what, dir] = [process.argv[2], process.argv[3]];
const worker = new Worker(URL.createObjectURL(new Blob(["self.onmessage = (e) => postMessage(e.data);"])));
let replies = 0;
worker.onmessage = () => { replies++; };
worker.postMessage({ ready: [0] });
const until = async (done) => { while (!done()) await Bun.sleep(10); };
await until(() => replies === 1);
await Bun.sleep(1000);
releaseStartupPages();
await Bun.sleep(20);
Bun.write(dir + "/released", "");
await until(() => existsSync(dir + "/GO"));
if (what === "status") readFileSync("/proc/self/status", "utf8").split("\\n").filter((l) => /^Rss/.test(l)).map((l) => Number(l.split(/\\s+/)[1]));
if (what === "message") { worker.postMessage({ ready: [1] }); await until(() => replies === 2); }
await until(() => existsSync(dir + "/STOP"));
process.exit(0);
`;

const rssFileMiB = (pid: number) => procStatusMiB(pid, "RssFile");

// RssFile of `pid` once settled (2 s after `ready`), and 500 ms after GO.
// `used`: the first use is over (polled from 500 ms after GO on): on a loaded machine (CI) the writer's
// python3 alone can take longer than 500 ms to start, and the RSS read before the use was done.
async function around(pid: number, dir: string, ready: () => boolean, used: () => boolean = () => true): Promise<[number, number]> {
  await waitFor(ready, "the process to settle");
  await Bun.sleep(2000);
  const before = rssFileMiB(pid);
  writeFileSync(join(dir, "GO"), "");
  await Bun.sleep(500);
  await waitFor(used, "the first use to be over");
  return [before, rssFileMiB(pid)];
}

async function bunCase(binary: string, what: string): Promise<[number, number]> {
  const dir = mkdtempSync(join(tmpdir(), "tsvisor-bench-first-use-"));
  try {
    const proc = Bun.spawn([binary, what, dir], { stderr: "inherit" });
    const result = await around(proc.pid, dir, () => existsSync(join(dir, "released")));
    writeFileSync(join(dir, "STOP"), "");
    if ((await proc.exited) !== 0) throw new Error(`the ${what} case failed`);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function tsvisorCase(bytes: number): Promise<[number, number]> {
  const dir = mkdtempSync(join(tmpdir(), "tsvisor-bench-first-use-"));
  try {
    // `bytes` of 100-byte lines, the last cut short when bytes is not a multiple of 100
    const write = `import os; os.write(1, ((b"x" * 99 + b"\\n") * ${Math.ceil(bytes / 100)})[:${bytes}])`;
    writeFileSync(join(dir, "tsvisor.toml"), `
[supervisor]
log_dir = "${dir}/logs"
console = false
sample_interval = 0
[programs.writer]
command = ["/bin/sh", "-c", ${JSON.stringify(`while [ ! -e ${dir}/GO ]; do sleep 0.01; done; python3 -c '${write}'; sleep 1000`)}]
startsecs = 0
autorestart = false
`);
    const proc = Bun.spawn([TSVISOR, "run", "-c", join(dir, "tsvisor.toml"), "--socket", join(dir, "tsvisor.sock")], { stdout: "ignore", stderr: "ignore" });
    // tsvisor lets its start-up pages go a second after its programs have settled; 2 s after its log file appears, as bench/logs.bench.ts reads its idle RSS
    const log = join(dir, "logs", "writer.out.log");
    const whole = bytes - (bytes % 100); // a cut line is held until its end comes
    const result = await around(proc.pid, dir, () => existsSync(log), () => statSync(log).size >= whole);
    proc.kill("SIGTERM");
    await proc.exited;
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const buildDir = mkdtempSync(join(tmpdir(), "tsvisor-bench-first-use-build-"));
process.on("exit", () => rmSync(buildDir, { recursive: true, force: true }));
const program = buildBunProgram(buildDir, "first-use", PROGRAM);
settleExecutable(TSVISOR);
const CASES: [string, () => Promise<[number, number]>][] = [
  ["compiled Bun program: nothing", () => bunCase(program, "nothing")],
  ["compiled Bun program: read and parse /proc/self/status once", () => bunCase(program, "status")],
  ["compiled Bun program: one message to a Worker and back", () => bunCase(program, "message")],
  ["tsvisor: its program writes one 100-byte line", () => tsvisorCase(100)],
  ["tsvisor: its program writes 8,192 bytes (the last line cut)", () => tsvisorCase(8192)],
];
const results = new Map<string, [number, number][]>();
for (let round = 1; round <= ROUNDS; round++) {
  for (const [name, run] of CASES) results.set(name, [...(results.get(name) ?? []), await run()]);
  process.stderr.write(`round ${round}/${ROUNDS} done\n`);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`RssFile (MiB) before and 500 ms after one first use, with the executable's pages let go; medians of ${ROUNDS}\n`);
console.log("| case | before | after | rise |\n|---|---:|---:|---:|");
for (const [name, pairs] of results) {
  const [before, after] = [median(pairs.map((p) => p[0])), median(pairs.map((p) => p[1]))];
  console.log(`| ${name} | ${before.toFixed(1)} | ${after.toFixed(1)} | ${median(pairs.map((p) => p[1] - p[0])).toFixed(1)} |`);
}

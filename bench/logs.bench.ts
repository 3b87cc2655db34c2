// Log throughput: a program writes 200 MB of 100-byte lines in writes of 100, 8,192 and 65,536 bytes
// (8,192 and 65,536 cut a line at nearly every write, as a program's stdio buffer does); how long
// from the writer's start until all of it is in the log files (rotation at 50 MB), for the writer
// redirected straight to a file, through a bare pipe relay (cat; C with read + write; C with splice;
// C with read + write and a console mirror; a compiled Bun program with blocking reads and writes),
// tsvisor (console mirror off and on) and supervisord 4.2.5, in the same run, round after round.
// Every run is checked: the files, read back in rotation order, are the
// bytes written (nothing lost, nothing out of order), each of tsvisor's files ends with a whole line,
// and the console got every line once, prefixed. Peak RSS while logging (VmHWM, reset once the
// daemon has settled) is set against the same daemon's idle RSS just before the writer starts.
// Right before every writer starts, the page cache is warmed (warmPageCache): on a virtual machine
// that hands freed memory back to its host, the first write into memory left free for a few seconds
// costs up to 5x, and only the daemons' runs waited (docs/performance.md "Free page reporting").
// Medians and ratios go to stdout and, for a full run, to bench/results/logs.md.
//   npm run bench:logs             5 rounds of 200 MB per write size
//   npm run bench:logs -- --short  1 round of 20 MB (rotation at 5 MB), for CI; writes no results file
//   --rounds N, --sizes 8192,65536 another count of rounds, other write sizes
//   --variants "direct;tsvisor"   only these (names of the table's rows, separated by ";"); direct and
//                                 tsvisor always run, the ratios are to them; no results file
//   TSVISOR_BIN=path               another tsvisor executable (an older build, to compare)
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, unlinkSync, writeFileSync, writeSync } from "node:fs";
import { cpus, totalmem, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildBunProgram, buildCFloor, settleExecutable } from "./_hello.ts";
import { procStatusMiB } from "./_supervisord.ts";

const SHORT = process.argv.includes("--short");
const option = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const ROUNDS = Number(option("--rounds") ?? (SHORT ? 1 : 5));
const TOTAL = SHORT ? 20_000_000 : 200_000_000; // a multiple of the 100-byte line
const MAXBYTES = SHORT ? 5_000_000 : 50_000_000;
const WRITE_SIZES = (option("--sizes") ?? "100,8192,65536").split(",").map(Number);
const ROOT = resolve(import.meta.dir, "..");
const TSVISOR = process.env.TSVISOR_BIN ?? join(ROOT, "dist/tsvisor");
const WRITER = join(import.meta.dir, "log-writer.py");
const PYTHON = "/usr/bin/python3"; // Debian's, which the supervisor package depends on
const PREFIX = "writer | ";

spawnSync(join(ROOT, "scripts/ensure-debian-packages.sh"), ["supervisor", "gcc", "libc6-dev"], { stdio: "inherit" });
settleExecutable(TSVISOR); // its idle and peak RSS are compared (bench/_hello.ts)
const PIPE_RELAY = buildCFloor("pipe-relay");

interface Sample {
  /** ms from the writer's first instruction until every byte is in the files. */
  fromWriter: number;
  /** The daemon's RSS once settled, before the writer starts, and its peak while logging (MiB). */
  idleMiB?: number;
  peakMiB?: number;
}

const VARIANTS = {
  direct: directWrite,
  "pipe relay (cat)": (dir: string, size: number) => relay(dir, size, "exec cat"),
  "pipe relay (C, read + write)": (dir: string, size: number) => relay(dir, size, `exec ${PIPE_RELAY} read`),
  "pipe relay (C, splice)": (dir: string, size: number) => relay(dir, size, `exec ${PIPE_RELAY} splice`),
  // the floor under the console mirror's target: the C relay doing the mirror's work besides
  "pipe relay (C, read + write + console mirror)": (dir: string, size: number) => relay(dir, size, `exec ${PIPE_RELAY} mirror ${dir}/console.out`, `${dir}/console.out`),
  // the floor under the peak-RSS target: the least a Bun program can run to relay a pipe
  "pipe relay (Bun, blocking read + write)": bunRelay,
  tsvisor: (dir: string, size: number) => viaTsvisor(dir, size, false),
  "tsvisor + console mirror": (dir: string, size: number) => viaTsvisor(dir, size, true),
  "supervisord 4.2.5": viaSupervisord,
} as const;
type Variant = keyof typeof VARIANTS;
const CHOSEN = new Set(option("--variants")?.split(";") ?? Object.keys(VARIANTS));
for (const v of CHOSEN) if (!(v in VARIANTS)) throw new Error(`--variants: no variant "${v}"; there are: ${Object.keys(VARIANTS).join("; ")}`);
for (const v of ["direct", "tsvisor"]) CHOSEN.add(v);
const RUN = (Object.keys(VARIANTS) as Variant[]).filter((v) => CHOSEN.has(v));

// Write and delete WARM_BYTES in `dir`, so that the page cache the writer is about to fill takes pages
// just freed. On this machine (a Firecracker VM whose kernel reports free pages to the host), 400 MB
// written into the page cache took 365–477 ms after the memory had been free for 5–15 s, and 77–90 ms
// right after such a write: the host maps every page afresh. The daemons' runs wait 2 s before their
// writer starts (logRun) and the others none, so without this the bench measured the host's page
// faults against the daemons only. A file, not anonymous memory: freed anonymous memory did not help
// (141–158 ms). Deleted before writeback, it costs no disk I/O.
const WARM_BYTES = 5 * TOTAL;
function warmPageCache(dir: string): void {
  const file = join(dir, "warm");
  const fd = openSync(file, "w");
  const chunk = Buffer.alloc(1 << 20);
  for (let written = 0; written < WARM_BYTES; written += chunk.length) writeSync(fd, chunk);
  closeSync(fd);
  unlinkSync(file);
}

// The writer waits for the file GO, so that the daemon's idle RSS can be read before any output.
function gatedWriter(dir: string, size: number): string {
  return `while [ ! -e ${dir}/GO ]; do sleep 0.01; done; exec ${PYTHON} ${WRITER} ${TOTAL} ${dir}/times ${size}`;
}

async function directWrite(dir: string, size: number): Promise<Sample> {
  warmPageCache(dir);
  const out = openSync(join(dir, "direct.log"), "w");
  const proc = Bun.spawn([PYTHON, WRITER, String(TOTAL), join(dir, "times"), String(size)], { stdout: out, stderr: "inherit" });
  await proc.exited;
  closeSync(out);
  const [start, end] = await writerTimes(dir);
  verifyFiles(dir, "direct.log", false);
  return { fromWriter: end - start };
}

// The floor of anything that reads a program's output from a pipe and writes it to a file: the same
// writer into a pipe that `reader` copies to the file, and nothing else (no lines, no rotation): cat(1),
// and bench/pipe-relay.c with tsvisor's 1 MiB pipe and reads, or with splice(2). What the pipe costs
// (a second copy of every byte, and the writer waiting while the reader catches up) is in every
// supervisor's figure; a target below the best of them is out of reach for any supervisor.
async function relay(dir: string, size: number, reader: string, consoleFile?: string): Promise<Sample> {
  warmPageCache(dir);
  const relay = Bun.spawn(["/bin/sh", "-c", `exec ${PYTHON} ${WRITER} ${TOTAL} ${dir}/times ${size} | ${reader} > ${dir}/relay.log`], { stderr: "inherit" });
  const done = await allWritten(dir, "relay.log");
  await relay.exited;
  const [start] = await writerTimes(dir);
  verifyFiles(dir, "relay.log", false);
  if (consoleFile !== undefined) verifyConsole(consoleFile);
  return { fromWriter: done - start };
}

// The least a compiled Bun program can do to relay a pipe to a file: blocking 1 MiB reads of its stdin,
// each written out, no event loop, no lines, no rotation; its executable's start-up pages let go a
// second after start (src/os/startup-pages.ts, as tsvisor does), so that its idle RSS is read as
// tsvisor's is. Its peak RSS while logging against its idle RSS is what the runtime itself adds while
// running, under any log path written in TypeScript.
const BUN_RELAY_SOURCE = `
import { existsSync, openSync, readSync, writeFileSync, writeSync } from "node:fs";
import { releaseStartupPages } from ${JSON.stringify(join(ROOT, "src/os/startup-pages.ts"))};
const [file, pidFile, stopFile] = [process.argv[2], process.argv[3], process.argv[4]];
const fd = openSync(file, "w");
Bun.sleepSync(1000);
releaseStartupPages();
writeFileSync(pidFile, String(process.pid));
const buffer = Buffer.alloc(1 << 20);
for (let n; (n = readSync(0, buffer, 0, buffer.length, null)) > 0; ) for (let at = 0; at < n; ) at += writeSync(fd, buffer, at, n - at);
while (!existsSync(stopFile)) Bun.sleepSync(10); // until the bench has read its peak (its event loop never runs)
`;
let bunRelayBinary: string | undefined;
async function bunRelay(dir: string, size: number): Promise<Sample> {
  if (bunRelayBinary === undefined) {
    const buildDir = mkdtempSync(join(tmpdir(), "tsvisor-bench-bun-relay-"));
    process.on("exit", () => rmSync(buildDir, { recursive: true, force: true }));
    bunRelayBinary = buildBunProgram(buildDir, "bun-relay", BUN_RELAY_SOURCE);
  }
  mkdirSync(join(dir, "logs"));
  const pidFile = join(dir, "relay.pid");
  const relay = Bun.spawn(["/bin/sh", "-c", `{ ${gatedWriter(dir, size)}; } | exec ${bunRelayBinary} ${dir}/logs/writer.out.log ${pidFile} ${dir}/STOP`], { stderr: "inherit" });
  await waitFor(() => existsSync(pidFile) && statSync(pidFile).size > 0, "the Bun relay's pid");
  const pid = Number(readFileSync(pidFile, "utf8"));
  const { idleMiB, done } = await logRun(pid, dir);
  const peakMiB = procStatusMiB(pid, "VmHWM");
  writeFileSync(join(dir, "STOP"), "");
  if ((await relay.exited) !== 0) throw new Error("the Bun relay failed");
  const [start] = await writerTimes(dir);
  verifyFiles(join(dir, "logs"), "writer.out.log", false);
  return { fromWriter: done - start, idleMiB, peakMiB };
}

async function viaTsvisor(dir: string, size: number, mirror: boolean): Promise<Sample> {
  const config = join(dir, "tsvisor.toml");
  writeFileSync(config, `
[supervisor]
log_dir = "${dir}/logs"
console = ${mirror}
[programs.writer]
command = ["/bin/sh", "-c", ${JSON.stringify(gatedWriter(dir, size))}]
startsecs = 0
autorestart = false
stdout_logfile_maxbytes = ${MAXBYTES}
stdout_logfile_backups = 10
`);
  // tsvisor's stdout is a file: a reader that always keeps up. (Through a pipe, a reader on this same
  // 2-core machine, even `cat > /dev/null`, falls behind a 1 GB/s writer, and tsvisor then drops
  // console lines by design rather than slow the program: that run would measure less work.)
  const consoleFile = join(dir, "console.out");
  const console = openSync(consoleFile, "w");
  const proc = Bun.spawn([TSVISOR, "run", "-c", config, "--socket", join(dir, "tsvisor.sock")], { stdout: console, stderr: "pipe" });
  closeSync(console);
  const { idleMiB, done } = await logRun(proc.pid, dir);
  const peakMiB = procStatusMiB(proc.pid, "VmHWM");
  const [start] = await writerTimes(dir);
  proc.kill("SIGTERM");
  const [log] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  // A console reader too slow would make tsvisor drop lines, and the run would measure less work.
  if (/dropped|dropping/.test(log)) throw new Error(`tsvisor dropped lines; its log:\n${log}`);
  verifyFiles(join(dir, "logs"), "writer.out.log", true);
  if (mirror) verifyConsole(consoleFile);
  return { fromWriter: done - start, idleMiB, peakMiB };
}

async function viaSupervisord(dir: string, size: number): Promise<Sample> {
  const config = join(dir, "supervisord.conf");
  mkdirSync(join(dir, "logs"));
  writeFileSync(config, `
[supervisord]
nodaemon = true
logfile = ${dir}/logs/supervisord.log
pidfile = ${dir}/supervisord.pid
childlogdir = ${dir}/logs
user = root
[program:writer]
command = /bin/sh -c '${gatedWriter(dir, size)}'
startsecs = 0
autorestart = false
stdout_logfile = ${dir}/logs/writer.out.log
stdout_logfile_maxbytes = ${MAXBYTES}
stdout_logfile_backups = 10
`);
  const proc = Bun.spawn(["supervisord", "-c", config], { stdout: "ignore", stderr: "ignore" });
  const { idleMiB, done } = await logRun(proc.pid, dir);
  const peakMiB = procStatusMiB(proc.pid, "VmHWM");
  const [start] = await writerTimes(dir);
  proc.kill("SIGTERM");
  await proc.exited;
  verifyFiles(join(dir, "logs"), "writer.out.log", false);
  return { fromWriter: done - start, idleMiB, peakMiB };
}

// Let the daemon settle with its writer waiting, read its RSS, reset its peak, let the writer go,
// and wait until the log files hold every byte.
async function logRun(pid: number, dir: string): Promise<{ idleMiB: number; done: number }> {
  await waitFor(() => existsSync(join(dir, "logs", "writer.out.log")), "the writer's log file");
  await Bun.sleep(2_000); // settled: start-up's work is done (tsvisor lets go of its start-up pages)
  const idleMiB = procStatusMiB(pid, "VmRSS");
  writeFileSync(`/proc/${pid}/clear_refs`, "5"); // VmHWM := VmRSS (Linux >= 4.0)
  warmPageCache(dir);
  writeFileSync(join(dir, "GO"), "");
  return { idleMiB, done: await allWritten(join(dir, "logs"), "writer.out.log") };
}


// The moment the log and its backups hold TOTAL bytes, polled every millisecond.
async function allWritten(logDir: string, name: string): Promise<number> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    let size = 0;
    try {
      for (const f of logFiles(logDir, name)) size += statSync(join(logDir, f)).size;
    } catch {
      size = 0; // a file renamed by a rotation between the listing and its stat: look again
    }
    if (size >= TOTAL) return Date.now();
    if (Date.now() > deadline) throw new Error(`only ${size} of ${TOTAL} bytes in ${logDir}/${name}* after 120 s`);
    await Bun.sleep(1);
  }
}

// name.log.N, ..., name.log.1, name.log: oldest first.
function logFiles(dir: string, name: string): string[] {
  let entries: string[] = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  const backups = entries.filter((f) => f.startsWith(`${name}.`)).sort((a, b) => Number(b.slice(name.length + 1)) - Number(a.slice(name.length + 1)));
  return [...backups, ...entries.filter((f) => f === name)];
}

// What the writer writes, TOTAL bytes of it, hashed once.
let expectedHash: string | undefined;
function expected(): string {
  if (expectedHash) return expectedHash;
  const hasher = new Bun.CryptoHasher("md5");
  const block = Buffer.from(`${"x".repeat(99)}\n`.repeat(10_000));
  for (let n = 0; n < TOTAL; n += block.length) hasher.update(block.subarray(0, Math.min(block.length, TOTAL - n)));
  return (expectedHash = hasher.digest("hex"));
}

// The files in rotation order are the bytes written; tsvisor's each end with a whole line.
function verifyFiles(dir: string, name: string, wholeLines: boolean): void {
  const hasher = new Bun.CryptoHasher("md5");
  for (const f of logFiles(dir, name)) {
    const bytes = readFileSync(join(dir, f));
    if (wholeLines && bytes.length > 0 && bytes[bytes.length - 1] !== 10) throw new Error(`${dir}/${f} ends mid-line`);
    hasher.update(bytes);
  }
  if (hasher.digest("hex") !== expected()) throw new Error(`${dir}/${name}*: not the bytes written (lost, doubled or out of order)`);
}

// Every line once on the console, as "writer | " + the line (tsvisor's own lines go to stderr).
function verifyConsole(file: string): void {
  const lines = TOTAL / 100;
  const size = statSync(file).size;
  if (size !== TOTAL + lines * PREFIX.length) throw new Error(`the console got ${size} bytes, not ${TOTAL + lines * PREFIX.length}`);
}

async function waitFor(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(10);
  }
}

// The writer's own start and end, in ms since the epoch (it writes them as it exits, which may be
// after its last bytes reached the files).
async function writerTimes(dir: string): Promise<[number, number]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    let text = "";
    try {
      text = readFileSync(join(dir, "times"), "utf8");
    } catch {
      // not written yet
    }
    if (text.endsWith("\n")) {
      const [start, end] = text.trim().split(" ").map((ns) => Number(BigInt(ns) / 1000n) / 1000);
      return [start!, end!];
    }
    if (Date.now() > deadline) throw new Error(`the writer never wrote ${dir}/times`);
    await Bun.sleep(1);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const samples = new Map<string, Sample[]>();
const key = (size: number, v: Variant) => `${size} ${v}`;
for (let round = 1; round <= ROUNDS; round++) {
  for (const size of WRITE_SIZES) {
    // Variants interleaved, so a noisy moment on the machine hits all of them alike.
    for (const name of RUN) {
      const run: (dir: string, size: number) => Promise<Sample> = VARIANTS[name];
      const dir = mkdtempSync(join(tmpdir(), "tsvisor-bench-"));
      try {
        const sample = await run(dir, size);
        samples.set(key(size, name), [...(samples.get(key(size, name)) ?? []), sample]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  process.stderr.write(`round ${round}/${ROUNDS} done\n`);
}

const med = (size: number, v: Variant, field: keyof Sample) => median((samples.get(key(size, v)) ?? []).map((s) => s[field] ?? NaN));
const s3 = (ms: number) => (ms / 1000).toFixed(3);
const mib = (x: number) => (Number.isNaN(x) ? "–" : x.toFixed(1));
const verdict = (ok: boolean) => (ok ? "met" : "MISSED");
const rows: string[] = [];
for (const size of WRITE_SIZES) {
  const direct = med(size, "direct", "fromWriter");
  const plain = med(size, "tsvisor", "fromWriter");
  for (const v of RUN) {
    const t = med(size, v, "fromWriter");
    const idle = med(size, v, "idleMiB");
    const peak = med(size, v, "peakMiB");
    let target = "";
    const relays = (["pipe relay (cat)", "pipe relay (C, read + write)", "pipe relay (C, splice)"] as const).map((r) => med(size, r, "fromWriter"));
    // the relays left out by --variants are not compared with (they would show as NaN×)
    const best = Math.min(...relays.filter((r) => Number.isFinite(r)));
    const versus = [
      !Number.isFinite(relays[0]) ? null : `${(t / relays[0]!).toFixed(2)}× the cat relay`,
      best === Infinity ? null : `${(t / best).toFixed(2)}× the best relay, itself ${(best / direct).toFixed(2)}× direct`,
    ].filter((part) => part !== null);
    // What running at all adds to a Bun relay's RSS, the least TypeScript reading a pipe
    const bunRise = med(size, "pipe relay (Bun, blocking read + write)", "peakMiB") / med(size, "pipe relay (Bun, blocking read + write)", "idleMiB");
    const bunFloor = Number.isFinite(bunRise) ? `; the Bun relay: ${bunRise.toFixed(2)}×` : "";
    if (v === "tsvisor") target = `≤ 1.1× direct: ${verdict(t <= 1.1 * direct)}${versus.length > 0 ? ` (${versus.join(", ")})` : ""}; peak ≤ 1.2× idle: ${verdict(peak <= 1.2 * idle)} (${(peak / idle).toFixed(2)}×${bunFloor})`;
    // What a mirror costs the best relay, the same work in C with nothing around it
    const cMirror = med(size, "pipe relay (C, read + write + console mirror)", "fromWriter") / relays[1]!;
    if (v === "tsvisor + console mirror") target = `≤ 1.5× without: ${verdict(t <= 1.5 * plain)} (${(t / plain).toFixed(2)}×; the C relay with a mirror: ${cMirror.toFixed(2)}× itself without); peak ≤ 1.2× idle: ${verdict(peak <= 1.2 * idle)}`;
    const each = (samples.get(key(size, v)) ?? []).map((s) => s3(s.fromWriter)).join(" ");
    rows.push(`| ${size.toLocaleString("en")} | ${v} | ${s3(t)} | ${(t / direct).toFixed(2)}× | ${mib(idle)} | ${mib(peak)} | ${each} | ${target} |`);
  }
}
const loadAverage = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
const supervisordVersion = spawnSync("supervisord", ["--version"]).stdout.toString().trim();
const machine = [
  `${cpus().length} × ${cpus()[0]?.model ?? "unknown CPU"}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB RAM`,
  `kernel ${readFileSync("/proc/sys/kernel/osrelease", "utf8").trim()}, files in ${tmpdir()} (${spawnSync("stat", ["-f", "-c", "%T", tmpdir()]).stdout.toString().trim()})`,
  `load average ${loadAverage} at the end (a shared machine: variants are interleaved round by round so that others' load hits all alike)`,
  `tsvisor ${TSVISOR} built with Bun ${Bun.version}; supervisord ${supervisordVersion || "?"}; writer: Debian python3`,
];
const report = [
  `${TOTAL / 1e6} MB of 100-byte lines per run, rotation at ${MAXBYTES / 1e6} MB (10 backups), ${ROUNDS} round(s), medians. Every run checked: the files`,
  "hold the bytes written in order, tsvisor's files end with whole lines, the console got every line once.",
  "",
  "| write size (bytes) | variant | writer's start → all in files (s) | / direct | idle RSS (MiB) | peak RSS while logging (MiB) | each round (s) | target |",
  "| ---: | --- | ---: | ---: | ---: | ---: | --- | --- |",
  ...rows,
].join("\n");
console.log(report);
if (SHORT) console.log("\n(--short: 20 MB is mostly fixed start-up latency; the targets are for the full 200 MB run)");
// a run of some variants only is a look at those, not the results
if (!SHORT && RUN.length === Object.keys(VARIANTS).length) {
  writeFileSync(join(import.meta.dir, "results/logs.md"), [
    "# Log throughput",
    "",
    "`npm run bench:logs` (bench/logs.bench.ts), run on " + new Date().toISOString().slice(0, 10) + ":",
    ...machine.map((m) => `- ${m}`),
    "",
    report,
    "",
  ].join("\n"));
}

// How long a program's line takes to reach its log file while another program writes flat out: the
// daemon that reads every program's pipes on one thread can make the quiet ones wait behind the loud
// one. 20 processes of one program: lat-0 prints 80-byte lines as fast as perl can, block-buffered
// (8,192-byte writes that cut lines), into a log that rotates at the default 50 MB with 10 backups
// kept; lat-1 … lat-19 print their name, a sequence number and the time, flushed, every 10 ms. The
// window opens once lat-0 has filled all 10 backups, so every rotation also drops the oldest one, as
// for a noisy program that has run a while. The bench reads the tickers' files every millisecond and
// takes, for each line, the time it was found minus the time it was printed. tsvisor and supervisord
// 4.2.5 in turn, round after round.
//   bun bench/log-latency.bench.ts            3 rounds (--rounds N for another count), 20 s windows
//   bun bench/log-latency.bench.ts --short    1 round, no wait for the backups, 2 s window (CI: checks it works)
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readSync } from "node:fs";
import { join } from "node:path";
import { KINDS, TSVISOR, waitUntil, withSubject, type Kind, type ProgramSpec } from "./_daemons.ts";
import { quantileOf, render, type Row } from "./_rows.ts";
import { settleExecutable } from "./_hello.ts";

const SHORT = process.argv.includes("--short");
const roundsArg = process.argv.indexOf("--rounds");
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : SHORT ? 1 : 3;
const TICKERS = SHORT ? 3 : 19;
const WINDOW_MS = SHORT ? 2_000 : 20_000;
const BACKUPS = 10; // both daemons' default stdout_logfile_backups

// One line: supervisord's config takes a command on one line.
const PERL = [
  "use Time::HiRes qw(time sleep); my $name = $ENV{SUPERVISOR_PROCESS_NAME};",
  'if ($name =~ /-0$/) { my $line = ("x" x 79) . "\\n"; print $line while 1; }',
  '$| = 1; my $seq = 0; while (1) { printf "%s %d %.6f\\n", $name, $seq++, time(); sleep(0.01); }',
].join(" ");

const programs: ProgramSpec = { name: "lat", command: ["perl", "-e", PERL], startsecs: 1, count: TICKERS + 1 };

// lat-N's stdout log: tsvisor's lat-N.out.log, supervisord's lat-N-stdout---supervisor-XXXX.log.
function stdoutLog(kind: Kind, dir: string, n: number, backup = 0): string | undefined {
  const suffix = backup > 0 ? `\\.${backup}` : "";
  const pattern = new RegExp(kind === "tsvisor" ? `^lat-${n}\\.out\\.log${suffix}$` : `^lat-${n}-stdout---supervisor-\\w+\\.log${suffix}$`);
  const name = readdirSync(dir).find((f) => pattern.test(f));
  return name === undefined ? undefined : join(dir, name);
}

interface Latency { p50: number; p99: number; max: number; lines: number }

// Every line the tickers print during the window: found (ms) minus printed (ms), both on the wall clock.
async function latency(kind: Kind): Promise<Latency> {
  return withSubject(kind, programs, async (s) => {
    const logs = join(s.dir, "logs");
    await waitUntil(() => s.runningCount() >= programs.count, `${kind}: ${programs.count} programs RUNNING`);
    if (!SHORT) await waitUntil(() => stdoutLog(kind, logs, 0, BACKUPS), `${kind}: lat-0's ${BACKUPS} backups filled`, 600_000, 100);
    const tickers = Array.from({ length: TICKERS }, (_, i) => {
      const fd = openSync(stdoutLog(kind, logs, i + 1)!, "r");
      return { fd, at: fstatSync(fd).size, partial: "" };
    });
    const buffer = Buffer.alloc(1 << 20);
    const found: number[] = [];
    const end = Date.now() + WINDOW_MS;
    try {
      while (Date.now() < end) {
        for (const t of tickers) {
          const n = readSync(t.fd, buffer, 0, buffer.length, t.at);
          if (n === 0) continue;
          t.at += n;
          const now = performance.timeOrigin + performance.now();
          const lines = (t.partial + buffer.toString("latin1", 0, n)).split("\n");
          t.partial = lines.pop()!;
          for (const line of lines) found.push(now - Number(line.split(" ")[2]) * 1000);
        }
        await Bun.sleep(1);
      }
    } finally {
      for (const t of tickers) closeSync(t.fd);
    }
    if (found.length < TICKERS * (WINDOW_MS / 10) * 0.5) throw new Error(`${kind}: only ${found.length} lines from the tickers in ${WINDOW_MS} ms`);
    return { p50: quantileOf(found, 0.5), p99: quantileOf(found, 0.99), max: Math.max(...found), lines: found.length };
  });
}

async function main(): Promise<void> {
  if (!existsSync(TSVISOR)) throw new Error(`${TSVISOR} is missing: run \`npm run build\``);
  settleExecutable(TSVISOR);
  const notATarget = (t: number, ref: number) => `≤ supervisord (not a target of issue 18): ${t <= ref ? "yes" : "no"}`;
  const row = (figure: string): Row => ({ figure: `a quiet program's line → in its file, beside a flat-out writer: ${figure}`, unit: "ms", samples: {}, target: notATarget });
  const rows = { p50: row("median"), p99: row("p99"), max: row("max") };
  for (let round = 0; round < ROUNDS; round++) {
    const kinds = round % 2 === 0 ? KINDS : [...KINDS].reverse();
    for (const kind of kinds) {
      const l = await latency(kind);
      for (const key of ["p50", "p99", "max"] as const) (rows[key].samples[kind] ??= []).push(l[key]);
      process.stderr.write(`${kind}: ${l.lines} lines, p50 ${l.p50.toFixed(2)} ms, p99 ${l.p99.toFixed(2)} ms, max ${l.max.toFixed(2)} ms\n`);
    }
  }
  const window = SHORT ? `a ${WINDOW_MS / 1000} s window from RUNNING` : `${BACKUPS} backups, all filled before the ${WINDOW_MS / 1000} s window`;
  process.stdout.write(`${TICKERS} programs printing a line every 10 ms beside one printing 80-byte lines flat out in 8,192-byte writes (50 MB files, ${window}).\n\n`);
  process.stdout.write(render(Object.values(rows), ROUNDS));
}

await main();

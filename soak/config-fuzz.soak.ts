// Config fuzzing: mutated configs (random types, missing and extra keys, wrong units, huge numbers,
// unicode names, include cycles) given to `tsvisor config check` and, for a sample, `tsvisor run`.
// Each must be accepted (exit 0) or refused with exit 2 and a message naming the mutated key —
// never a stack trace, a hang, or a started program. Several tsvisor processes run at once.
import { expect, test } from "bun:test";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "smol-toml";
import { TSVISOR, tempDir } from "../test/integration/_harness.ts";
import { SHORT, budgetMs } from "./_budget.ts";

type Table = Record<string, unknown>;
const PARALLEL = 4;

function base(marker: string): Table {
  return {
    supervisor: { log_dir: "LOGDIR", console: false, log_timestamps: false },
    programs: {
      web: {
        command: ["/bin/sh", "-c", `touch ${marker}; exec sleep 1000`],
        autostart: true, autorestart: "unexpected", startsecs: 1, startretries: 3, exitcodes: [0, 2],
        stopsignal: "TERM", stopwaitsecs: 10, numprocs: 2, priority: 999, redirect_stderr: false,
        stdout_logfile_maxbytes: "50MB", stdout_logfile_backups: 10, environment: { A: "1" },
        directory: "/tmp", max_runtime: "1h", killasgroup: true, stopasgroup: true,
      },
      worker: { command: ["/bin/sh", "-c", `touch ${marker}; exec sleep 1000`], user: "root" },
    },
  };
}

const ODD_VALUES: unknown[] = [
  -1, 0, 1.5, 2 ** 53, 1e308, -1e308, 99999999999999999999, "", "🙂", "x".repeat(5000), "10 parsecs", "-5MB", "1e99GB",
  "NaN", true, false, [], [1, "a"], {}, { nested: { deep: [{}] } }, "TERM; rm -rf /", "\u0000", "ϟϟϟ", "9999999999s",
  new Date(0), "KILL", "SIGFOO", "0777", 0o7777, "-1h", "1 h", "ms",
];
const ODD_KEYS = ["bogus", "ümlaut", "🙂", "", " ", "startsec", "Command", "programs", "a.b", "x".repeat(300)];
const ODD_NAMES = ["ü", "🙂", "a b", "", "a:b", "../x", "x".repeat(300), "-", "a/b", "\u202e"];

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

/** Every [path, parent table] pair of the config. */
function keys(t: Table, prefix: string[] = []): [string[], Table][] {
  const out: [string[], Table][] = [];
  for (const [k, v] of Object.entries(t)) {
    out.push([[...prefix, k], t]);
    if (v && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date)) out.push(...keys(v as Table, [...prefix, k]));
  }
  return out;
}

interface Mutant { config: Table; names: string[]; what: string }

function mutate(marker: string): Mutant {
  const config = structuredClone(base(marker));
  const names: string[] = [];
  const whats: string[] = [];
  const rounds = 1 + Math.floor(Math.random() * 2);
  for (let i = 0; i < rounds; i++) {
    const all = keys(config);
    const [path, parent] = pick(all);
    const last = path.at(-1)!;
    switch (Math.floor(Math.random() * 4)) {
      case 0:
        parent[last] = structuredClone(pick(ODD_VALUES));
        whats.push(`${path.join(".")} = ${JSON.stringify(parent[last])?.slice(0, 40)}`);
        break;
      case 1:
        delete parent[last];
        whats.push(`delete ${path.join(".")}`);
        break;
      case 2: {
        const extra = pick(ODD_KEYS);
        const at = parent[last] && typeof parent[last] === "object" && !Array.isArray(parent[last]) ? (parent[last] as Table) : parent;
        at[extra] = pick(ODD_VALUES);
        whats.push(`extra key ${JSON.stringify(extra)}`);
        names.push(extra, JSON.stringify(extra));
        break;
      }
      default: {
        const programs = config.programs as Table | undefined;
        if (programs && typeof programs === "object" && programs.web) {
          const name = pick(ODD_NAMES);
          programs[name] = programs.web;
          names.push(name, JSON.stringify(name), "programs");
          delete programs.web;
          whats.push("program renamed");
        }
      }
    }
    names.push(last, JSON.stringify(last), path.join("."));
  }
  return { config, names, what: whats.join("; ") };
}

interface Outcome { code: number | null; stderr: string; ms: number }

async function runOne(argv: string[], timeoutMs: number): Promise<Outcome> {
  const started = Date.now();
  const proc = Bun.spawn(argv, { stdin: "ignore", stdout: "ignore", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
  const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
  const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  return { code: proc.signalCode ? null : code, stderr, ms: Date.now() - started };
}

const STACK = /^\s+at\s|TypeError|ReferenceError|RangeError|SyntaxError|panic|Segmentation|error: .*\n.*\bsrc\//m;

test("mutated configs: exit 0 or exit 2 naming the key, never a stack trace, hang or started program", async () => {
  using dir = tempDir();
  // A number of configs, not a time: each is a tsvisor process (~60 ms of CPU), and a loaded machine
  // must not turn "thousands" into a few hundred. The time cap only stops a run gone wrong.
  const wanted = SHORT ? 150 : 2000;
  const deadline = Date.now() + budgetMs(0.4) * 4;
  const failures: string[] = [];
  let checked = 0;
  let refused = 0;
  let runs = 0;
  let n = 0;
  const worker = async () => {
    while (n < wanted && Date.now() < deadline && failures.length < 10) {
      const i = n++;
      const caseDir = join(dir.path, String(i));
      mkdirSync(caseDir);
      const marker = join(caseDir, "started");
      const m = mutate(marker);
      let text = stringify(m.config).replaceAll("LOGDIR", join(caseDir, "logs"));
      // Some configs include themselves (a cycle).
      if (i % 25 === 0) text = `include = ["${join(caseDir, "c.toml")}"]\n${text}`;
      const file = join(caseDir, "c.toml");
      writeFileSync(file, text);
      const check = await runOne([TSVISOR, "config", "check", "-c", file], 10_000);
      checked++;
      const where = `case ${i} (${m.what}), ${file}`;
      if (check.code === null) failures.push(`config check hung or crashed: ${where}`);
      else if (check.code !== 0 && check.code !== 2) failures.push(`config check exit ${check.code}: ${where}\n${check.stderr}`);
      else if (STACK.test(check.stderr)) failures.push(`config check printed a stack trace: ${where}\n${check.stderr}`);
      else if (check.code === 2) {
        refused++;
        // The message names the key (an include cycle names "include"; a whole missing table its parent).
        const named = [...m.names, "include", "programs", "supervisor"].some((k) => k.length > 0 && check.stderr.includes(k));
        if (!named) failures.push(`message names no key: ${where}\n${check.stderr}`);
        // A refused config must not start anything under `run` either (every 5th, it is slower).
        if (i % 5 === 0) {
          runs++;
          const run = await runOne([TSVISOR, "run", "-c", file, "--socket", join(caseDir, "s.sock")], 10_000);
          if (run.code !== 2) failures.push(`run exit ${run.code} on a config check refused: ${where}\n${run.stderr}`);
          if (STACK.test(run.stderr)) failures.push(`run printed a stack trace: ${where}\n${run.stderr}`);
          if (existsSync(marker)) failures.push(`run started a program from a refused config: ${where}`);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  process.stderr.write(`config fuzz: ${checked} configs checked, ${refused} refused, ${runs} refused ones given to run\n`);
  expect(failures).toEqual([]);
  expect(checked).toBeGreaterThanOrEqual(wanted);
}, 3_600_000);

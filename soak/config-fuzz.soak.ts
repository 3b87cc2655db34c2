// Config fuzzing: mutated configs (random types, missing and extra keys, wrong units, huge numbers,
// unicode names, Object.prototype's names, include cycles) given to `tsvisor config check` and, for a
// sample, `tsvisor run`. Each must be accepted (exit 0) or refused with exit 2 and a message naming the
// mutated key — never a stack trace, a hang, or a started program. Several tsvisor processes run at once.
// Then every Object.prototype name in every place a config names something, and adversarial sizes
// (long lines, deep nesting, many keys, files and includes) within a deadline and a memory bound.
import { expect, test } from "bun:test";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "smol-toml";
import { TSVISOR, tempDir } from "../test/integration/_harness.ts";
import { PROTOTYPE_NAMES } from "../test/prototype-names.ts";
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
  new Date(0), "KILL", "SIGFOO", "0777", 0o7777, "-1h", "1 h", "ms", 2 ** 31, 2 ** 32 - 1, "597h", "5constructor",
  "4294967295", "a\u0000b", "9".repeat(400), ...PROTOTYPE_NAMES, PROTOTYPE_NAMES,
];
const ODD_KEYS = ["bogus", "ümlaut", "🙂", "", " ", "startsec", "Command", "programs", "a.b", "x".repeat(300), "a\u0000", ...PROTOTYPE_NAMES];
const ODD_NAMES = ["ü", "🙂", "a b", "", "a:b", "../x", "x".repeat(300), "-", "a/b", "\u202e", ...PROTOTYPE_NAMES];

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

/** Sets an own key, as a TOML parser would: `t["__proto__"] = v` would set the prototype instead, and a
 *  table whose prototype is a Date is neither a key in the written config nor anything TOML can write. */
function put(t: Table, key: string, value: unknown): void {
  Object.defineProperty(t, key, { value, enumerable: true, writable: true, configurable: true });
}

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
        put(parent, last, structuredClone(pick(ODD_VALUES)));
        whats.push(`${path.join(".")} = ${JSON.stringify(parent[last])?.slice(0, 40)}`);
        break;
      case 1:
        delete parent[last];
        whats.push(`delete ${path.join(".")}`);
        break;
      case 2: {
        const extra = pick(ODD_KEYS);
        const at = parent[last] && typeof parent[last] === "object" && !Array.isArray(parent[last]) ? (parent[last] as Table) : parent;
        put(at, extra, pick(ODD_VALUES));
        whats.push(`extra key ${JSON.stringify(extra)}`);
        names.push(extra, JSON.stringify(extra));
        break;
      }
      default: {
        const programs = config.programs as Table | undefined;
        if (programs && typeof programs === "object" && programs.web) {
          const name = pick(ODD_NAMES);
          put(programs, name, programs.web);
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

// A program called `constructor` is a program; an event called `toString` is a config error. Either
// way config check answers with exit 0 or 2 and a message, never a stack trace.
const q = JSON.stringify;
const web = '[programs.web]\ncommand = ["sleep", "1000"]\n';
const NAME_SPOTS: [string, (p: string) => string][] = [
  ["program name", (p) => `[programs.${q(p)}]\ncommand = ["sleep", "1000"]\n`],
  ["program key", (p) => `${web}${q(p)} = 1\n`],
  ["environment key", (p) => `${web}environment = { ${q(p)} = "v" }\n`],
  ["environment reference", (p) => `${web}environment = { A = "\${${p}}" }\n`],
  ["stopsignal", (p) => `${web}stopsignal = ${q(p)}\n`],
  ["depends_on", (p) => `${web}depends_on = [${q(p)}]\n`],
  ["process_name", (p) => `${web}process_name = ${q(p)}\n`],
  ["user", (p) => `${web}user = ${q(p)}\n`],
  ["size unit", (p) => `${web}stdout_logfile_maxbytes = "5${p}"\n`],
  ["duration unit", (p) => `${web}startsecs = "5${p}"\n`],
  ["healthcheck key", (p) => `${web}[programs.web.healthcheck]\ncommand = ["true"]\n${q(p)} = 1\n`],
  ["supervisor key", (p) => `${web}[supervisor]\n${q(p)} = 1\n`],
  ["forward_signals", (p) => `${web}[supervisor]\nforward_signals = [${q(p)}]\n`],
  ["top-level key", (p) => `${web}[${q(p)}]\nx = 1\n`],
  ["hooks on", (p) => `${web}[[hooks]]\non = [${q(p)}]\ncommand = ["true"]\n`],
  ["hooks programs", (p) => `${web}[[hooks]]\non = ["EVENT"]\nprograms = [${q(p)}]\ncommand = ["true"]\n`],
  ["listener name", (p) => `${web}[eventlisteners.${q(p)}]\ncommand = ["cat"]\nevents = ["EVENT"]\n`],
  ["listener events", (p) => `${web}[eventlisteners.l]\ncommand = ["cat"]\nevents = [${q(p)}]\n`],
  ["http key", (p) => `${web}[http]\nlisten = "127.0.0.1:0"\n${q(p)} = 1\n`],
  ["include", (p) => `include = ${q(p)}\n${web}`],
];

test("every Object.prototype name in every place a config names something", async () => {
  using dir = tempDir();
  const cases = NAME_SPOTS.flatMap(([spot, write]) => PROTOTYPE_NAMES.map((p) => [`${spot} ${p}`, write(p)] as const));
  // CI checks a sample; the long run all of them
  const chosen = SHORT ? cases.filter(() => Math.random() < 0.25) : cases;
  const failures: string[] = [];
  let n = 0;
  const worker = async () => {
    while (n < chosen.length) {
      const [what, text] = chosen[n]!;
      const file = join(dir.path, `${n++}.toml`);
      writeFileSync(file, `${text}\n[supervisor]\nlog_dir = "${dir.path}/logs"\n`);
      const check = await runOne([TSVISOR, "config", "check", "-c", file], 10_000);
      if (check.code !== 0 && check.code !== 2) failures.push(`${what}: exit ${check.code}\n${check.stderr}`);
      else if (STACK.test(check.stderr)) failures.push(`${what}: stack trace\n${check.stderr}`);
      else if (check.code === 2 && !/^tsvisor: \S+\.toml:\d+:\d+: /.test(check.stderr)) failures.push(`${what}: refused without a location\n${check.stderr}`);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  process.stderr.write(`prototype-name sweep: ${chosen.length} configs checked\n`);
  expect(failures).toEqual([]);
}, 600_000);

// Inputs built to be expensive: each is answered (exit 0 or 2) within a deadline, in bounded memory,
// with a bounded message. GNU time measures the peak RSS of a process too short-lived to sample.
const ADVERSARIAL: [string, (dir: string) => string][] = [
  ["a 12 MB line", () => `${web}environment = { A = "${"y".repeat(12_000_000)}", B = [1] }\n`],
  ["an error at the end of a 3.9 MB line", () => `${web}environment = { ${Array.from({ length: 39 }, (_, i) => `V${i} = "${"y".repeat(100_000)}"`).join(", ")}, B = [1] }\n`],
  ["a header nested 100,000 deep", () => `[${Array(100_000).fill("a").join(".")}]\nx = 1\n`],
  ["inline arrays nested 999 deep", () => `${web}exitcodes = ${"[".repeat(999)}${"]".repeat(999)}\n`],
  ["inline tables nested 999 deep", () => `${web}environment = ${"{ a = ".repeat(999)}1${" }".repeat(999)}\n`],
  ["4 MiB of unknown keys", () => `${web}${Array.from({ length: 340_000 }, (_, i) => `k${i} = 1`).join("\n")}\n`],
  ["4 MiB of programs", () => Array.from({ length: 130_000 }, (_, i) => `[programs.p${i}]\ncommand = "x"\n`).join("")],
  ["4 MiB of hooks", () => Array.from({ length: 90_000 }, () => '[[hooks]]\non = ["EVENT"]\ncommand = ["x"]\n').join("")],
  ["a million-element array", () => `${web}exitcodes = [${Array(1_000_000).fill("0").join(",")}]\n`],
  ["numbers past every bound", () => `${web}numprocs = 2147483648\nnumprocs_start = 9007199254740991\nstartsecs = 1e308\nstdout_logfile_maxbytes = "${"9".repeat(400)}GB"\nuser = 4294967296\n`],
  ["10,001 included files", (dir) => {
    mkdirSync(join(dir, "conf.d"));
    for (let i = 0; i <= 10_000; i++) writeFileSync(join(dir, "conf.d", `${i}.toml`), `[programs.p${i}]\ncommand = "x"\n`);
    return `include = "conf.d/*.toml"\n`;
  }],
  ["two 3 MiB includes", (dir) => {
    for (const name of ["a", "b"]) writeFileSync(join(dir, `${name}.toml`), `# ${"x".repeat(3 * 1024 * 1024)}\n`);
    return `include = ["a.toml", "b.toml"]\n${web}`;
  }],
];

test("adversarial sizes: answered within a deadline, in bounded memory, with a bounded message", async () => {
  const failures: string[] = [];
  const deadline = Date.now() + budgetMs(0.1);
  // CI runs each once; the long run goes round them until its share of the time is spent
  for (let round = 0; round === 0 || (!SHORT && Date.now() < deadline); round++) {
    for (const [what, build] of ADVERSARIAL) {
      using dir = tempDir();
      const file = join(dir.path, "tsvisor.toml");
      writeFileSync(file, build(dir.path));
      const started = Date.now();
      const check = await runOne(["/usr/bin/time", "-f", "peak-rss-kib=%M", TSVISOR, "config", "check", "-c", file], 30_000);
      const ms = Date.now() - started;
      const rssMiB = Number(/peak-rss-kib=(\d+)/.exec(check.stderr)?.[1] ?? NaN) / 1024;
      const message = check.stderr.replace(/(Command exited with non-zero status \d+\n)?peak-rss-kib=\d+\n$/, "");
      const problems = [
        check.code === null && "no answer within 30 s", check.code !== null && check.code !== 0 && check.code !== 2 && `exit ${check.code}`,
        STACK.test(message) && "a stack trace", ms > 10_000 && `${ms} ms`, !(rssMiB < 400) && `peak RSS ${rssMiB.toFixed(0)} MiB`,
        message.length > 64 * 1024 && `${message.length} bytes of message`,
      ].filter(Boolean);
      if (problems.length > 0) failures.push(`${what}: ${problems.join(", ")}\n${message.slice(0, 2000)}`);
      if (round === 0) process.stderr.write(`adversarial: ${what}: exit ${check.code}, ${ms} ms, ${rssMiB.toFixed(0)} MiB\n`);
    }
  }
  expect(failures).toEqual([]);
}, 3_600_000);

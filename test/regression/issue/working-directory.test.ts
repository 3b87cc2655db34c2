// Regression: #14 — the compiled binary read bunfig.toml (whose `preload` ran code as root) and .env
// files from its working directory, in every mode, and handed .env's variables to the programs.
import { expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { TSVISOR, tempDir, waitFor } from "../../integration/_harness.ts";

const REPO = join(import.meta.dir, "../../..");
const ensured = Bun.spawnSync(["bash", join(REPO, "scripts/ensure-debian-packages.sh"), "strace"], { stderr: "pipe" });
if (!ensured.success) throw new Error(`cannot install strace: ${ensured.stderr.toString()}`);

// What a Bun executable could pick up from the directory it runs in; none of it may count.
const RUNTIME_FILES = ["bunfig.toml", ".env", ".env.local", ".env.production", ".env.development", "tsconfig.json", "package.json", "node_modules"];

// A working directory an attacker prepared: every file a Bun runtime might read, each leaving a mark
// or a variable if it is read.
function plantRuntimeFiles(dir: string): void {
  writeFileSync(join(dir, "bunfig.toml"), 'preload = ["./preload.js"]\n[run]\npreload = ["./preload.js"]\n');
  writeFileSync(join(dir, "preload.js"), `require("fs").writeFileSync(${JSON.stringify(join(dir, "PWNED"))}, "")\n`);
  for (const env of [".env", ".env.local", ".env.production", ".env.development"]) writeFileSync(join(dir, env), "FROM_DOTENV=yes\n");
  writeFileSync(join(dir, "tsconfig.json"), '{ "compilerOptions": { "paths": { "consola": ["./preload.js"] } } }\n');
  writeFileSync(join(dir, "package.json"), '{ "name": "planted", "type": "commonjs", "main": "preload.js" }\n');
  mkdirSync(join(dir, "node_modules/consola"), { recursive: true });
  writeFileSync(join(dir, "node_modules/consola/package.json"), '{ "name": "consola", "main": "index.js" }\n');
  writeFileSync(join(dir, "node_modules/consola/index.js"), `require("fs").writeFileSync(${JSON.stringify(join(dir, "PWNED"))}, "")\n`);
}

// `npm test` puts node_modules/.bin on PATH: a program's PATH search would show up as a node_modules
// access that has nothing to do with the working directory.
const PATH = (process.env.PATH ?? "").split(":").filter((dir) => !dir.includes("node_modules")).join(":");

// Every syscall that names a path, of tsvisor and everything it starts (strace -f): sampling
// /proc/PID/fd would miss the short opens.
const TRACED = "trace=open,openat,openat2,stat,lstat,newfstatat,statx,access,faccessat,faccessat2,readlink,readlinkat,execve";

async function traced(cwd: string, args: string[], env: Record<string, string> = {}) {
  const trace = join(cwd, `..`, `strace-${args.join("-").replace(/[^a-z0-9-]/gi, "_").slice(0, 40)}.txt`);
  const proc = Bun.spawn(["strace", "-f", "-qq", "-e", TRACED, "-o", trace, TSVISOR, ...args], {
    cwd, env: { ...process.env, PATH, ...env }, stdin: "ignore", stdout: "pipe", stderr: "pipe",
  });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, exitCode, trace };
}

// The lines of a trace that touch one of RUNTIME_FILES (by any path: relative, absolute, or a child's).
function runtimeFileAccesses(trace: string): string[] {
  return readFileSync(trace, "utf8").split("\n").filter((line) => RUNTIME_FILES.some((name) => line.includes(`/${name}"`) || line.includes(`"${name}"`) || line.includes(`/${name}/`) || line.includes(`"${name}/`)));
}

test("no command reads bunfig.toml, .env*, tsconfig.json, package.json or node_modules/ from its working directory", async () => {
  using world = tempDir();
  const cwd = join(world.path, "workdir");
  mkdirSync(cwd);
  plantRuntimeFiles(cwd);
  const config = join(world.path, "tsvisor.toml");
  const socket = join(world.path, "tsvisor.sock");
  const envFile = join(world.path, "env.txt");
  writeFileSync(config, [
    "[supervisor]", `log_dir = ${JSON.stringify(join(world.path, "logs"))}`, `socket = ${JSON.stringify(socket)}`,
    "[programs.envdump]", `command = ["sh", "-c", ${JSON.stringify(`env > ${envFile}.tmp && mv ${envFile}.tmp ${envFile}; exec sleep 60`)}]`,
    'environment = { OWN = "mine" }', "",
  ].join("\n"));

  const daemon = Bun.spawn(["strace", "-f", "-qq", "-e", TRACED, "-o", join(world.path, "strace-run.txt"), TSVISOR, "run", "-c", config], {
    cwd, env: { ...process.env, PATH, PARENT_VAR: "parent" }, stdin: "ignore", stdout: "ignore", stderr: "pipe",
  });
  try {
    await waitFor(() => existsSync(envFile), "the program's environment dump");
    const commands = [
      ["--version"], ["version"], ["config", "check", "-c", config], ["config", "show", "-c", config],
      ["status"], ["check"], ["events"], ["logs", "envdump", "-c", config], ["start", "envdump"],
      ["signal", "CONT", "envdump"], ["-g", "--", "sh", "-c", "echo FROM_DOTENV=$FROM_DOTENV"],
    ];
    const results = [];
    for (const args of commands) results.push({ args: args.join(" "), ...(await traced(cwd, args, { TSVISOR_SOCKET: socket })) });
    const initMode = results.at(-1)!;
    expect(initMode.stdout).toBe("FROM_DOTENV=\n");
    expect(results.map((r) => ({ args: r.args, accesses: runtimeFileAccesses(r.trace) }))).toEqual(commands.map((args) => ({ args: args.join(" "), accesses: [] })));

    // The program's environment: tsvisor's own plus its `environment` and the names tsvisor sets.
    const childEnv = Object.fromEntries(readFileSync(envFile, "utf8").trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
    expect([childEnv.FROM_DOTENV, childEnv.PARENT_VAR, childEnv.OWN]).toEqual([undefined, "parent", "mine"]);
    const expectedKeys = new Set([...Object.keys(process.env), "PARENT_VAR", "OWN"]);
    const unexpected = Object.keys(childEnv).filter((k) => !expectedKeys.has(k) && !/^(TSVISOR_|SUPERVISOR_)/.test(k) && !["PWD", "SHLVL", "_", "OLDPWD"].includes(k));
    expect(unexpected).toEqual([]);
  } finally {
    // strace is the process spawned here; tsvisor is its child: ask tsvisor itself to stop.
    Bun.spawnSync([TSVISOR, "shutdown", "--socket", socket]);
    await daemon.exited;
  }
  expect(runtimeFileAccesses(join(world.path, "strace-run.txt"))).toEqual([]);
  expect(existsSync(join(cwd, "PWNED"))).toBe(false);
}, 120_000);

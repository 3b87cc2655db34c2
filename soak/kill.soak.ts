// tsvisor killed with SIGKILL: inside its own PID namespace no program outlives the namespace; outside
// one, every program is killed too (tsvisor starts each program with a parent-death signal), so nothing
// is left orphaned running.
import { expect, test } from "bun:test";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TSVISOR, isAlive, tempDir, waitFor } from "../test/integration/_harness.ts";
import { SHORT } from "./_budget.ts";

const CONFIG = `[programs.sleeper]
command = ["sleep", "100000"]
startsecs = 0
numprocs = 3
[programs.stubborn]
command = ["/bin/sh", "-c", "trap '' TERM INT HUP; echo $$ > PIDDIR/stubborn; while :; do sleep 1; done"]
startsecs = 0
`;

function descendants(pid: number): number[] {
  const out: number[] = [];
  const walk = (p: number) => {
    let kids: number[] = [];
    try {
      kids = readFileSync(`/proc/${p}/task/${p}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return;
    }
    for (const k of kids) {
      out.push(k);
      walk(k);
    }
  };
  walk(pid);
  return out;
}

async function killAndCheck(argv: (config: string) => string[], tsvisorPid: (outer: number) => number) {
  using dir = tempDir();
  const config = join(dir.path, "tsvisor.toml");
  writeFileSync(config, `[supervisor]\nlog_dir = "${dir.path}/logs"\n${CONFIG.replace("PIDDIR", dir.path)}`);
  const outer = Bun.spawn(argv(config), { stdin: "ignore", stdout: "ignore", stderr: "ignore", env: { ...process.env, TSVISOR_SOCKET: join(dir.path, "s.sock") } });
  try {
    const pid = await waitFor(() => { try { return tsvisorPid(outer.pid); } catch { return undefined; } }, "tsvisor's pid");
    const programs = await waitFor(() => {
      const d = descendants(pid).filter((p) => !readFileSync(`/proc/${p}/cmdline`, "utf8").startsWith(TSVISOR));
      return d.length >= 5 ? d : undefined; // 3 sleepers + the stubborn shell + its sleep
    }, "the programs to run");
    process.kill(pid, "SIGKILL");
    await waitFor(() => programs.every((p) => !isAlive(p)), `every program to be gone after tsvisor's SIGKILL: ${programs.filter(isAlive).join(" ")}`, 10_000);
  } finally {
    outer.kill("SIGKILL");
    await outer.exited;
  }
}

test("SIGKILL to tsvisor as PID 1 of a PID namespace: no program outlives the namespace", async () => {
  await killAndCheck(
    (config) => ["unshare", "--pid", "--fork", "--mount-proc", TSVISOR, "run", "-c", config],
    (unshare) => {
      const kids = descendants(unshare);
      if (!kids.length) throw new Error("not yet");
      return kids[0]!; // unshare --fork's child: tsvisor, PID 1 inside
    },
  );
}, 60_000);

test("SIGKILL to tsvisor outside a PID namespace: its programs are killed, none left orphaned", async () => {
  await killAndCheck((config) => [TSVISOR, "run", "-c", config], (pid) => pid);
}, 60_000);

// A program forked just before tsvisor dies sets its parent-death signal when its parent is already
// gone, and that signal never comes. Under load a round in ten left one running before the
// parent-death exec checked getppid() after its prctl. Rounds: tsvisor starting 200 programs, with
// both cores busy, SIGKILLed after a random number of "spawned:" lines.
test("SIGKILL while tsvisor is starting programs, under load: not one of them outlives it", async () => {
  const rounds = SHORT ? 30 : 200;
  const load = [0, 1].map(() => Bun.spawn(["sh", "-c", "while :; do :; done"], { stdio: ["ignore", "ignore", "ignore"] }));
  const escaped: string[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      using dir = tempDir();
      // sleep's own argument marks this round's programs, wherever they end up
      const marker = `100000.${process.pid}${round}1`;
      const config = join(dir.path, "tsvisor.toml");
      writeFileSync(config, `[supervisor]\nlog_dir = "${dir.path}/logs"\n[programs.s]\ncommand = ["sleep", "${marker}"]\nstartsecs = 0\nnumprocs = 200\nprocess_name = "s{num}"\n`);
      const tsvisor = Bun.spawn([TSVISOR, "run", "-c", config], { stdin: "ignore", stdout: "ignore", stderr: "pipe", env: { ...process.env, TSVISOR_SOCKET: join(dir.path, "s.sock") } });
      const killAfter = 1 + Math.floor(Math.random() * 150);
      let spawned = 0;
      const decoder = new TextDecoder();
      for await (const chunk of tsvisor.stderr) {
        spawned += decoder.decode(chunk).split("spawned:").length - 1;
        if (spawned >= killAfter) break;
      }
      tsvisor.kill("SIGKILL");
      await tsvisor.exited;
      const left = await waitFor(() => {
        const running = processesWithArgument(marker);
        return running.length === 0 ? [] : undefined;
      }, `round ${round}'s programs to be gone`, 5_000).catch(() => processesWithArgument(marker));
      for (const pid of left) {
        escaped.push(`round ${round}: pid ${pid}`);
        try { process.kill(pid, "SIGKILL"); } catch { /* gone meanwhile */ }
      }
    }
  } finally {
    for (const busy of load) busy.kill("SIGKILL");
  }
  expect(escaped).toEqual([]);
}, 600_000);

// Processes with `argument` among their arguments, whoever their parent is now.
function processesWithArgument(argument: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "latin1").split("\0").includes(argument)) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

// Issue 18: `tsvisor -- CMD` cost two Bun start-ups' worth of time next to a compiled Bun hello world.
// Part of it was init mode importing its logger at once: consola builds process.stdout and
// process.stderr on import, Node streams that take Bun ~20 ms and ~10 MiB and duplicate fds 1 and 2.
// Now the logger loads only when a line will be written (TSVISOR_DEBUG, a warning). Seen from CMD:
// its parent tsvisor holds no duplicate of its stdout or stderr, unless TSVISOR_DEBUG asked for lines.
import { expect, test } from "bun:test";
import { TSVISOR } from "./_harness.ts";

// CMD prints each descriptor of its parent (tsvisor, which spawned it) as "fd target".
const LIST_PARENT_FDS = 'for f in /proc/$PPID/fd/*; do echo "${f##*/} $(readlink "$f")"; done';

// The descriptors of tsvisor, while CMD ran, that point where its stdout or stderr point.
async function stdioHolders(env: Record<string, string>): Promise<string[]> {
  const proc = Bun.spawn([TSVISOR, "--", "sh", "-c", LIST_PARENT_FDS], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const deadline = setTimeout(() => proc.kill("SIGKILL"), 20_000);
  const [stdout, exitCode] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  clearTimeout(deadline);
  expect(exitCode).toBe(0);
  const fds = new Map(stdout.split("\n").filter(Boolean).map((l) => l.split(" ") as [string, string]));
  const stdio = new Set([fds.get("1"), fds.get("2")]);
  return [...fds].filter(([, target]) => stdio.has(target)).map(([fd]) => fd).sort();
}

test.concurrent("init mode: tsvisor builds no stdout/stderr stream while it has nothing to log", async () => {
  const { TSVISOR_DEBUG: _, ...quiet } = process.env;
  expect(await stdioHolders(quiet as Record<string, string>)).toEqual(["1", "2"]);
});

test.concurrent("init mode: with TSVISOR_DEBUG the logger is there, and its lines reach stderr", async () => {
  const proc = Bun.spawn([TSVISOR, "--", "sh", "-c", "exit 3"], { env: { ...process.env, TSVISOR_DEBUG: "1" }, stdio: ["ignore", "pipe", "pipe"] });
  const [stderr, exitCode] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  expect(exitCode).toBe(3);
  expect(stderr).toContain("DEBUG exited: sh (exit status 3); tsvisor exits with code 3");
});

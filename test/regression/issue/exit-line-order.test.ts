// Regression: issue 15 (smaller items) — a program's last lines were printed after tsvisor's own
// `exited:`/`stopped:` line about it (4 runs of 5): the exit was handled before the poll thread had
// reported the output still in the pipes.
import { expect, test } from "bun:test";
import { Daemon, tempDir, waitFor } from "../../integration/_harness.ts";

// One pipe for tsvisor's stdout and stderr, as a terminal or `docker logs -f` shows them: the order
// of the program's lines (stdout) and tsvisor's own (stderr) is then the order they were written in.
const BOTH_ON_STDOUT = ["sh", "-c", 'exec "$@" 2>&1', "sh"];

test("every process's last lines, a partial one too, come before tsvisor's exited: line about it", async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, `
[programs.job]
command = ["sh", "-c", "echo \\"first $TSVISOR_PROCESS_NAME\\"; sleep 0.2; echo \\"last $TSVISOR_PROCESS_NAME\\"; printf 'partial'"]
numprocs = 8
autorestart = false
startsecs = 0
`, { wrapper: BOTH_ON_STDOUT });
  const names = Array.from({ length: 8 }, (_, i) => `job-${i}`);
  await waitFor(() => names.every((n) => daemon.stdout.some((l) => l.includes(`exited: ${n} `))), "every job exited", 20_000);
  const order = names.map((n) => {
    const at = (predicate: (line: string) => boolean) => daemon.stdout.findIndex(predicate);
    const lastLine = at((l) => l === `${n} | last ${n}`);
    const partial = at((l) => l === `${n} | partial`);
    const exited = at((l) => l.includes(`exited: ${n} `));
    return { name: n, lastBeforeExit: lastLine !== -1 && lastLine < exited, partialBeforeExit: partial !== -1 && partial < exited };
  });
  expect(order).toEqual(names.map((name) => ({ name, lastBeforeExit: true, partialBeforeExit: true })));
});

test("what a program says as it stops comes before tsvisor's stopped: line", async () => {
  using dir = tempDir();
  await using daemon = Daemon.start(dir.path, `
[programs.polite]
command = ["sh", "-c", "trap 'echo goodbye from polite; exit 0' TERM; echo ready; while :; do sleep 0.05; done"]
numprocs = 4
`, { wrapper: BOTH_ON_STDOUT });
  await waitFor(() => daemon.stdout.filter((l) => / \| ready$/.test(l)).length === 4, "every instance ready");
  daemon.signal("SIGTERM");
  expect(await daemon.exited()).toBe(0);
  const misplaced = ["polite-0", "polite-1", "polite-2", "polite-3"].filter((n) => {
    const said = daemon.stdout.indexOf(`${n} | goodbye from polite`);
    const stopped = daemon.stdout.findIndex((l) => l.includes(`stopped: ${n} `));
    return said === -1 || stopped === -1 || said > stopped;
  });
  expect(misplaced).toEqual([]);
});

// Regression (red team, 2026-12-07): a named pipe at a log's path is written as is (supervisord's
// behaviour, docs/logs.md), but whose pipe it was did not count. Another user who could write the
// directory (a log_dir the app's user owns, or /tmp for a stdout_logfile) made a FIFO there before
// tsvisor started and read from it: a root program's output, and tsvisor.log, went to them. A FIFO
// is now written only when it belongs to root, tsvisor's user or the program's user, as a regular
// file at a log's name is; another's is refused, its lines dropped and counted, and once it is gone
// tsvisor makes its own regular file.
import { expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { NOBODY, runAsNobody, spawnAsNobody } from "../../integration/_nobody.ts";
import { Daemon, tempDir, waitFor } from "../../integration/_harness.ts";

setDefaultTimeout(60_000);

test("a FIFO another user planted at a root program's log, and at tsvisor.log, gets none of what tsvisor writes", async () => {
  expect(process.getuid?.()).toBe(0); // the programs and tsvisor run as root; the attacker as nobody
  using dir = tempDir();
  chmodSync(dir.path, 0o755);
  const logs = join(dir.path, "logs");
  mkdirSync(logs);
  chownSync(logs, NOBODY, NOBODY); // the app user's directory, as supervisord's childlogdir often is
  const fifos = ["root.out.log", "tsvisor.log"].map((name) => join(logs, name));
  for (const fifo of fifos) expect((await runAsNobody(["mkfifo", "-m", "0666", fifo])).exitCode).toBe(0);
  // nobody reads both pipes, whatever comes
  const readers = fifos.map((fifo) => spawnAsNobody(["cat", fifo]));
  try {
    await using daemon = Daemon.start(dir.path, `
[programs.root]
command = ["sh", "-c", "i=0; while :; do i=$((i+1)); echo ROOT-SECRET-$i; sleep 0.05; done"]
startsecs = 0
`);
    await daemon.waitForLog(/log: root stdout \S+root\.out\.log: can't open: refusing \S+root\.out\.log: .*owned by uid 65534.*; dropping lines/);
    // Once nobody's pipe is gone, the log is tsvisor's own regular file, written again.
    rmSync(fifos[0]!);
    await waitFor(() => existsSync(fifos[0]!) && lstatSync(fifos[0]!).isFile() && readFileSync(fifos[0]!, "utf8").includes("ROOT-SECRET-"), "root.out.log as a regular file with the program's lines");
    expect(lstatSync(fifos[0]!).uid).toBe(0);
    await daemon.waitForLog(/log: root stdout \S+root\.out\.log: writing again; \d+ lines? dropped/);
  } finally {
    for (const reader of readers) reader.kill();
  }
  const stolen = await Promise.all(readers.map((reader) => new Response(reader.stdout).text()));
  expect(stolen).toEqual(["", ""]);
});

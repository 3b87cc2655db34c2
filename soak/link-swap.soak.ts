// Link swap: a program run as nobody writes numbered lines while, in a tight loop, it swaps its log,
// its backups and its log directory for links to a root 0600 file and into a root-only directory, for
// FIFOs (some it reads itself), directories and hard links (soak/link-swap-writer.py), and the soak
// makes tsvisor reopen its logs every few hundred ms. Afterwards the root file and directory are as
// they were, nothing of root's was created or chowned, the daemon answers with its fd count back near
// the start, and every line the program wrote is accounted for: in a regular file in its directory,
// once, or among the dropped lines tsvisor counted (docs/security.md, "Files tsvisor writes or reads as root").
import { expect, test } from "bun:test";
import { chownSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Daemon, tempDir, waitFor } from "../test/integration/_harness.ts";
import { budgetMs, fdCount } from "./_budget.ts";

const WRITER = join(import.meta.dir, "link-swap-writer.py");
const NOBODY = 65534;
const SECRET = "root's secret, mode 0600\n";

// Every regular file under `dir`, recursively (links, FIFOs and planted directories are skipped).
function regularFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    const stat = lstatSync(path);
    return stat.isDirectory() ? regularFiles(path) : stat.isFile() ? [path] : [];
  });
}

test("link swap: a program as nobody swapping its log for links, FIFOs and directories while writing; nothing of root's changes, every line is accounted for", async () => {
  using dir = tempDir();
  const app = join(dir.path, "app");
  const counts = join(dir.path, "counts");
  for (const d of [app, join(app, "d"), counts]) {
    mkdirSync(d);
    chownSync(d, NOBODY, NOBODY);
  }
  const rootfile = join(dir.path, "rootfile");
  writeFileSync(rootfile, SECRET, { mode: 0o600 });
  const rootdir = join(dir.path, "rootdir");
  mkdirSync(rootdir, { mode: 0o700 });
  const before = { rootfile: statSync(rootfile), rootdir: statSync(rootdir) };
  await using daemon = Daemon.start(dir.path, `[supervisor]
console = false
[programs.app]
command = ["/usr/bin/python3", "${WRITER}", "${app}", "${rootfile}", "${rootdir}", "${counts}/written"]
user = "nobody"
stdout_logfile = "${app}/d/out.log"
stdout_logfile_maxbytes = "16KB"
stdout_logfile_backups = 1000
startsecs = 0
autorestart = false
`);
  await daemon.waitForSocket();
  await waitFor(async () => (await daemon.status("app"))?.state === "RUNNING", "app RUNNING");
  const pid = daemon.proc.pid;
  const fdsBefore = fdCount(pid);
  const deadline = Date.now() + budgetMs(0.1);
  let reopens = 0;
  while (Date.now() < deadline) {
    expect((await daemon.ctl(["logs", "--reopen"])).exitCode).toBe(0); // opens every log through whatever is planted now
    reopens++;
    await Bun.sleep(100 + Math.random() * 200);
  }
  await daemon.ctl(["stop", "app"]);
  const status = (await daemon.status("app"))!;
  const written = Number(readFileSync(join(counts, "written"), "utf8"));

  // every line once, in a regular file of the program's, or counted as dropped
  const seen = new Map<number, number>();
  const files = regularFiles(app);
  for (const file of files) {
    for (const line of readFileSync(file, "utf8").split("\n")) {
      const n = /^n-(\d+)$/.exec(line)?.[1];
      if (n !== undefined) seen.set(Number(n), (seen.get(Number(n)) ?? 0) + 1);
    }
  }
  const twice = [...seen].filter(([, times]) => times > 1).map(([n]) => n);
  const owners = [...new Set(files.map((f) => statSync(f).uid))];
  const after = { rootfile: statSync(rootfile), rootdir: statSync(rootdir) };
  expect({
    state: status.state,
    accounted: seen.size + status.dropped_log_lines,
    twice,
    owners,
    rootfile: [after.rootfile.uid, after.rootfile.mode, after.rootfile.mtimeMs, readFileSync(rootfile, "utf8")],
    rootdir: [after.rootdir.uid, after.rootdir.mode, readdirSync(rootdir)],
    answers: (await daemon.ctl(["version"])).exitCode,
  }).toEqual({
    state: "STOPPED",
    accounted: written,
    twice: [],
    owners: [NOBODY], // files tsvisor created are the program's; nothing root's was made here
    rootfile: [0, before.rootfile.mode, before.rootfile.mtimeMs, SECRET],
    rootdir: [0, before.rootdir.mode, []],
    answers: 0,
  });
  await waitFor(() => fdCount(pid) <= fdsBefore + 2, `fd count back near ${fdsBefore} (now ${fdCount(pid)})`, 10_000);
  process.stderr.write(`link-swap: ${written} lines written, ${status.dropped_log_lines} dropped, ${files.length} files, ${reopens} reopens; fds ${fdsBefore} -> ${fdCount(pid)}\n`);
}, 3_600_000);

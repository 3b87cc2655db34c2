import { expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fixtureOutput } from "../fixtures/lines.ts";
import { Daemon, FIXTURES, tempDir } from "./_harness.ts";

// bunfig.toml's [test] timeout is not read by bun test 1.4.5 (5 s default): these write megabytes on a shared 2-core machine.
setDefaultTimeout(30_000);

const COUNT = 20000; // about 1.5 MB per program

test("four programs writing at full speed produce whole lines on tsvisor's stdout, each with its own prefix", async () => {
  using dir = tempDir();
  const program = (tag: string) => `
[programs.${tag}]
command = ${JSON.stringify([process.execPath, join(FIXTURES, "print-lines-fixture.ts"), tag, String(COUNT)])}
startsecs = 0
autorestart = false
stdout_logfile = "none"
`;
  await using daemon = Daemon.start(dir.path, ["p1", "p2", "p3", "p4"].map(program).join(""));
  for (const tag of ["p1", "p2", "p3", "p4"]) await daemon.waitForLog(new RegExp(`exited: ${tag} `));
  daemon.signal("SIGTERM");
  expect(await daemon.exited()).toBe(0);
  // A line cut by another program's line would carry one program's prefix and another's text.
  const misprefixed = daemon.stdout.filter((line) => !/^(p[1-4]) \| \1 \d+ /.test(line));
  const perProgram = ["p1", "p2", "p3", "p4"].map((tag) => {
    const lines = daemon.stdout.filter((l) => l.startsWith(`${tag} | `)).map((l) => `${l.slice(tag.length + 3)}\n`);
    return Buffer.from(lines.join("")).equals(fixtureOutput(tag, COUNT));
  });
  expect([misprefixed.slice(0, 3), perProgram]).toEqual([[], [true, true, true, true]]);
});

test("a console whose reader has gone (`tsvisor run | head`) is said to be gone, once, not too far behind; lines still reach the files", async () => {
  using dir = tempDir();
  // tsvisor keeps its pid (bash execs it); its stdout is a pipe that `head` reads 3 lines of, then closes
  const wrapper = ["bash", "-c", 'exec "$@" > >(head -n 3 > /dev/null)', "bash"];
  await using daemon = Daemon.start(dir.path, `
[programs.ticker]
command = ["sh", "-c", "i=0; while [ $i -lt 400 ]; do i=$((i+1)); echo tick-$i; sleep 0.005; done"]
startsecs = 0
autorestart = false
`, { wrapper });
  await daemon.waitForLog(/exited: ticker /);
  daemon.signal("SIGTERM");
  expect(await daemon.exited()).toBe(0);
  const inFile = readFileSync(join(dir.path, "logs", "ticker.out.log"), "utf8").split("\n").filter(Boolean).length;
  expect({
    gone: daemon.logLines(/log: ticker console stdout: nothing reads it any more \(its pipe or terminal was closed\)/).length,
    behind: daemon.logLines(/too far behind/),
    inFile,
  }).toEqual({ gone: 1, behind: [], inFile: 400 });
});

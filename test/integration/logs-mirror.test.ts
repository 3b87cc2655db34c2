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

// Perl's syswrite is one write(2); `pause` is the program's own pacing, between writes of one line.
const perl = (code: string) => JSON.stringify(["perl", "-e", `sub pause { select(undef, undef, undef, $_[0]) } ${code}`]);

test("a line over 64 KiB that arrives in several reads reaches the console whole, as one prefixed line, beside another program's lines (red team, 2026-12-06)", async () => {
  using dir = tempDir();
  // 40,000 + 40,000 bytes with a pause between (two reads, the splitter's 64 KiB hold passed in the
  // second); a 3 MB line in 30 writes 10 ms apart (more than a pipe holds: many reads); a 100,000-byte
  // last line the program never ends (the pipe's end ends it)
  await using daemon = Daemon.start(dir.path, `
[programs.long]
command = ${perl(`syswrite STDOUT, "a" x 40000; pause 0.2; syswrite STDOUT, "b" x 40000; pause 0.2; syswrite STDOUT, "\\n";
  for (1..30) { syswrite STDOUT, "c" x 100000; pause 0.01 } syswrite STDOUT, "\\nend\\n" . ("e" x 100000)`)}
startsecs = 0
autorestart = false

[programs.chatty]
command = ${perl(`for (1..200) { syswrite STDOUT, "chatty $_\\n"; pause 0.005 }`)}
startsecs = 0
autorestart = false
`);
  for (const name of ["long", "chatty"]) await daemon.waitForLog(new RegExp(`exited: ${name} `));
  daemon.signal("SIGTERM");
  expect(await daemon.exited()).toBe(0);
  const short = (line: string) => (line.length > 40 ? `${line.slice(0, 20)}…(${line.length})` : line);
  expect({
    long: daemon.stdout.filter((l) => l.startsWith("long | ")).map(short),
    chatty: daemon.stdout.filter((l) => l.startsWith("chatty | ")).join("\n"),
    others: daemon.stdout.filter((l) => !/^(long|chatty) \| /.test(l)).map(short),
  }).toEqual({
    long: [short(`long | ${"a".repeat(40000)}${"b".repeat(40000)}`), short(`long | ${"c".repeat(3_000_000)}`), "long | end", short(`long | ${"e".repeat(100000)}`)],
    chatty: Array.from({ length: 200 }, (_, i) => `chatty | chatty ${i + 1}`).join("\n"),
    others: [],
  });
  expect(daemon.stdout.find((l) => l.startsWith("long | a"))).toBe(`long | ${"a".repeat(40000)}${"b".repeat(40000)}`);
});

test("a line past what the console keeps (4 MiB) is cut into prefixed console lines, none empty, nothing lost; the file has it whole", async () => {
  using dir = tempDir();
  // tsvisor's stdout a file: a pipe read slower than 10 MiB comes would rightly drop lines (the backlog's cap)
  const console = join(dir.path, "console.out");
  await using daemon = Daemon.start(dir.path, `
[programs.huge]
command = ${perl(`syswrite STDOUT, "d" x 1048576 for 1..10; syswrite STDOUT, "\\nafter\\n"`)}
startsecs = 0
autorestart = false
`, { wrapper: ["bash", "-c", `exec "$@" > ${console}`, "bash"] });
  await daemon.waitForLog(/exited: huge /);
  daemon.signal("SIGTERM");
  expect(await daemon.exited()).toBe(0);
  const lines = readFileSync(console, "latin1").split("\n").slice(0, -1);
  const parts = lines.slice(0, -1).map((l) => l.slice("huge | ".length));
  expect({
    cut: parts.length >= 2 && lines.every((l) => l.startsWith("huge | ")) && parts.every((p) => p.length > 0 && /^d+$/.test(p)),
    total: parts.reduce((sum, p) => sum + p.length, 0),
    last: lines.at(-1),
    file: readFileSync(join(dir.path, "logs", "huge.out.log")).equals(Buffer.from(`${"d".repeat(10 << 20)}\nafter\n`)),
  }).toEqual({ cut: true, total: 10 << 20, last: "huge | after", file: true });
});

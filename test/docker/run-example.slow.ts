// The top-level image as docs/install.md runs it: `docker run tsvisor` with the example config, and
// what `docker logs` then holds.
import { expect, test } from "bun:test";
import { Container, configDir, run } from "./_container.ts";
import { projectImages } from "./_images.ts";

const IMAGES = await projectImages();

// tsvisor's own lines in a container (stderr is not a TTY): "2026-01-01T00:00:00.000Z INFO spawned: ...".
const OWN_LINE = /^\d{4}-\d\d-\d\dT[\d:.]+Z (DEBUG|INFO|WARN|ERROR|FATAL) /;

test("`docker run tsvisor` runs the example config: the program's line in docker logs, status and check answer in the container", async () => {
  await using container = await Container.start(IMAGES.tsvisor);
  await container.waitForLog(/success: hello entered RUNNING/);
  const logs = await container.logs();
  expect(logs.stdout).toBe("hello | hello from a program supervised by tsvisor\n");
  expect(logs.stderr.split("\n").filter(Boolean).every((line) => OWN_LINE.test(line))).toBe(true);
  // An ops shell: `docker exec CONTAINER tsvisor status` finds the daemon through its default socket.
  const status = await container.exec(["tsvisor", "status"]);
  expect([status.exitCode, status.stdout]).toEqual([0, expect.stringMatching(/^hello\s+RUNNING\s/m)]);
  const check = await container.exec(["tsvisor", "check"]);
  expect([check.exitCode, check.stdout]).toEqual([0, "ok: every process that should run is RUNNING (1 checked)\n"]);
});

test("docker logs has every line a program wrote, each prefixed with its name, on the stream it wrote to", async () => {
  using config = configDir(`
[programs.talker]
command = ["sh", "-c", "i=1; while [ $i -le 500 ]; do echo \\"out $i\\"; echo \\"err $i\\" >&2; i=$((i+1)); done; exec sleep infinity"]
[programs.second]
command = ["sh", "-c", "echo 'from the second program'; exec sleep infinity"]
`);
  await using container = await Container.start(IMAGES.tsvisor, [], { flags: config.mount });
  await container.waitForLog(/^talker \| err 500$/);
  await container.waitForLog(/^second \| from the second program$/);
  const { stdout, stderr } = await container.logs();
  const numbered = (stream: string) => Array.from({ length: 500 }, (_, i) => `talker | ${stream} ${i + 1}`);
  // stdout: the programs' stdout alone, every line once, in order, prefixed.
  expect(stdout.split("\n").filter((line) => line.startsWith("talker"))).toEqual(numbered("out"));
  expect(stdout.split("\n").filter((line) => !line.startsWith("talker"))).toEqual(["second | from the second program", ""]);
  // stderr: the programs' stderr, prefixed, between tsvisor's own lines; nothing unprefixed.
  const errLines = stderr.split("\n").filter(Boolean);
  expect(errLines.filter((line) => !OWN_LINE.test(line))).toEqual(numbered("err"));
});

// Regression: issue 15 item 1 — on a terminal none of tsvisor's own lines appeared (consola was left
// with no reporter): `docker run -t` showed the programs' lines only.
test("`docker run -t` shows tsvisor's own lines, with the time of day and a coloured level, beside the program's", async () => {
  await using container = await Container.start(IMAGES.tsvisor, [], { flags: ["-t"] });
  await container.waitForLog(/success: hello entered RUNNING/);
  // with a terminal Docker has one stream, the terminal's: everything is in stdout, lines end in \r\n
  const lines = (await container.logs()).stdout.split("\r\n");
  const spawned = lines.find((l) => l.includes("spawned: hello"));
  expect([spawned, lines.includes("hello | hello from a program supervised by tsvisor")]).toEqual([
    expect.stringMatching(/^\u001b\[90m\d\d:\d\d:\d\d\u001b\[0m \u001b\[36mINFO\u001b\[0m spawned: hello \(pid \d+\)$/), true,
  ]);
});

// `tsvisor run -- CMD` (issue 15 item 9) as the image's ENTRYPOINT ["tsvisor", "run"] takes it: the
// example's program runs as a service, CMD is the container's main process, and its code the container's.
test("`docker run tsvisor -- CMD`: the config's programs run, then CMD, and the container exits with CMD's code", async () => {
  const { exitCode, stdout } = await run(IMAGES.tsvisor, ["--", "sh", "-c", "echo from CMD; exit 3"]);
  expect([exitCode, stdout.split("\n").filter(Boolean)]).toEqual([3, ["hello | hello from a program supervised by tsvisor", "from CMD"]]);
});

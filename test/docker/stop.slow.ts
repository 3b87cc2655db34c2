// `docker stop`: SIGTERM to tsvisor (PID 1), which stops the programs gracefully and exits 0 within
// the grace period; past it Docker SIGKILLs tsvisor and the container exits 137 (docs/install.md).
import { expect, test } from "bun:test";
import { Container, configDir } from "./_container.ts";
import { projectImages } from "./_images.ts";

const IMAGES = await projectImages();

test("the web + worker example stops gracefully within `docker stop -t 45`: web first, workers finish, exit 0", async () => {
  await using container = await Container.start(IMAGES.webWorker);
  // Each program's first line comes after its SIGTERM handler is installed: node may take longer
  // than startsecs to get there on a loaded machine, and die of the SIGTERM before it.
  await container.waitForLog(/^web \| listening on /);
  await container.waitForLog(/^worker-0 \| worker-0: tick 1$/);
  await container.waitForLog(/^worker-1 \| worker-1: tick 1$/);
  const { exitCode, seconds } = await container.stop(45);
  expect(exitCode).toBe(0);
  expect(seconds).toBeLessThan(20); // the programs exit at once on SIGTERM: nowhere near the grace
  const { stdout, stderr } = await container.logs();
  expect(stdout).toContain("worker-0 | worker: finishing up");
  expect(stdout).toContain("worker-1 | worker: finishing up");
  const stops = stderr.split("\n").filter((line) => / stopped: /.test(line)).map((line) => line.replace(/^.* stopped: /, ""));
  // priority 200 (web) stops before priority 100 (the workers), each with its own exit 0
  expect(stops).toEqual(["web (exit status 0)", expect.stringMatching(/^worker-[01] \(exit status 0\)$/), expect.stringMatching(/^worker-[01] \(exit status 0\)$/)]);
  expect(stderr).toContain("tsvisor exiting with code 0");
});

test("past the grace period Docker SIGKILLs tsvisor: exit 137, with the program still in its stopwaitsecs", async () => {
  using config = configDir(`
[programs.stubborn]
command = ["sh", "-c", "trap 'echo got TERM, ignoring it' TERM; echo ready; while :; do sleep 0.1; done"]
stopwaitsecs = 60
`);
  await using container = await Container.start(IMAGES.tsvisor, [], { flags: config.mount });
  await container.waitForLog(/^stubborn \| ready$/);
  const { exitCode, seconds } = await container.stop(2);
  expect(exitCode).toBe(137);
  expect(seconds).toBeGreaterThanOrEqual(2);
  const { stdout, stderr } = await container.logs();
  expect(stdout).toContain("stubborn | got TERM, ignoring it");
  expect(stderr).not.toContain("tsvisor exiting");
});

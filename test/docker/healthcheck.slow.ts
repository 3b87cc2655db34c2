// The images' HEALTHCHECK (`tsvisor check`) on the real engine: healthy while every program that
// should run is RUNNING, unhealthy once one has crashed, healthy again once it runs again.
import { expect, test } from "bun:test";
import { dockerEngine } from "./_engine.ts";
import { Container, configDir } from "./_container.ts";
import { projectImages } from "./_images.ts";

const IMAGES = await projectImages();

// The images probe every 15-30 s with 3 retries (minutes per verdict). The probe's command stays the
// image's own; only its pace is set at run time, as `docker run --health-*` lets any user do.
const FAST_PROBE = ["--health-interval=1s", "--health-timeout=5s", "--health-retries=1", "--health-start-period=0s"];

test.each([IMAGES.tsvisor, IMAGES.webWorker])("%s's HEALTHCHECK is `tsvisor check`", async (image) => {
  const engine = await dockerEngine();
  const { stdout } = await engine.dockerOk(["image", "inspect", "-f", "{{json .Config.Healthcheck.Test}}", image]);
  expect(JSON.parse(stdout)).toEqual(["CMD", "tsvisor", "check"]);
});

test("healthy, then unhealthy when a program crashes, then healthy again once it is started", async () => {
  using config = configDir(`
[programs.web]
command = ["sleep", "infinity"]
[programs.crashy]
command = ["sleep", "infinity"]
autorestart = false   # stays down after its crash: the container must say so
`);
  await using container = await Container.start(IMAGES.tsvisor, [], { flags: [...config.mount, ...FAST_PROBE] });
  await container.waitForHealth("healthy");
  await container.exec(["tsvisor", "signal", "KILL", "crashy"]);
  const unhealthy = await container.waitForHealth("unhealthy");
  // the probe's own words: which process is down and why
  expect(unhealthy.Health!.Log.at(-1)).toMatchObject({ ExitCode: 1, Output: expect.stringMatching(/crashy.*EXITED.*SIGKILL/) });
  expect((await container.exec(["tsvisor", "start", "crashy"])).exitCode).toBe(0);
  await container.waitForHealth("healthy");
});

test("the web + worker example goes healthy with its three processes RUNNING", async () => {
  await using container = await Container.start(IMAGES.webWorker, [], { flags: FAST_PROBE });
  await container.waitForHealth("healthy");
  const status = await container.exec(["tsvisor", "status"]);
  expect(status.stdout.split("\n").slice(1).filter(Boolean).map((line) => line.split(/\s+/).slice(0, 2))).toEqual([
    ["web", "RUNNING"], ["worker-0", "RUNNING"], ["worker-1", "RUNNING"],
  ]);
});

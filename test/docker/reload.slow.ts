// `docker kill -s HUP`: tsvisor, PID 1 of the container, reloads its config: what was added starts,
// what is unchanged keeps running untouched.
import { expect, test } from "bun:test";
import { Container, configDir } from "./_container.ts";
import { projectImages } from "./_images.ts";

const IMAGES = await projectImages();

const KEEPER = `
[programs.keeper]
command = ["sh", "-c", "echo keeper started; exec sleep infinity"]
`;

test("`docker kill -s HUP` reloads the config: an added program starts, an unchanged one keeps its pid", async () => {
  using config = configDir(KEEPER);
  await using container = await Container.start(IMAGES.tsvisor, [], { flags: config.mount });
  await container.waitForLog(/success: keeper entered RUNNING/);
  const pidBefore = await pidOf(container, "keeper");

  config.write(`${KEEPER}
[programs.newcomer]
command = ["sh", "-c", "echo newcomer started; exec sleep infinity"]
`);
  await container.kill("HUP");
  expect(await container.waitForLog(/reload: /)).toMatch(/reload: added newcomer; .*unchanged keeper/);
  await container.waitForLog(/^newcomer \| newcomer started$/);
  await container.waitForLog(/success: newcomer entered RUNNING/);
  expect(await pidOf(container, "keeper")).toBe(pidBefore);
  expect((await container.logs()).stdout.match(/keeper started/g)).toHaveLength(1);
});

async function pidOf(container: Container, name: string): Promise<number> {
  const { stdout } = await container.exec(["tsvisor", "status", name, "--json"]);
  return (JSON.parse(stdout) as { processes: { pid: number }[] }).processes[0]!.pid;
}

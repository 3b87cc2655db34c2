// The release executables where users run them: mounted into the debian:bookworm-slim stand-in
// (test/docker/_images.ts) as its ENTRYPOINT, on the test run's own Docker engine, supervising a real
// program whose lines must reach `docker logs` (prefixed) and its log file. x64 runs natively; arm64
// under qemu-user-static, with Debian's arm64 glibc mounted at its own paths (_arm64.ts says why not
// qemu's -L). Needs dist/release from `npm run build:release`: `npm run test:release` runs
// build-release.slow.ts first, and this file with the engine preloaded.
import { expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Container, configDir } from "../docker/_container.ts";
import { REPO, baseImagesOnly } from "../docker/_images.ts";
import { arm64InContainerFlags } from "./_arm64.ts";

const RELEASE = join(REPO, "dist/release");
const CONFIG = `
[programs.talker]
command = ["sh", "-c", "echo to stdout; echo to stderr >&2; exec sleep infinity"]
`;

// How each executable is started in the container: the flags (mounts, entrypoint) and the arguments.
const HOW: Record<string, () => Promise<{ flags: string[]; args: string[] }>> = {
  x64: async () => ({
    flags: ["-v", `${join(RELEASE, "tsvisor-linux-x64")}:/usr/local/bin/tsvisor:ro`, "--entrypoint", "/usr/local/bin/tsvisor"],
    args: ["run"],
  }),
  "arm64 under qemu-user-static": async () => ({
    flags: ["-v", `${join(RELEASE, "tsvisor-linux-arm64")}:/usr/local/bin/tsvisor:ro`, ...await arm64InContainerFlags()],
    args: ["/usr/local/bin/tsvisor", "run"],
  }),
};

test.each(Object.keys(HOW))("the %s release executable as a container's ENTRYPOINT: output in docker logs, prefixed, and in its log file; docker stop exits 0", async (target) => {
  const executable = join(RELEASE, `tsvisor-linux-${target.split(" ")[0]}`);
  if (!existsSync(executable)) throw new Error(`${executable} is missing: run \`npm run build:release\` first (\`npm run test:release\` does)`);
  const { debian } = await baseImagesOnly();
  const { flags, args } = await HOW[target]!();
  using config = configDir(CONFIG);
  await using container = await Container.start(debian, args, { flags: [...config.mount, ...flags] });
  await container.waitForLog(/^talker \| to stderr$/, 90_000);
  await container.waitForLog(/^talker \| to stdout$/);
  const [out, err] = [
    await container.exec(["cat", "/var/log/tsvisor/talker.out.log"]),
    await container.exec(["cat", "/var/log/tsvisor/talker.err.log"]),
  ];
  expect([out.stdout, err.stdout]).toEqual(["to stdout\n", "to stderr\n"]);
  const { stdout } = await container.logs();
  expect(stdout).toBe("talker | to stdout\n");
  expect((await container.stop(30)).exitCode).toBe(0);
}, 180_000);

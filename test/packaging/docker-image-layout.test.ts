// The image's layout, without a Docker engine: the top-level Dockerfile's own steps replayed in a
// directory (npm ci and the bun build really run, COPY really copies), then the runtime stage's
// files used the way the image uses them.
import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { tempDir, waitFor } from "../integration/_harness.ts";
import { parseDockerfile, replayBuild } from "./_dockerfile.ts";
import { version } from "../../package.json";

const REPO = resolve(import.meta.dir, "../..");

// Every file under `dir`, relative to it.
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name))).sort();

test("replaying the Dockerfile leaves an image of tsvisor and its config only, and that tsvisor runs that config", async () => {
  using dir = tempDir();
  const roots = replayBuild(parseDockerfile(readFileSync(join(REPO, "Dockerfile"), "utf8")), REPO, dir.path);
  const image = roots.get("runtime")!;
  expect(filesUnder(image)).toEqual(["etc/tsvisor/tsvisor.toml", "usr/local/bin/tsvisor"]);
  const tsvisor = join(image, "usr/local/bin/tsvisor");
  expect(Bun.spawnSync([tsvisor, "--version"]).stdout.toString()).toBe(`tsvisor ${version}\n`);

  // ENTRYPOINT ["tsvisor", "run"]: the image's binary, finding the image's config at /etc/tsvisor/
  // here passed with -c, since this directory is not the root of a container.
  // Its own socket: other tests' daemons run at the same time on this machine.
  const proc = Bun.spawn([tsvisor, "run", "-c", join(image, "etc/tsvisor/tsvisor.toml")], {
    env: { ...process.env, TSVISOR_SOCKET: join(dir.path, "tsvisor.sock") }, stdin: "ignore", stdout: "pipe", stderr: "pipe",
  });
  let log = "";
  const logRead = (async () => {
    for await (const chunk of proc.stderr) log += new TextDecoder().decode(chunk);
  })();
  const stdout = new Response(proc.stdout).text();
  try {
    await waitFor(() => log.includes("success: hello entered RUNNING"), `the example program to be RUNNING; log:\n${log}`);
  } finally {
    proc.kill("SIGTERM");
  }
  expect(await proc.exited).toBe(0);
  await logRead;
  expect(await stdout).toBe("hello | hello from a program supervised by tsvisor\n"); // the console mirror: "name | line"
}, 240_000);

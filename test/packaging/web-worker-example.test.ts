// The web + worker example's config does what its comments say, run by dist/tsvisor with the example
// programs from examples/ (the image puts them in /app).
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Daemon, freePort, tempDir, waitFor } from "../integration/_harness.ts";

const REPO = resolve(import.meta.dir, "../..");


test("web answers HTTP, two workers tick, and on SIGTERM web stops before the workers", async () => {
  using dir = tempDir();
  const port = freePort();
  const config = readFileSync(join(REPO, "packaging/docker/web-worker/tsvisor.toml"), "utf8")
    .replaceAll(`"/app"`, JSON.stringify(join(REPO, "examples")))
    .replace(`PORT = "8080"`, `PORT = "${port}"`);
  await using daemon = Daemon.start(dir.path, config);
  await daemon.waitForLog(/success: web entered RUNNING/);
  const answer = await waitFor(() => fetch(`http://127.0.0.1:${port}/`).then((r) => r.text()).catch(() => undefined), "web's answer");
  expect(answer).toStartWith("hello from web (pid ");
  await waitFor(() => ["worker-0", "worker-1"].every((w) => daemon.stdout.some((l) => l.startsWith(`${w} | ${w}: tick`))), "both workers to tick");
  daemon.signal("SIGTERM");
  expect(await daemon.exited()).toBe(0);
  const stopped = daemon.log.filter((l) => /stopped: (web|worker-\d)/.test(l)).map((l) => l.match(/stopped: (\S+)/)![1]);
  expect([stopped[0], [...stopped.slice(1)].sort()]).toEqual(["web", ["worker-0", "worker-1"]]);
});

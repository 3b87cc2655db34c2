// The documented configs cannot rot: the shipped examples and every TOML block in the README resolve.
import { expect, test } from "bun:test";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import { load } from "./_helpers.ts";

const ROOT = resolve(import.meta.dir, "../..");

test("examples/demo.toml resolves to a web server and two workers", () => {
  const config = loadConfig({ file: join(ROOT, "examples/demo.toml"), env: {}, uid: 0, cwd: ROOT });
  expect(config.processes.map((p) => [p.name, p.program.command, p.program.directory, p.program.priority])).toEqual([
    ["web", ["node", "http-server.mjs"], join(ROOT, "examples"), 10],
    ["worker-0", ["node", "worker.mjs"], join(ROOT, "examples"), 20],
    ["worker-1", ["node", "worker.mjs"], join(ROOT, "examples"), 20],
  ]);
  expect(config.programs.web!.environment).toEqual({ PORT: "8080" });
  // Regression: #19 — as root the demo took /run/tsvisor.sock and /var/log/tsvisor; it has its own
  expect([config.supervisor.socket, config.supervisor.log_dir]).toEqual([join(ROOT, "examples/demo.sock"), join(ROOT, "examples/logs")]);
  expect(config.http).toEqual({ listen: { type: "tcp", host: "127.0.0.1", port: 9001 }, token: null, token_file: null, read_only: false, socket_mode: 0o600, username: null, password: null });
});

const readmeBlocks = [...readFileSync(join(ROOT, "README.md"), "utf8").matchAll(/```toml\n([\s\S]*?)```/g)].map((m) => m[1]!);

test("the README has TOML examples", () => {
  expect(readmeBlocks.length).toBeGreaterThan(0);
});

// The README's token file, as a secret would be mounted: root's, 0400, in a directory only root writes.
const SECRET_TOKEN = (() => {
  const dir = mkdtempSync(join(tmpdir(), "tsvisor-secret-"));
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, "tsvisor_token"), "a-token-of-20-chars!\n", { mode: 0o400 });
  return join(dir, "tsvisor_token");
})();

test.each(readmeBlocks.map((block, i) => [i + 1, block.replaceAll("/run/secrets/tsvisor_token", SECRET_TOKEN)]))("README TOML block %d resolves", (_n, block) => {
  const config = load({ "tsvisor.toml": block }, { env: { DATABASE_URL: "postgres://db", TSVISOR_TOKEN: "a-token-of-20-chars!" } });
  expect(config.processes.length).toBeGreaterThan(0);
});

import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { clientSocketPath, daemonSocketPath, defaultSocketCandidates } from "../../src/config/socket-path.ts";
import { TsvisorError } from "../../src/errors.ts";
import { loadConfig } from "../../src/config/load.ts";
import { toml, writeTree } from "./_helpers.ts";

describe("defaultSocketCandidates: the usual place first, then the private directories under /tmp and /dev/shm", () => {
  test.each([
    ["root", { uid: 0, env: { XDG_RUNTIME_DIR: "/run/user/0" } }, "/etc/tsvisor/tsvisor.toml", "/run/tsvisor.sock"],
    ["a user with XDG_RUNTIME_DIR", { uid: 1000, env: { XDG_RUNTIME_DIR: "/run/user/1000" } }, "/home/me/tsvisor.toml", "/run/user/1000/tsvisor.sock"],
    ["a user without it", { uid: 1000, env: {} }, "/home/me/app/tsvisor.toml", "/home/me/app/tsvisor.sock"],
    ["a user without it or a config", { uid: 1000, env: {} }, null, null],
  ] as const)("%s", (_who, ctx, configFile, usual) => {
    const uid = ctx.uid;
    expect(defaultSocketCandidates(ctx, configFile)).toEqual([
      ...(usual === null ? [] : [{ path: usual, privateDir: null }]),
      { path: `/tmp/tsvisor-${uid}/tsvisor.sock`, privateDir: `/tmp/tsvisor-${uid}` },
      { path: `/dev/shm/tsvisor-${uid}/tsvisor.sock`, privateDir: `/dev/shm/tsvisor-${uid}` },
    ]);
  });
});

describe("daemon and client choose the same socket: --socket, $TSVISOR_SOCKET, [supervisor] socket, default", () => {
  const dir = writeTree({
    "with/tsvisor.toml": toml('include = "conf.d/*.toml"', "[programs.web]", 'command = "x"', 'environment = { DB = "${UNSET_IN_THIS_SHELL}" }'),
    "with/conf.d/sock.toml": toml("[supervisor]", 'socket = "../run/ctl.sock"'),
    "without/tsvisor.toml": toml("[programs.web]", 'command = "x"'),
    "xdg/.keep": "",
  });
  const ctx = (over: object = {}) => ({ env: {}, cwd: dir, uid: 1000, ...over });

  test.each([
    ["--socket, relative to cwd", { flag: "a.sock", env: { TSVISOR_SOCKET: "/b.sock" } }, "with", join(dir, "a.sock")],
    ["$TSVISOR_SOCKET", { env: { TSVISOR_SOCKET: "/b.sock" } }, "with", "/b.sock"],
    ["[supervisor] socket, relative to the file that sets it", {}, "with", join(dir, "with/run/ctl.sock")],
    ["the default beside the config", {}, "without", join(dir, "without/tsvisor.sock")],
    ["the default in XDG_RUNTIME_DIR", { env: { XDG_RUNTIME_DIR: join(dir, "xdg") } }, "without", join(dir, "xdg/tsvisor.sock")],
  ])("%s", async (_name, over, which, expected) => {
    const file = join(dir, which, "tsvisor.toml");
    const client = await clientSocketPath(ctx({ ...over, file }));
    // the daemon has the variables the operator's shell lacks, and resolves the whole config
    const config = loadConfig({ file, env: { UNSET_IN_THIS_SHELL: "x" }, cwd: dir, uid: 1000 });
    expect([client, await daemonSocketPath(ctx(over), config)]).toEqual([expected, expected]);
  });

  test("a client finds the socket although the programs would not resolve in its environment", async () => {
    expect(await clientSocketPath(ctx({ file: join(dir, "with/tsvisor.toml") }))).toBe(join(dir, "with/run/ctl.sock"));
  });

  test("with no config file anywhere, root still finds /run/tsvisor.sock", async () => {
    expect(await clientSocketPath({ env: {}, cwd: dir, uid: 0, systemFile: join(dir, "none.toml") })).toBe("/run/tsvisor.sock");
  });

  test("with no config file and no default, the error says how to name the socket", async () => {
    const error = await clientSocketPath({ env: {}, cwd: dir, uid: 1000, systemFile: join(dir, "none.toml") }).catch((e: TsvisorError) => e);
    expect([(error as TsvisorError).code, (error as TsvisorError).hint]).toEqual([
      "CONFIG_NOT_FOUND", "pass --socket PATH or set TSVISOR_SOCKET, or point -c / TSVISOR_CONFIG at the daemon's config",
    ]);
  });

  test("a bad socket value is reported where it is written", async () => {
    const bad = writeTree({ "tsvisor.toml": toml("[supervisor]", "socket = 42") });
    const error = await clientSocketPath({ env: {}, cwd: bad, uid: 1000 }).catch((e: TsvisorError) => e);
    expect((error as TsvisorError).message).toBe(
      ['tsvisor.toml:2:10: supervisor.socket: expected a non-empty string; got 42', "    2 | socket = 42", "      |          ^"].join("\n"),
    );
  });
});

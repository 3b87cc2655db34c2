import { describe, expect, test } from "bun:test";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderConfig } from "../../src/config/render.ts";
import { isLoopbackHost } from "../../src/config/loopback.ts";
import { loadConfig } from "../../src/config/load.ts";
import { load, loadError, toml, writeTree } from "./_helpers.ts";

const withHttp = (...lines: string[]) => ({ "tsvisor.toml": toml("[programs.web]", 'command = "x"', "", "[http]", ...lines) });
const TOKEN = "s3cret-token-0123456789";
const NOBODY = 65534;

// A directory only root may write (as /run/secrets is), for token files.
function secretDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "tsvisor-secret-"));
  chmodSync(dir, 0o755);
  return dir;
}

describe("[http]", () => {
  test("absent, nothing listens", () => {
    expect(load({ "tsvisor.toml": toml("[programs.web]", 'command = "x"') }).http).toBeNull();
  });

  test.each([
    ['"127.0.0.1:9001"', { type: "tcp", host: "127.0.0.1", port: 9001 }],
    ['"localhost:0"', { type: "tcp", host: "localhost", port: 0 }],
    ['"[::1]:9001"', { type: "tcp", host: "::1", port: 9001 }],
    ['"/run/tsvisor-http.sock"', { type: "unix", path: "/run/tsvisor-http.sock" }],
  ])("listen = %s", (value, listen) => {
    expect(load(withHttp(`listen = ${value}`)).http).toEqual({ listen, token: null, token_file: null, read_only: false, socket_mode: 0o600, username: null, password: null } as never);
  });

  test("a relative socket path is taken from the config file's directory", () => {
    const config = load(withHttp('listen = "./http.sock"'));
    expect(config.http!.listen).toEqual({ type: "unix", path: config.file.replace(/tsvisor\.toml$/, "http.sock") });
  });

  test("the token is expanded from the environment; the variables it names are kept", () => {
    const config = load(withHttp('listen = "0.0.0.0:9001"', 'token = "${TSVISOR_TOKEN}"', "read_only = true"), { env: { TSVISOR_TOKEN: TOKEN } });
    expect([config.http, config.secret_variables]).toEqual([{ listen: { type: "tcp", host: "0.0.0.0", port: 9001 }, token: TOKEN, token_file: null, read_only: true, socket_mode: 0o600, username: null, password: null }, ["TSVISOR_TOKEN"]]);
    const joined = load(withHttp('listen = "127.0.0.1:9001"', 'token = "${PART_A}-${PART_B:-fallback-part}"'), { env: { PART_A: "a".repeat(16) } });
    expect([joined.http!.token, joined.secret_variables]).toEqual([`${"a".repeat(16)}-fallback-part`, ["PART_A", "PART_B"]]);
  });

  test("password and rpc_password are expanded like the token, and the variables they name are kept", () => {
    const config = load({
      "tsvisor.toml": toml("[supervisor]", 'rpc_username = "ops"', 'rpc_password = "${RPC_PW}"', "[programs.web]", 'command = "x"',
        "[http]", 'listen = "127.0.0.1:9001"', 'username = "ops"', 'password = "${HTTP_PW:-unused}$$"'),
    }, { env: { RPC_PW: "rpc-secret", HTTP_PW: "http-secret" } });
    expect([config.supervisor.rpc_password, config.http!.password, config.secret_variables]).toEqual(["rpc-secret", "http-secret$", ["RPC_PW", "HTTP_PW"]]);
    expect(loadError(withHttp('listen = "127.0.0.1:9001"', 'username = "ops"', 'password = "${HTTP_PW}"'))).toContain("http.password: variable HTTP_PW is not set");
  });

  test("supervisord.conf's username and password expand %(ENV_X)s as supervisord does; a \"$\" in them stays", () => {
    const ini = "[unix_http_server]\nfile=/tmp/x.sock\nusername=ops\npassword=%(ENV_RPC_PW)s$\n[inet_http_server]\nport=127.0.0.1:9001\nusername=%(ENV_WHO)s\npassword=%(ENV_HTTP_PW)s\n[program:web]\ncommand=x\n";
    const config = load({ "supervisord.conf": ini }, { file: "supervisord.conf", env: { RPC_PW: "rpc-secret", WHO: "ops", HTTP_PW: "http-$ecret" } });
    expect([config.supervisor.rpc_password, config.http!.username, config.http!.password]).toEqual(["rpc-secret$", "ops", "http-$ecret"]);
  });

  test("a non-loopback address without a token is refused, with the fix", () => {
    expect(loadError(withHttp('listen = "0.0.0.0:9001"'))).toMatchInlineSnapshot(`
      "tsvisor.toml:5:10: http.listen: "0.0.0.0:9001" is not a loopback address, so [http] needs a token (or username and password)
          5 | listen = "0.0.0.0:9001"
            |          ^
            = hint: add token_file = "/run/secrets/tsvisor_token" to [http] (a file only root can read), or listen on "127.0.0.1:PORT" or a unix socket path"
    `);
    expect(loadError(withHttp('listen = "[::]:9001"'))).toContain("is not a loopback address");
  });

  test("a short or unset token is refused", () => {
    expect(loadError(withHttp('listen = "0.0.0.0:9001"', 'token = "${TSVISOR_TOKEN}"'), { env: { TSVISOR_TOKEN: "short" } })).toMatchInlineSnapshot(`
      "tsvisor.toml:6:9: http.token: the token (expanded from "\${TSVISOR_TOKEN}") is 5 characters long; at least 16 are needed
          6 | token = "\${TSVISOR_TOKEN}"
            |         ^
            = hint: generate one with: head -c 24 /dev/urandom | base64"
    `);
    expect(loadError(withHttp('listen = "0.0.0.0:9001"', 'token = "${TSVISOR_TOKEN}"'))).toContain("variable TSVISOR_TOKEN is not set");
    expect(loadError(withHttp('listen = "127.0.0.1:9001"', `token = "${TOKEN} x"`))).toContain("may hold only visible ASCII characters");
  });

  test("every bad key is reported at once", () => {
    const text = loadError(withHttp('listen = "127.0.0.1:99999"', "read_only = \"yes\"", "lisen = 1"));
    expect(text).toContain('http.listen: expected "HOST:PORT" (port 0 to 65535');
    expect(text).toContain("http.read_only: expected true or false");
    expect(text).toContain('http.lisen: unknown key "lisen"');
  });

  test("listen is required, and socket_mode goes with a unix socket only", () => {
    expect(loadError(withHttp("read_only = true"))).toContain('http: missing required key "listen"');
    expect(loadError(withHttp('listen = "127.0.0.1:9001"', 'socket_mode = "0660"'))).toContain("socket_mode applies to a unix socket only");
    expect(load(withHttp('listen = "/tmp/x.sock"', 'socket_mode = "0660"')).http!.socket_mode).toBe(0o660);
  });

  test("[http] may be set in an included file, each key in one file only", () => {
    const files = { "tsvisor.toml": toml('include = ["http.toml"]', "[programs.web]", 'command = "x"'), "http.toml": toml("[http]", 'listen = "127.0.0.1:9001"') };
    expect(load(files).http!.listen).toEqual({ type: "tcp", host: "127.0.0.1", port: 9001 });
    const twice = { ...files, "tsvisor.toml": toml('include = ["http.toml"]', "[http]", 'listen = "127.0.0.1:9002"') };
    expect(loadError(twice)).toContain("http.listen: set in both");
  });

  test("config show writes token_file, and never the token read from it", () => {
    const dir = secretDir();
    const file = join(dir, "token");
    writeFileSync(file, `${TOKEN}\n`, { mode: 0o400 });
    const text = renderConfig(load(withHttp('listen = "127.0.0.1:9001"', `token_file = "${file}"`)));
    expect([text.includes(`token_file = "${file}"`), text.includes(TOKEN)]).toEqual([true, false]);
  });

  test("config show writes [http] and never the token", () => {
    const config = load(withHttp('listen = "[::1]:9001"', `token = "${TOKEN}"`));
    const text = renderConfig(config);
    expect(text).toContain('[http]\nlisten = "[::1]:9001"\n# token = (set; not shown)\nread_only = false');
    expect(text).not.toContain(TOKEN);
    const unix = load(withHttp('listen = "/tmp/x.sock"', 'socket_mode = "0660"', "read_only = true")).http;
    expect(load({ "tsvisor.toml": renderConfig(load(withHttp('listen = "/tmp/x.sock"', 'socket_mode = "0660"', "read_only = true"))) }).http).toEqual(unix);
  });
});

// Regression: issue 14 — a token in the environment reached every program; token_file reads it from a
// file (a Docker or Kubernetes secret) that only root may write or read, without following what others planted.
describe("[http] token_file", () => {
  test("these tests run as root: they give files to another user", () => {
    expect(process.getuid?.()).toBe(0);
  });

  // [http] with token_file = PATH, loaded; the error text when it does not load.
  const withTokenFile = (path: string, ...more: string[]) => withHttp('listen = "0.0.0.0:9001"', `token_file = ${JSON.stringify(path)}`, ...more);

  test("the token is the file's text without its trailing newline; no variable is named", () => {
    const dir = secretDir();
    writeFileSync(join(dir, "token"), `${TOKEN}\n`, { mode: 0o400 });
    writeFileSync(join(dir, "crlf"), `${TOKEN}\r\n`, { mode: 0o600 });
    const config = load(withTokenFile(join(dir, "token")));
    expect([config.http!.token, config.http!.token_file, config.secret_variables]).toEqual([TOKEN, join(dir, "token"), []]);
    expect(load(withTokenFile(join(dir, "crlf"))).http!.token).toBe(TOKEN);
  });

  test("a relative path is taken from the config file's directory", () => {
    const files = { ...withTokenFile("secret/token"), "secret/token": `${TOKEN}\n` };
    const dir = writeTree(files);
    chmodSync(join(dir, "secret/token"), 0o400);
    const config = loadConfig({ env: {}, uid: 0, cwd: dir, file: join(dir, "tsvisor.toml") });
    expect([config.http!.token, config.http!.token_file]).toEqual([TOKEN, join(dir, "secret/token")]);
  });

  test("a link made by root (Kubernetes mounts secrets through links) is followed", () => {
    const dir = secretDir();
    mkdirSync(join(dir, "..data"), { mode: 0o755 });
    writeFileSync(join(dir, "..data", "token"), TOKEN, { mode: 0o400 });
    symlinkSync("..data/token", join(dir, "token"));
    expect(load(withTokenFile(join(dir, "token"))).http!.token).toBe(TOKEN);
  });

  test("token and token_file together are refused at token_file", () => {
    const dir = secretDir();
    writeFileSync(join(dir, "token"), TOKEN, { mode: 0o400 });
    expect(loadError(withTokenFile(join(dir, "token"), `token = "${TOKEN}"`))).toMatchInlineSnapshot(`
      "tsvisor.toml:6:1: http.token_file: token and token_file are both set; the token must come from one of them
          6 | token_file = "${join(dir, "token")}"
            | ^
            = hint: remove token (token_file keeps the secret out of every program's environment)"
    `);
  });

  // What others may have done to the file or its directory, and what tsvisor says.
  test.each([
    ["no file", () => join(secretDir(), "missing"), "no such file"],
    ["a file every user can read", () => secret({ mode: 0o644 }), "can be read by every user (mode 0644): every one of them would hold the token"],
    ["a file others can write", () => secret({ mode: 0o622 }), "can be written by other users (mode 0622): they could set the token"],
    ["a file of another user", () => secret({ owner: NOBODY }), "belongs to uid 65534, not to root or the config file's owner"],
    ["a link another user made", () => {
      const dir = secretDir();
      const target = secret({});
      symlinkSync(target, join(dir, "token"));
      lchown(join(dir, "token"));
      return join(dir, "token");
    }, "is a symbolic link made by uid 65534; tsvisor follows a link as root only when root or the config file's owner made it"],
    ["a directory others can write", () => {
      const dir = secretDir();
      chmodSync(dir, 0o777);
      writeFileSync(join(dir, "token"), TOKEN, { mode: 0o400 });
      return join(dir, "token");
    }, "is a directory other users can write (mode 0777): they could put a token of their own there"],
    ["a directory of another user", () => {
      const dir = secretDir();
      mkdirSync(join(dir, "theirs"), { mode: 0o755 });
      writeFileSync(join(dir, "theirs", "token"), TOKEN, { mode: 0o400 });
      chownSync(join(dir, "theirs"), NOBODY, NOBODY);
      return join(dir, "theirs", "token");
    }, "theirs belongs to uid 65534, not to root or the config file's owner"],
    ["a FIFO (which must not hang the read)", () => {
      const path = join(secretDir(), "fifo");
      Bun.spawnSync(["mkfifo", "-m", "0600", path]);
      return path;
    }, "is not a regular file (a FIFO)"],
    ["a file larger than a token", () => secret({ text: "x".repeat(5000) }), "it holds more than 4096 bytes; a token file holds one token"],
    ["a short token", () => secret({ text: "short\n" }), "is 5 characters long; at least 16 are needed"],
    ["two lines", () => secret({ text: `${TOKEN}\n${TOKEN}\n` }), "may hold only visible ASCII characters, no spaces"],
  ] as [string, () => string, string][])("%s is refused, at the key, with the reason", (_, make, reason) => {
    const path = make();
    const text = loadError(withTokenFile(path));
    expect(text.split("\n")[0]).toStartWith("tsvisor.toml:6:14: http.token_file: ");
    expect(text).toContain(reason);
    expect(text).not.toContain(TOKEN);
  });

  test("a non-loopback listen with token_file needs no token key", () => {
    expect(load(withTokenFile(secret({}))).http!.token).toBe(TOKEN);
  });
});

// A token file in a fresh secret directory: root's and 0400 unless told otherwise.
function secret(options: { mode?: number; owner?: number; text?: string }): string {
  const path = join(secretDir(), "token");
  writeFileSync(path, options.text ?? `${TOKEN}\n`);
  chmodSync(path, options.mode ?? 0o400);
  if (options.owner !== undefined) chownSync(path, options.owner, options.owner);
  return path;
}

// Give a symbolic link itself (not its target) to nobody.
function lchown(path: string): void {
  const done = Bun.spawnSync(["chown", "-h", `${NOBODY}:${NOBODY}`, path]);
  if (done.exitCode !== 0) throw new Error(done.stderr.toString());
}

describe("which hosts are loopback", () => {
  test.each([
    ["localhost", true], ["LOCALHOST", true], ["app.localhost", true], ["127.0.0.1", true], ["127.9.8.7", true],
    ["::1", true], ["[::1]", true], ["0:0:0:0:0:0:0:1", true], ["::ffff:127.0.0.1", true],
    ["0.0.0.0", false], ["::", false], ["10.0.0.1", false], ["localhost.example.com", false], ["128.0.0.1", false], ["evil.example", false],
  ])("%s -> %p", (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });
});

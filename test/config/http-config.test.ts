import { describe, expect, test } from "bun:test";
import { renderConfig } from "../../src/config/render.ts";
import { isLoopbackHost } from "../../src/config/loopback.ts";
import { load, loadError, toml } from "./_helpers.ts";

const withHttp = (...lines: string[]) => ({ "tsvisor.toml": toml("[programs.web]", 'command = "x"', "", "[http]", ...lines) });
const TOKEN = "s3cret-token-0123456789";

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
    expect(load(withHttp(`listen = ${value}`)).http).toEqual({ listen, token: null, read_only: false, socket_mode: 0o600 } as never);
  });

  test("a relative socket path is taken from the config file's directory", () => {
    const config = load(withHttp('listen = "./http.sock"'));
    expect(config.http!.listen).toEqual({ type: "unix", path: config.file.replace(/tsvisor\.toml$/, "http.sock") });
  });

  test("the token is expanded from the environment", () => {
    const http = load(withHttp('listen = "0.0.0.0:9001"', 'token = "${TSVISOR_TOKEN}"', "read_only = true"), { env: { TSVISOR_TOKEN: TOKEN } }).http;
    expect(http).toEqual({ listen: { type: "tcp", host: "0.0.0.0", port: 9001 }, token: TOKEN, read_only: true, socket_mode: 0o600 });
  });

  test("a non-loopback address without a token is refused, with the fix", () => {
    expect(loadError(withHttp('listen = "0.0.0.0:9001"'))).toMatchInlineSnapshot(`
      "tsvisor.toml:5:10: http.listen: "0.0.0.0:9001" is not a loopback address, so [http] needs a token
          5 | listen = "0.0.0.0:9001"
            |          ^
            = hint: add token = "\${TSVISOR_TOKEN}" to [http] and export TSVISOR_TOKEN, or listen on "127.0.0.1:PORT" or a unix socket path"
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

  test("config show writes [http] and never the token", () => {
    const config = load(withHttp('listen = "[::1]:9001"', `token = "${TOKEN}"`));
    const text = renderConfig(config);
    expect(text).toContain('[http]\nlisten = "[::1]:9001"\n# token = (set; not shown)\nread_only = false');
    expect(text).not.toContain(TOKEN);
    const unix = load(withHttp('listen = "/tmp/x.sock"', 'socket_mode = "0660"', "read_only = true")).http;
    expect(load({ "tsvisor.toml": renderConfig(load(withHttp('listen = "/tmp/x.sock"', 'socket_mode = "0660"', "read_only = true"))) }).http).toEqual(unix);
  });
});

describe("which hosts are loopback", () => {
  test.each([
    ["localhost", true], ["LOCALHOST", true], ["app.localhost", true], ["127.0.0.1", true], ["127.9.8.7", true],
    ["::1", true], ["[::1]", true], ["0:0:0:0:0:0:0:1", true], ["::ffff:127.0.0.1", true],
    ["0.0.0.0", false], ["::", false], ["10.0.0.1", false], ["localhost.example.com", false], ["128.0.0.1", false], ["evil.example", false],
  ])("%s -> %p", (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });
});

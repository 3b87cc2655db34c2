// Regression (red team, 2026-12-07): `[http] password = "${RT_HTTP_PW}"` was taken literally, so Basic
// auth with the variable's value was refused and the guessable text "${RT_HTTP_PW}" accepted, while the
// real secret still reached every program's environment. rpc_password (the control socket's XML-RPC
// credentials) and supervisord.conf's %(ENV_X)s in username/password were taken literally too.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { Daemon, freePort, runTsvisor, tempDir, waitFor } from "../../integration/_harness.ts";

const HTTP_PW = "http-secret-0123456789";
const RPC_PW = "rpc-secret-0123456789";
const GET_STATE = '<?xml version="1.0"?><methodCall><methodName>supervisor.getState</methodName><params/></methodCall>';
const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` });

// The status of GET /api/v1/programs over TCP, and of an XML-RPC call on the control socket, with that password.
const httpStatus = async (port: number, password: string) => (await fetch(`http://127.0.0.1:${port}/api/v1/programs`, { headers: basic("ops", password) })).status;
const rpcStatus = async (socket: string, password: string) =>
  (await fetch("http://localhost/RPC2", { unix: socket, method: "POST", body: GET_STATE, headers: { ...basic("ops", password), "content-type": "text/xml" } })).status;

test("${VAR} in [http] password and [supervisor] rpc_password is the variable's value, and no program inherits the variable", async () => {
  using dir = tempDir();
  const port = freePort();
  await using daemon = Daemon.start(dir.path, `
[supervisor]
rpc_username = "ops"
rpc_password = "\${RT_RPC_PW}"
[http]
listen = "127.0.0.1:${port}"
username = "ops"
password = "\${RT_HTTP_PW}"
[programs.web]
command = ["sh", "-c", "echo \\"http=\${RT_HTTP_PW-unset} rpc=\${RT_RPC_PW-unset}\\"; exec sleep 1000"]
startsecs = 0
`, { env: { RT_HTTP_PW: HTTP_PW, RT_RPC_PW: RPC_PW } });
  await daemon.waitForLog(/success: web entered RUNNING/);
  expect(await Promise.all([httpStatus(port, HTTP_PW), httpStatus(port, "${RT_HTTP_PW}"), rpcStatus(daemon.socket, RPC_PW), rpcStatus(daemon.socket, "${RT_RPC_PW}")]))
    .toEqual([200, 401, 200, 401]);
  expect(await waitFor(() => daemon.stdout.find((line) => line.includes("http=")), "the program's line")).toEndWith("http=unset rpc=unset");
});

test("supervisord.conf's password=%(ENV_X)s is the variable's value, as under supervisord", async () => {
  using dir = tempDir();
  const port = freePort();
  await using daemon = Daemon.startFile(dir.path, "supervisord.conf", `[supervisord]
childlogdir=${join(dir.path, "logs")}
[inet_http_server]
port=127.0.0.1:${port}
username=ops
password=%(ENV_RT_HTTP_PW)s
[program:web]
command=sleep 1000
startsecs=0
`, { env: { RT_HTTP_PW: HTTP_PW } });
  await daemon.waitForLog(/success: web entered RUNNING/);
  expect(await Promise.all([httpStatus(port, HTTP_PW), httpStatus(port, "%(ENV_RT_HTTP_PW)s")])).toEqual([200, 401]);
});

// (second red team, 2026-12-07) A default is literal text: "${A:-${B}}" gave the password "<A's value>}"
// with no word of it, and config check said ok. A "${" inside a default is now refused, saying where.
test("a reference inside a default is refused with the key and what is allowed, not taken as text", async () => {
  using dir = tempDir();
  const config = join(dir.path, "tsvisor.toml");
  await Bun.write(config, `[http]\nlisten = "127.0.0.1:${freePort()}"\nusername = "ops"\npassword = "\${RT_HTTP_PW:-\${RT_OTHER}}"\n[programs.web]\ncommand = ["sleep", "1000"]\n`);
  const { stderr, exitCode } = await runTsvisor(["config", "check", "-c", config], { env: { RT_HTTP_PW: HTTP_PW } });
  expect(exitCode).toBe(2);
  expect(stderr).toContain("http.password");
  expect(stderr).toContain('a default cannot hold another reference: "${RT_HTTP_PW:-${RT_OTHER}"');
});

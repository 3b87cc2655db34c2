// Program output that reaches an operator's terminal has its control characters shown, not obeyed
// (docs/security.md, "Program output on a terminal"); log files and pipes keep the bytes as written.
// (The regression, red-team finding F11: an OSC 52 clipboard write and a line-erasing CSI from a
// program as nobody reached root's terminal through the console mirror and `tsvisor logs`.)
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { TSVISOR, runTsvisor, tempDir, writeConfig } from "./_harness.ts";

const ensured = Bun.spawnSync(["bash", join(import.meta.dir, "../../scripts/ensure-debian-packages.sh"), "bsdutils"], { stderr: "pipe" });
if (!ensured.success) throw new Error(`cannot install bsdutils (script): ${ensured.stderr.toString()}`);

// What the program prints: text, an OSC 52 clipboard write (BEL-ended), erase-line, a carriage return
// and a line dressed as tsvisor's own; then a UTF-8 character, a C1 CSI (U+009B) and a right-to-left
// override (U+202E), which would show "exe.png" as "gnp.exe" on a terminal that does bidi.
const PRINTF = String.raw`ok\033]52;c;ZWNobyBwd25lZA==\007\033[2K\rINFO all good \303\251 \302\2332J \342\200\256gnp.exe\n`;
const RAW = "ok\u001b]52;c;ZWNobyBwd25lZA==\u0007\u001b[2K\rINFO all good é \u009b2J \u202egnp.exe\n";
const SHOWN = "ok^[]52;c;ZWNobyBwd25lZA==^G^[[2K^MINFO all good é ^[[2J <U+202E>gnp.exe";

// A command on a pseudo-terminal (script(1)), and everything the terminal was sent.
async function onTerminal(command: string): Promise<string> {
  const proc = Bun.spawn(["script", "-qefc", command, "/dev/null"], { env: { ...process.env, TERM: "xterm" }, stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  const [out] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  return out.replaceAll("\r\n", "\n");
}

test("escape sequences a program prints are shown, not obeyed, on tsvisor run's terminal and by `tsvisor logs` on a terminal; the log file and a pipe keep them as written", async () => {
  using dir = tempDir();
  const config = writeConfig(dir.path, `[supervisor]
socket = ${JSON.stringify(join(dir.path, "tsvisor.sock"))}
[programs.app]
command = ["sh", "-c", 'printf "${PRINTF}"; exit 3']
user = "nobody"
startsecs = 0
autorestart = false
critical = true
`);
  const mirror = await onTerminal(`${TSVISOR} run -c ${config}`);
  const logs = await onTerminal(`${TSVISOR} logs -c ${config} app`);
  const piped = await runTsvisor(["logs", "-c", config, "app"]);
  expect({
    mirror: mirror.split("\n").filter((line) => line.startsWith("app | ")),
    logs,
    file: readFileSync(join(dir.path, "logs", "app.out.log"), "utf8"),
    piped: piped.stdout,
  }).toEqual({ mirror: [`app | ${SHOWN}`], logs: `${SHOWN}\n`, file: RAW, piped: RAW });
});

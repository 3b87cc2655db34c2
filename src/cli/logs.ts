// `tsvisor logs NAME [-n N] [-f] [--stderr]`: a process's log from its files, found through the
// config, so it works whether tsvisor runs or not (the control socket is not needed to read a file).
// `tsvisor logs --reopen`: ask the running tsvisor to reopen its log files (SIGUSR2's job), e.g. from
// a logrotate postrotate script.
import { defineCommand } from "citty";
import { loadConfig } from "../config/load.ts";
import { findProcess, logFileOf } from "../config/process-log.ts";
import { TsvisorError } from "../errors.ts";
import { follow, lastLines, openCursor, type LogCursor } from "../logs/tail.ts";
import { configArgs, socketArgs } from "./_args.ts";
import { EXIT, fail } from "./_exit.ts";
import { refused, request } from "./_request.ts";

export default defineCommand({
  meta: { name: "logs", description: "Print the last lines of a process's log; -f follows it across rotations" },
  args: {
    name: { type: "positional", description: "process name (as `config check` lists them); not with --reopen", required: false },
    lines: { type: "string", alias: "n", description: "how many lines (default 50)", valueHint: "N" },
    follow: { type: "boolean", alias: "f", description: "keep printing new lines, across rotations (tail -F)" },
    stderr: { type: "boolean", description: "the stderr log instead of the stdout log" },
    reopen: { type: "boolean", description: "make the running tsvisor reopen every log file (after logrotate moved them)" },
    ...configArgs,
    ...socketArgs,
  },
  async run({ args }) {
    if (args.reopen) return reopenLogs(args);
    try {
      if (!args.name) throw new TsvisorError("USAGE", "name a process: tsvisor logs NAME [-n N] [-f] [--stderr], or tsvisor logs --reopen");
      const count = parseCount(args.lines);
      const { cursor, backups, path } = await openProcessLog(args, args.name, args.stderr ? "stderr" : "stdout");
      if (cursor.fd === null && !args.follow) throw new TsvisorError("NO_LOG", `no log yet: ${path} does not exist`, "the process has not written anything since its log was created; -f waits for it");
      await write(lastLines(cursor, backups, count));
      if (args.follow) await follow(cursor, (data) => void process.stdout.write(data));
    } catch (error) {
      // a link planted among the log's files: the log is not ok (1); the rest are usage or config (2)
      fail(error, error instanceof TsvisorError && error.code === "UNSAFE_PATH" ? EXIT.NOT_OK : EXIT.USAGE);
    }
  },
});

/** A process's log, its current file opened where reading starts, as `tsvisor logs` and `tsvisor top`'s log pane read it. */
export async function openProcessLog(args: { config?: string | undefined }, name: string, stream: "stdout" | "stderr"): Promise<{ cursor: LogCursor; backups: number; path: string }> {
  const config = loadConfig({ ...(args.config === undefined ? {} : { file: args.config }), env: process.env, cwd: process.cwd(), uid: process.getuid?.() ?? 0 });
  const spec = findProcess(config.processes, name, config.file);
  const { path, backups } = logFileOf(spec, stream);
  return { cursor: openCursor(path, `${spec.name}'s ${stream}`), backups, path };
}

async function reopenLogs(args: { socket?: string; config?: string }): Promise<void> {
  const reply = await request(args, { op: "reopen_logs" });
  if (!reply.ok) return refused(reply.error);
  process.stdout.write(`reopened ${reply.result.files} log files\n`);
}

function parseCount(text: string | undefined): number {
  if (text === undefined) return 50;
  if (/^\d+$/.test(text)) return Number(text);
  throw new TsvisorError("USAGE", `-n expects a number of lines >= 0; got ${JSON.stringify(text)}`);
}

function write(data: Buffer): Promise<void> {
  return new Promise((resolve) => (data.length === 0 ? resolve() : process.stdout.write(data, () => resolve())));
}

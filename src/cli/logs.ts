// `tsvisor logs NAME... [-n N] [-f] [--stderr]`: processes' logs from their files. Where the files
// are comes from the running daemon, else from the config (_log-files.ts). One process: its bytes
// as written. Several (a program's instances, several names, `all`): one stream, each line prefixed
// with its process's name as on the console (logs/merged-tail.ts says in which order).
// `tsvisor logs --reopen`: ask the running tsvisor to reopen its log files (SIGUSR2's job), e.g. from
// a logrotate postrotate script.
import { defineCommand } from "citty";
import { logFileOf, type ProcessLogFiles } from "../config/process-log.ts";
import { TsvisorError } from "../errors.ts";
import { closeLogs, followMerged, lastLinesMerged, openLogs, type LogSource } from "../logs/merged-tail.ts";
import { follow, lastLines, openCursor, type LogCursor } from "../logs/tail.ts";
import { TerminalText } from "../logs/terminal-text.ts";
import { countOf } from "../plural.ts";
import { configArgs, socketArgs } from "./_args.ts";
import { EXIT, fail } from "./_exit.ts";
import { findLogFiles } from "./_log-files.ts";
import { refused, request } from "./_request.ts";

const USAGE = "tsvisor logs NAME... [-n N] [-f] [--stderr], or tsvisor logs --reopen";

export default defineCommand({
  meta: { name: "logs", description: "Print the last lines of processes' logs (several: one stream, each line prefixed); -f follows them across rotations" },
  args: {
    names: { type: "positional", description: "processes: a name, a program's name or GROUP:* for its instances, or all; not with --reopen", required: false, valueHint: "NAME|GROUP:*|all" },
    lines: { type: "string", alias: "n", description: "how many lines of each log (default 50)", valueHint: "N" },
    follow: { type: "boolean", alias: "f", description: "keep printing new lines, across rotations (tail -F)" },
    stderr: { type: "boolean", description: "the stderr logs instead of the stdout logs" },
    reopen: { type: "boolean", description: "make the running tsvisor reopen every log file (after logrotate moved them)" },
    ...configArgs,
    ...socketArgs,
  },
  async run({ args }) {
    if (args.reopen) return reopenLogs(args);
    try {
      if (args._.length === 0) throw new TsvisorError("USAGE", `name a process: ${USAGE}`);
      const options = { count: parseCount(args.lines), stream: args.stderr ? "stderr" : "stdout", follow: Boolean(args.follow) } as const;
      const files = await findLogFiles(args, args._);
      process.exitCode = files.length === 1 ? await printOne(files[0]!, options) : await printMerged(files, options);
    } catch (error) {
      // a link planted among the log's files: the log is not ok (1); the rest are usage or config (2)
      fail(error, isRefusal(error) ? EXIT.NOT_OK : EXIT.USAGE);
    }
  },
});

interface PrintOptions {
  count: number;
  stream: "stdout" | "stderr";
  follow: boolean;
}

// One process: its log's bytes as they are, no prefix (as `tail -F` would print them).
async function printOne(files: ProcessLogFiles, options: PrintOptions): Promise<number> {
  const { path, backups } = logFileOf(files, options.stream);
  const cursor = openCursor(path, `${files.name}'s ${options.stream}`);
  if (cursor.fd === null && !options.follow) throw new TsvisorError("NO_LOG", `no log yet: ${path} does not exist`, "the process has not written anything since its log was created; -f waits for it");
  const shown = forStdout();
  await write(shown(lastLines(cursor, backups, options.count)));
  if (options.follow) await follow(cursor, (data) => void process.stdout.write(shown(data)));
  return EXIT.OK;
}

// Several: the logs that can be read, merged; each one left out is said on stderr. Exit 1 when one
// was refused (a planted link); 2 when nothing could be shown, for a reason other than that.
async function printMerged(files: readonly ProcessLogFiles[], options: PrintOptions): Promise<number> {
  const leftOut: TsvisorError[] = [];
  const sources: LogSource[] = [];
  for (const f of files) {
    try {
      const { path, backups } = logFileOf(f, options.stream);
      sources.push({ name: f.name, path, backups, timestamps: f.timestamps, label: `${f.name}'s ${options.stream}` });
    } catch (error) {
      if (!(error instanceof TsvisorError)) throw error;
      leftOut.push(error);
    }
  }
  if (sources.length === 0) throw new TsvisorError("NO_LOG", leftOut.map((e) => e.message).join("\n"));
  const opened = openLogs(sources);
  try {
    leftOut.push(...opened.refused);
    if (!options.follow && leftOut.length === 0 && opened.logs.every((log) => log.cursor.fd === null)) {
      throw new TsvisorError("NO_LOG", `no log yet: none of the ${countOf(sources.length, "log")} exists`, "the processes have not written anything since their logs were created; -f waits for them");
    }
    const last = lastLinesMerged(opened.logs, options.count, options.follow);
    leftOut.push(...last.refused);
    for (const error of leftOut) process.stderr.write(`tsvisor: ${error.message}; left out\n`);
    const shown = forStdout(); // whole lines: one decoder serves every log
    await write(shown(last.output));
    if (options.follow) {
      await followMerged(last.logs, (data) => void process.stdout.write(shown(data)), (error, log) => {
        process.stderr.write(`tsvisor: ${log.source.label}: ${(error as Error).message}; no longer followed\n`);
      });
    }
    if (leftOut.some(isRefusal)) return EXIT.NOT_OK;
    return last.logs.length > 0 ? EXIT.OK : EXIT.USAGE;
  } finally {
    closeLogs(opened.logs);
  }
}

/** A process's log, its current file opened where reading starts, as `tsvisor top`'s log pane reads it
 * (the paths from the daemon, else the config, as `tsvisor logs`). */
export async function openProcessLog(args: { config?: string | undefined; socket?: string | undefined }, name: string, stream: "stdout" | "stderr"): Promise<{ cursor: LogCursor; backups: number; path: string }> {
  const [files] = await findLogFiles(args, [name]);
  if (files === undefined) throw new TsvisorError("NO_LOG", `no log of ${name}`);
  const { path, backups } = logFileOf(files, stream);
  return { cursor: openCursor(path, `${files.name}'s ${stream}`), backups, path };
}

async function reopenLogs(args: { socket?: string; config?: string }): Promise<void> {
  const reply = await request(args, { op: "reopen_logs" });
  if (!reply.ok) return refused(reply.error);
  process.stdout.write(`reopened ${countOf(reply.result.files, "log file")}\n`);
}

const isRefusal = (error: unknown): boolean => error instanceof TsvisorError && error.code === "UNSAFE_PATH";

function parseCount(text: string | undefined): number {
  if (text === undefined) return 50;
  if (/^\d+$/.test(text)) return Number(text);
  throw new TsvisorError("USAGE", `-n expects a number of lines >= 0; got ${JSON.stringify(text)}`);
}

// On a terminal, a log's control characters are shown, not obeyed (logs/terminal-text.ts); into a
// pipe or a file, its bytes go as written (`tsvisor logs web > copy.log` is the log).
function forStdout(): (data: Buffer) => Buffer {
  if (!process.stdout.isTTY) return (data) => data;
  const text = new TerminalText();
  return (data) => text.push(data);
}

function write(data: Buffer): Promise<void> {
  return new Promise((resolve) => (data.length === 0 ? resolve() : process.stdout.write(data, () => resolve())));
}

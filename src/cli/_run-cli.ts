import { renderUsage, runCommand, type ArgsDef, type CommandDef } from "citty";
import { version } from "../../package.json";
import { stripAnsi, wantsColour } from "../colour.ts";
import { suggest } from "../config/suggest.ts";
import { EXIT } from "./_exit.ts";

// Options that may come before the command, as supervisorctl users type them (`supervisorctl -c
// FILE status`): `tsvisor -c FILE status`, `tsvisor --socket PATH check`. They are moved behind the
// command name, where every command that reads a config or talks to the daemon declares them.
const GLOBAL_OPTIONS_WITH_VALUE = ["-c", "--config", "--socket"];

// citty's runMain exits 1 on a usage error; tsvisor's contract says 2 (1 means "not ok"), so this
// is runMain with that difference, and with what citty leaves out: options before the command,
// unknown options refused (citty ignores them), usage without colour where colour does not belong.
// citty does not export CLIError: it is recognised by name.
export async function runCli(root: CommandDef, givenArgs: string[]): Promise<void> {
  // `tsvisor --version`: this binary's version only, as tini and supervisord answer it (`tsvisor
  // version` also asks the running daemon). citty leaves that flag to runMain.
  if (givenArgs[0] === "--version") {
    process.stdout.write(`tsvisor ${version}\n`);
    process.exit(EXIT.OK);
  }
  const rawArgs = moveGlobalOptions(givenArgs);
  // A client command whose reader went away (`tsvisor status | head -1`, `logs -f | grep -m1 x`) ends
  // quietly; the daemon has its own rule for a closed stdout (console-mirror.ts).
  if (rawArgs[0] !== "run") endQuietlyOnBrokenPipe();
  const [command, parent, unknown] = await resolveCommand(root, rawArgs);
  if (rawArgs.some((arg) => arg === "--help" || arg === "-h") && !rawArgs.includes("--")) {
    return printUsage(process.stdout, command, parent); // exit 0 once written (or 141 if no one reads)
  }
  try {
    if (unknown !== null) throw usageError(unknown);
    await runCommand(root, { rawArgs });
  } catch (error) {
    if (isBrokenPipe(error)) process.exit(EXIT.BROKEN_PIPE);
    if (!(error instanceof Error) || error.name !== "CLIError") throw error;
    await printUsage(process.stderr, command, parent);
    process.stderr.write(`tsvisor: ${wantsColour(process.stderr) ? error.message : stripAnsi(error.message)}\n`);
    process.exit(EXIT.USAGE);
  }
}

// `-c FILE status web` -> `status -c FILE web`: leading global options go behind the command name.
export function moveGlobalOptions(rawArgs: readonly string[]): string[] {
  const leading: string[] = [];
  let i = 0;
  for (; i < rawArgs.length; i++) {
    const arg = rawArgs[i]!;
    if (GLOBAL_OPTIONS_WITH_VALUE.includes(arg) && i + 1 < rawArgs.length) leading.push(arg, rawArgs[++i]!);
    else if (GLOBAL_OPTIONS_WITH_VALUE.some((o) => o.startsWith("--") && arg.startsWith(`${o}=`))) leading.push(arg);
    else break;
  }
  if (leading.length === 0 || i >= rawArgs.length) return [...rawArgs];
  return [rawArgs[i]!, ...leading, ...rawArgs.slice(i + 1)];
}

// The deepest subcommand named by rawArgs, its parent, and the first option it does not declare
// (null when every option is known).
async function resolveCommand(root: CommandDef, rawArgs: string[]): Promise<[CommandDef, CommandDef | undefined, string | null]> {
  let cmd = root;
  let parent: CommandDef | undefined;
  let rest = rawArgs;
  for (;;) {
    const subs = typeof cmd.subCommands === "function" ? await cmd.subCommands() : await cmd.subCommands;
    const name = rest[0];
    const sub = name !== undefined && subs && Object.hasOwn(subs, name) ? subs[name] : undefined;
    if (!sub) break;
    parent = cmd;
    cmd = await (typeof sub === "function" ? sub() : sub) as CommandDef;
    rest = rest.slice(1);
  }
  const args = (typeof cmd.args === "function" ? await cmd.args() : await cmd.args) ?? {};
  return [cmd, parent, cmd === root ? null : unknownOption(rest, args)];
}

// What is wrong with the first option in `rest` that `args` does not declare (`--bogus`, `--nowait`,
// `-x`), with the nearest known spelling; null when every option is known. Stops at `--`.
export function unknownOption(rest: readonly string[], args: ArgsDef): string | null {
  const known = new Set(["--help", "-h"]);
  const takesValue = new Set<string>();
  for (const [name, def] of Object.entries(args)) {
    if (def.type === "positional") continue;
    const kebab = name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    const alias: string | string[] | undefined = "alias" in def ? def.alias : undefined;
    const aliases = alias === undefined ? [] : Array.isArray(alias) ? alias : [alias];
    const spellings = [`--${name}`, `--${kebab}`, ...aliases.map((a) => (a.length === 1 ? `-${a}` : `--${a}`))];
    if (def.type === "boolean") spellings.push(`--no-${name}`, `--no-${kebab}`);
    for (const s of spellings) known.add(s);
    if (def.type === "string" || def.type === "enum") for (const s of spellings) takesValue.add(s);
  }
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === "--") break;
    if (!arg.startsWith("-") || arg === "-" || /^-\d/.test(arg)) continue;
    const name = arg.includes("=") ? arg.slice(0, arg.indexOf("=")) : arg;
    if (!known.has(name)) {
      const near = suggest(name, [...known]);
      return `unknown option ${name}${near ? ` (did you mean ${near}?)` : ""}`;
    }
    if (takesValue.has(name) && !arg.includes("=")) i++; // its value may look like an option
  }
  return null;
}

function usageError(message: string): Error {
  const error = new Error(message);
  error.name = "CLIError";
  return error;
}

// citty's usage text, coloured only for a terminal (citty colours it whatever the stream is).
async function printUsage(stream: NodeJS.WriteStream, command: CommandDef, parent?: CommandDef): Promise<void> {
  const text = await renderUsage(command, parent);
  stream.write(`${wantsColour(stream) ? text : stripAnsi(text)}\n\n`);
}

// EPIPE on stdout or stderr: as a Unix tool killed by SIGPIPE would end (Bun ignores the signal, so
// the write fails instead), without a stack trace; a write may fail in a callback (`logs -f`), hence
// the process-wide handlers. Anything else is still a crash with its stack.
function endQuietlyOnBrokenPipe(): void {
  const onError = (error: unknown) => {
    if (isBrokenPipe(error)) process.exit(EXIT.BROKEN_PIPE);
    console.error(error);
    process.exit(EXIT.NOT_OK);
  };
  process.on("uncaughtException", onError);
  process.on("unhandledRejection", onError);
}

const isBrokenPipe = (error: unknown): boolean => (error as NodeJS.ErrnoException | null)?.code === "EPIPE";

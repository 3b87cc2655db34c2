import { runCommand, showUsage, type CommandDef } from "citty";
import { version } from "../../package.json";
import { EXIT } from "./_exit.ts";

// What init mode's arguments start with (init-mode.ts isInitModeArgs() decides): `--`, `-g --`, and
// the flag of init mode's own helper process.
const INIT_MODE_FIRST_ARGS = ["--", "-g", "--internal-init-child"];

// citty's runMain exits 1 on a usage error; tsvisor's contract says 2 (1 means "not ok"), so this
// is runMain with that one difference. citty does not export CLIError: it is recognised by name.
export async function runCli(root: CommandDef, rawArgs: string[]): Promise<void> {
  // `tsvisor --version`: this binary's version only, as tini and supervisord answer it (`tsvisor
  // version` also asks the running daemon). citty leaves that flag to runMain.
  if (rawArgs[0] === "--version") {
    process.stdout.write(`tsvisor ${version}\n`);
    process.exit(EXIT.OK);
  }
  // `tsvisor [-g] -- CMD ...` bypasses citty: CMD's arguments are CMD's, whatever they look like.
  // Init mode's modules load only when the first argument can start it: `tsvisor check`, run every
  // few seconds by probes, must not pay for them (~15 ms, bench/RESULTS.md).
  if (rawArgs[0] !== undefined && INIT_MODE_FIRST_ARGS.includes(rawArgs[0])) {
    const initMode = await import("./init-mode.ts");
    if (initMode.isInitModeArgs(rawArgs)) return initMode.runInitMode(rawArgs);
  }
  if (rawArgs.some((arg) => arg === "--help" || arg === "-h") && !rawArgs.includes("--")) {
    await showUsage(...(await resolveForUsage(root, rawArgs)));
    process.exit(EXIT.OK);
  }
  try {
    await runCommand(root, { rawArgs });
  } catch (error) {
    if (!(error instanceof Error) || error.name !== "CLIError") throw error;
    await showUsage(...(await resolveForUsage(root, rawArgs)));
    process.stderr.write(`tsvisor: ${error.message}\n`);
    process.exit(EXIT.USAGE);
  }
}

// The deepest subcommand named by rawArgs, with its parent, for showUsage().
async function resolveForUsage(root: CommandDef, rawArgs: string[]): Promise<[CommandDef, CommandDef?]> {
  let cmd = root;
  let parent: CommandDef | undefined;
  for (const arg of rawArgs) {
    const subs = typeof cmd.subCommands === "function" ? await cmd.subCommands() : await cmd.subCommands;
    const sub = subs?.[arg];
    if (!sub) break;
    parent = cmd;
    cmd = await (typeof sub === "function" ? sub() : sub) as CommandDef;
  }
  return [cmd, parent];
}

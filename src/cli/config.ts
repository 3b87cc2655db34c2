// `tsvisor config check|show`: load the config the way `run` would, without starting anything.
import { defineCommand } from "citty";
import { loadConfig } from "../config/load.ts";
import { type DefaultSocket, renderConfig } from "../config/render.ts";
import { defaultSocketCandidates, socketOverride } from "../config/socket-path.ts";
import type { Config } from "../config/schema.ts";
import { configArgs } from "./_args.ts";
import { fail } from "./_exit.ts";

const check = defineCommand({
  meta: { name: "check", description: "Validate the config and list the processes it defines" },
  args: { ...configArgs },
  run({ args }) {
    const config = load(args.config);
    // what the daemon would log as warnings at start (a supervisord.conf key tsvisor does not carry out)
    for (const note of config.notes) console.error(`warning: ${note}`);
    const width = Math.max(10, ...config.processes.map((p) => p.name.length));
    for (const { name, program: p } of config.processes) {
      const summary = `priority ${p.priority}, autorestart ${p.autorestart}, startsecs ${p.startsecs}`;
      console.log(`${name.padEnd(width)} ${p.command.map(quote).join(" ")}  (${summary})`);
    }
    const programs = plural(Object.keys(config.programs).length, "program");
    console.log(`config ok: ${config.file} (${programs}, ${plural(config.processes.length, "process", "processes")})`);
  },
});

const show = defineCommand({
  meta: { name: "show", description: "Print the resolved config as TOML, every default filled in" },
  args: { ...configArgs },
  run({ args }) {
    const config = load(args.config);
    process.stdout.write(renderConfig(config, defaultSocket(config)));
  },
});

// `config check` and `config show`; the root command registers it.
export const configCommand = defineCommand({
  meta: { name: "config", description: "Check or show the config file" },
  subCommands: { check, show },
});

// Exit 2 with every diagnostic on stderr when the config does not load (fail() prints them).
function load(file: string | undefined): Config {
  try {
    return loadConfig({ ...(file === undefined ? {} : { file }), env: process.env, cwd: process.cwd(), uid: process.getuid?.() ?? 0 });
  } catch (error) {
    fail(error);
  }
}

// The socket `tsvisor run` would use with this config, in this environment, when the config names none.
// Only described, never made: `config show` changes nothing on disk (daemonSocketPath would make a
// private directory), so the fallbacks the daemon tries in turn are named too.
function defaultSocket(config: Config): DefaultSocket {
  const ctx = { env: process.env, cwd: process.cwd(), uid: process.getuid?.() ?? 0 };
  const override = socketOverride(ctx);
  if (override !== null) return { path: override, why: "from $TSVISOR_SOCKET, which tsvisor run would use" };
  const [first, ...fallbacks] = defaultSocketCandidates(ctx, config.file);
  const why = ctx.uid === 0 ? "the default as root" : ctx.env.XDG_RUNTIME_DIR ? "the default for this user: in $XDG_RUNTIME_DIR" : "the default for this user: beside the config file";
  const then = fallbacks.length === 0 ? "" : `; where it cannot be made, ${fallbacks.map((c) => c.path).join(", then ")}`;
  return { path: first!.path, why: `${why}${then}` };
}

// Show argv as a shell would need it typed, so the line can be copied.
function quote(arg: string): string {
  return /^[A-Za-z0-9_\/.,:=@%+-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

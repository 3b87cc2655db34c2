// `tsvisor config check|show`: load the config the way `run` would, without starting anything.
import { defineCommand } from "citty";
import { loadConfig } from "../config/load.ts";
import { renderConfig } from "../config/render.ts";
import type { Config } from "../config/schema.ts";
import { configArgs } from "./_args.ts";
import { fail } from "./_exit.ts";

const check = defineCommand({
  meta: { name: "check", description: "Validate the config and list the processes it defines" },
  args: { ...configArgs },
  run({ args }) {
    const config = load(args.config);
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
    process.stdout.write(renderConfig(load(args.config)));
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

// Show argv as a shell would need it typed, so the line can be copied.
function quote(arg: string): string {
  return /^[A-Za-z0-9_\/.,:=@%+-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

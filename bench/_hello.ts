// The runtime floor every benchmark compares tsvisor's commands with: a compiled Bun program that
// does nothing of its own, built by scripts/build.sh with tsvisor's own flags (--bytecode, --minify,
// --splitting ...) and the same Bun, so the difference to tsvisor is tsvisor's code, not the build.
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");

/** Prints "hello\n" and exits: the start-up floor of a command such as `tsvisor check`. */
export const HELLO_WORLD = 'process.stdout.write("hello\\n");\n';
/** Stays up doing nothing: the idle-memory floor of a daemon. */
export const IDLE_FOREVER = "setInterval(() => {}, 1e8);\n";

// Compiles `source` into dir/name and returns the executable's path; throws if the build failed.
export function buildBunProgram(dir: string, name: string, source: string): string {
  const entry = join(dir, `${name}.ts`);
  const outfile = join(dir, name);
  writeFileSync(entry, source);
  // build.sh runs `bun` from PATH: this very Bun (its file is bun.exe in node_modules)
  const bin = join(dir, "bin");
  mkdirSync(bin, { recursive: true });
  if (!existsSync(join(bin, "bun"))) symlinkSync(process.execPath, join(bin, "bun"));
  const env = { ...process.env, BUILD_ENTRIES: entry, PATH: `${bin}:${process.env.PATH}` };
  const build = Bun.spawnSync(["bash", join(ROOT, "scripts/build.sh"), outfile], { env, stdout: "ignore", stderr: "pipe" });
  if (build.exitCode !== 0) throw new Error(`building ${name} failed: ${build.stderr.toString()}`);
  return outfile;
}

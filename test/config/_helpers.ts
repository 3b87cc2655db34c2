// Config files in a fresh temp dir, loaded the way `run` loads them, with the environment and uid given.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type LoadOptions, loadConfig } from "../../src/config/load.ts";
import type { Config } from "../../src/config/schema.ts";
import { TsvisorError } from "../../src/errors.ts";

// Write files (path -> text, relative to a new temp dir); returns the dir.
export function writeTree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "tsvisor-config-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

// Lines joined with "\n" and a final newline, so a test shows line numbers plainly.
export const toml = (...lines: string[]) => `${lines.join("\n")}\n`;

type Options = Partial<Omit<LoadOptions, "cwd">>;

// Load tsvisor.toml from a temp dir holding files, as root with an empty environment unless told
// otherwise. The dir is removed once loaded (a test run makes over a thousand).
export function load(files: Record<string, string>, options: Options = {}): Config {
  const dir = writeTree(files);
  try {
    return loadConfig({ env: {}, uid: 0, systemFile: join(dir, "no-system.toml"), ...options, cwd: dir });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// The error loading files throws: its message (what `config check` prints after "tsvisor: ") and hint.
export function loadError(files: Record<string, string>, options: Options = {}): string {
  return errorText(() => load(files, options));
}

// The text of the TsvisorError that run throws, hint on a last line as fail() prints it.
export function errorText(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (!(error instanceof TsvisorError)) throw error;
    return error.hint === undefined ? error.message : `${error.message}\nhint: ${error.hint}`;
  }
  throw new Error("expected an error");
}

// Docs cannot drift from the CLI (issue 19): every `tsvisor …` command line in a ```sh (or untyped) block of the
// README and docs/ is one the binary accepts — its command exists and it has no option the command
// refuses. Each runs against a socket and a config that do not exist, so nothing is started: the
// exit code is 2 for "cannot reach tsvisor" or "no config", never a usage error.
import { expect, test } from "bun:test";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { TSVISOR } from "../integration/_harness.ts";

const ROOT = join(import.meta.dir, "../..");
const DOCS = ["README.md", ...readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];

// Placeholders as the docs write them -> a value the parser takes.
const PLACEHOLDERS: [RegExp, string][] = [[/\bNAME\b|\bGROUP\b/g, "web"], [/\bSIG\b/g, "HUP"], [/\bFILE\b/g, "x.toml"], [/\bPATH\b/g, "/nonexistent.sock"], [/\bN\b/g, "5"], [/\.\.\./g, ""]];

// The lines of every fenced block whose language is sh, console or none.
function shellLines(markdown: string): string[] {
  const lines: string[] = [];
  let fence: string | null = null; // the language of the open block, "" for none
  for (const line of markdown.split("\n")) {
    const opening = /^\s*```(\S*)\s*$/.exec(line);
    if (opening) fence = fence === null ? opening[1]! : null;
    else if (fence !== null && ["", "sh", "console"].includes(fence)) lines.push(line);
  }
  return lines;
}

// [doc, command, complete]: a command of a shell block is a whole command line; one quoted in prose
// (`tsvisor signal`) may leave out its arguments, but not misspell its command or options.
function commandLines(): [string, string, boolean][] {
  const found: [string, string, boolean][] = [];
  const add = (doc: string, command: string, complete: boolean) => {
    // run and init mode would start things; `|`, `&`, `$` belong to a shell or to an alternation
    if (!/^tsvisor\s/.test(command) || / -- |^tsvisor (run|COMMAND)\b|[|&;<>$`\\]/.test(command)) return;
    found.push([doc, command, complete]);
  };
  for (const doc of DOCS) {
    const markdown = readFileSync(join(ROOT, doc), "utf8");
    for (const line of shellLines(markdown)) add(doc, line.replace(/^\s*\$?\s*/, "").replace(/\s+#.*$/, "").trim(), true);
    for (const [, span] of markdown.matchAll(/`(tsvisor [^`]*)`/g)) add(doc, span!.trim(), false);
  }
  return found;
}

const lines = commandLines();

test("the docs show tsvisor commands", () => {
  expect(lines.length).toBeGreaterThan(5);
});

test.each(lines)("%s: `%s` is a command line the binary accepts", (_doc, command, complete) => {
  let args = command.replace(/\[([^\]]*)\]/g, "$1").replace(/\|[^\s\]]*/g, "");
  for (const [pattern, value] of PLACEHOLDERS) args = args.replace(pattern, value);
  const argv = args.split(/\s+/).filter(Boolean).slice(1);
  const r = Bun.spawnSync([TSVISOR, ...argv], { env: { ...process.env, TSVISOR_SOCKET: "/nonexistent/tsvisor.sock", TSVISOR_CONFIG: "/nonexistent/tsvisor.toml" }, stdin: "ignore" });
  const stderr = r.stderr.toString();
  const usage = complete ? /unknown option|Unknown command|Missing required|Invalid value/i : /unknown option|Unknown command/i;
  expect({ argv, usageError: usage.test(stderr) ? stderr.trim().split("\n").at(-1) : null })
    .toEqual({ argv, usageError: null });
});

// Every config the project ships passes `tsvisor config check` on the binary.
const shippedConfigs = [...new Bun.Glob("{examples,packaging}/**/*.toml").scanSync(ROOT)].sort();

test.each(shippedConfigs)("%s passes tsvisor config check", (file) => {
  const r = Bun.spawnSync([TSVISOR, "config", "check", "-c", join(ROOT, file)], { env: { ...process.env, TSVISOR_TOKEN: "a-token-of-20-chars!" } });
  expect([r.exitCode, r.stderr.toString()]).toEqual([0, ""]);
});

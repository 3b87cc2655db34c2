// Rewrite the Mermaid diagram in docs/states.md from src/supervisor/machine.ts's transition table:
//   bun scripts/state-graph.ts
// test/supervisor/state-graph.test.ts fails until the two agree.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderMermaid } from "../src/supervisor/state-graph.ts";

const doc = join(import.meta.dir, "../docs/states.md");
const text = readFileSync(doc, "utf8");
const next = text.replace(/```mermaid\n[\s\S]*?```/, () => `\`\`\`mermaid\n${renderMermaid()}\`\`\``);
if (next === text) process.stdout.write("docs/states.md is up to date\n");
else {
  writeFileSync(doc, next);
  process.stdout.write("docs/states.md: diagram rewritten\n");
}

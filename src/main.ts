import { runCli } from "./cli/_run-cli.ts";
import { root } from "./cli/index.ts";

await runCli(root, process.argv.slice(2));

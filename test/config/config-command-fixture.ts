// `tsvisor config ...` without the root command (the lead wires it into cli/index.ts).
import { runMain } from "citty";
import { configCommand } from "../../src/cli/config.ts";

await runMain(configCommand);

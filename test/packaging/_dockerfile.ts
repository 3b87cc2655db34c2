// Read a Dockerfile into stages (with dockerfile-ast, the parser behind VS Code's Dockerfile support),
// and replay its build in a directory: no Docker engine runs on these machines, so each stage is a
// directory standing for the image's file system, COPY copies into it and RUN runs there.
import { cpSync, existsSync, mkdirSync, statSync } from "node:fs";
import { basename, join, posix } from "node:path";
import { DockerfileParser, type Instruction } from "dockerfile-ast";

export interface Step {
  keyword: string;
  /** 1-based line, for messages. */
  line: number;
  /** Arguments without flags, as written (shell form split on blanks). */
  args: string[];
  /** The whole argument text, flags excluded where the parser knows them (RUN's shell command). */
  text: string;
  /** COPY --from=… */
  from: string | null;
  /** ENTRYPOINT/CMD in exec form, or HEALTHCHECK CMD's exec form; null when in shell form. */
  exec: string[] | null;
}

export interface Stage {
  name: string | null;
  image: string;
  steps: Step[];
}

export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of DockerfileParser.parse(text).getInstructions()) {
    const keyword = instruction.getKeyword();
    if (keyword === "FROM") {
      const from = instruction as Instruction & { getImage(): string | null; getBuildStage(): string | null };
      stages.push({ name: from.getBuildStage(), image: from.getImage() ?? "", steps: [] });
      continue;
    }
    const step: Step = {
      keyword,
      line: instruction.getRange().start.line + 1,
      args: instruction.getArguments().map((a) => a.getValue()),
      text: instruction.getArgumentsContent() ?? "",
      from: (instruction as Instruction & { getFromFlag?(): { getValue(): string | null } | null }).getFromFlag?.()?.getValue() ?? null,
      exec: execForm(instruction),
    };
    // An ARG before the first FROM belongs to no stage.
    stages.at(-1)?.steps.push(step);
  }
  return stages;
}

// ["tsvisor", "run"] for ENTRYPOINT ["tsvisor", "run"] and HEALTHCHECK --interval=5s CMD ["tsvisor", "check"].
function execForm(instruction: Instruction): string[] | null {
  const keyword = instruction.getKeyword();
  if (keyword !== "ENTRYPOINT" && keyword !== "CMD" && keyword !== "HEALTHCHECK") return null;
  const text = (instruction.getRawArgumentsContent() ?? "").replace(/^(\s*--[a-z-]+=\S+)*\s*/, "");
  const json = keyword === "HEALTHCHECK" ? text.replace(/^CMD\s+/, "") : text;
  if (!json.startsWith("[")) return null;
  try {
    const parsed = JSON.parse(json);
    return Array.isArray(parsed) && parsed.every((s) => typeof s === "string") ? parsed : null;
  } catch {
    return null;
  }
}

/**
 * Build `stages` in `dir`: dir/<stage> is each stage's root. The base image's own files are not
 * there: a RUN uses this machine's tools (node, npm), as the base image would provide its own.
 * Instructions that change no file (ENV, ENTRYPOINT, HEALTHCHECK, ...) are metadata and skipped.
 */
export function replayBuild(stages: Stage[], context: string, dir: string): Map<string, string> {
  const roots = new Map<string, string>();
  for (const [index, stage] of stages.entries()) {
    const name = stage.name ?? String(index);
    const root = join(dir, name);
    mkdirSync(root, { recursive: true });
    roots.set(name, root);
    let workdir = "/";
    const env: Record<string, string> = {};
    for (const step of stage.steps) {
      const where = `${name}:${step.line} ${step.keyword}`;
      switch (step.keyword) {
        case "WORKDIR":
          workdir = posix.resolve(workdir, step.args[0]!);
          mkdirSync(join(root, workdir), { recursive: true });
          break;
        case "COPY": {
          const sources = step.args.slice(0, -1);
          const dest = posix.resolve(workdir, step.args.at(-1)!);
          const fromRoot = step.from === null ? context : roots.get(step.from);
          if (fromRoot === undefined) throw new Error(`${where}: --from=${step.from} is not an earlier stage of this replay`);
          const intoDirectory = step.args.at(-1)!.endsWith("/") || sources.length > 1;
          for (const source of sources) {
            const path = join(fromRoot, source);
            if (!existsSync(path)) throw new Error(`${where}: ${source} does not exist in ${step.from ?? "the build context"}`);
            const target = intoDirectory && !statSync(path).isDirectory() ? join(root, dest, basename(source)) : join(root, dest);
            mkdirSync(intoDirectory ? join(root, dest) : join(target, ".."), { recursive: true });
            cpSync(path, target, { recursive: true });
          }
          break;
        }
        case "RUN": {
          const run = Bun.spawnSync(["sh", "-c", step.text], { cwd: join(root, workdir), env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
          if (!run.success) throw new Error(`${where} ${step.text} failed (${run.exitCode}):\n${run.stderr.toString()}`);
          break;
        }
        case "ENV":
          // ENV KEY=value ...: later RUNs see it, as in an image.
          for (const pair of step.args) env[pair.slice(0, pair.indexOf("="))] = pair.slice(pair.indexOf("=") + 1);
          break;
        case "ARG": case "EXPOSE": case "STOPSIGNAL": case "HEALTHCHECK": case "ENTRYPOINT": case "CMD": case "LABEL":
          break;
        default:
          throw new Error(`${where}: the replay does not know ${step.keyword}; teach it before using it`);
      }
    }
  }
  return roots;
}

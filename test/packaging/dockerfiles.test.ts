// The Dockerfiles, compose file and Kubernetes manifest, checked without a Docker engine (none runs
// here; hadolint is on neither the npm registry nor Debian): dockerfile-utils' linter, then what
// tsvisor's images need — sources that exist, exec-form ENTRYPOINT/CMD/HEALTHCHECK, the right
// commands, and grace periods longer than the configs' graceful stop.
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { validate } from "dockerfile-utils";
import { loadConfig } from "../../src/config/load.ts";
import { parseDockerfile, type Stage } from "./_dockerfile.ts";
import { worstCaseStopSeconds } from "./_stop-time.ts";

const REPO = resolve(import.meta.dir, "../..");
const read = (path: string) => readFileSync(join(REPO, path), "utf8");
const DOCKERFILES = ["Dockerfile", "packaging/docker/init-mode/Dockerfile", "packaging/docker/web-worker/Dockerfile"];
const IGNORED = read(".dockerignore").split("\n").filter((l) => l && !l.startsWith("#"));
const lastStage = (stages: Stage[]) => stages.at(-1)!;
const stepsOf = (stage: Stage, keyword: string) => stage.steps.filter((s) => s.keyword === keyword);

describe.each(DOCKERFILES)("%s", (path) => {
  const text = read(path);
  const stages = parseDockerfile(text);

  test("the linter finds nothing", () => {
    expect(validate(text).map((d) => `${path}:${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  test("every COPY source is in the build context (the repo, less .dockerignore) or an earlier stage", () => {
    const problems: string[] = [];
    for (const [index, stage] of stages.entries()) {
      const earlier = new Set(stages.slice(0, index).map((s) => s.name));
      for (const step of stepsOf(stage, "COPY")) {
        if (step.from !== null) {
          if (!earlier.has(step.from)) problems.push(`${step.line}: --from=${step.from} is no earlier stage`);
          continue;
        }
        for (const source of step.args.slice(0, -1)) {
          if (IGNORED.some((i) => source === i || source.startsWith(`${i}/`))) problems.push(`${step.line}: ${source} is in .dockerignore`);
          else if (!existsSync(join(REPO, source))) problems.push(`${step.line}: ${source} is missing`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  test("ENTRYPOINT, CMD and HEALTHCHECK are in exec form: no shell between the runtime and tsvisor", () => {
    const steps = lastStage(stages).steps.filter((s) => ["ENTRYPOINT", "CMD", "HEALTHCHECK"].includes(s.keyword));
    expect(steps.filter((s) => s.exec === null).map((s) => `${s.line}: ${s.keyword} ${s.text}`)).toEqual([]);
  });

  test("the image runs tsvisor as its entrypoint, with tsvisor at /usr/local/bin/tsvisor", () => {
    const image = lastStage(stages);
    expect(stepsOf(image, "ENTRYPOINT").at(-1)?.exec?.[0]).toBe("tsvisor");
    expect(stepsOf(image, "COPY").some((s) => s.args.at(-1) === "/usr/local/bin/tsvisor")).toBe(true);
  });
});

test("the top-level Dockerfile builds with npm and bun, then copies only the executable and a config into a slim image", () => {
  const stages = parseDockerfile(read("Dockerfile"));
  expect(stages.map((s) => [s.name, s.image])).toEqual([["build", "node:20-bookworm-slim"], ["runtime", "debian:bookworm-slim"]]);
  expect(stepsOf(stages[0]!, "RUN").map((s) => s.text)).toEqual(["npm ci --no-audit --no-fund", "npm run build"]);
  const runtime = stages[1]!;
  expect(stepsOf(runtime, "COPY").map((s) => [s.from, ...s.args])).toEqual([
    ["build", "/src/dist/tsvisor", "/usr/local/bin/tsvisor"],
    [null, "packaging/docker/tsvisor.toml", "/etc/tsvisor/tsvisor.toml"],
  ]);
  expect([stepsOf(runtime, "ENTRYPOINT")[0]!.exec, stepsOf(runtime, "HEALTHCHECK")[0]!.exec]).toEqual([["tsvisor", "run"], ["tsvisor", "check"]]);
});

test("the init-mode example puts `tsvisor --` where tini was, in front of the image's CMD", () => {
  const image = lastStage(parseDockerfile(read("packaging/docker/init-mode/Dockerfile")));
  expect([stepsOf(image, "ENTRYPOINT")[0]!.exec, stepsOf(image, "CMD")[0]!.exec]).toEqual([["tsvisor", "--"], ["node", "http-server.mjs"]]);
});

describe("the web + worker example", () => {
  const config = loadConfig({ file: join(REPO, "packaging/docker/web-worker/tsvisor.toml"), env: {}, cwd: REPO, uid: 0 });
  const manifests = Bun.YAML.parse(read("packaging/kubernetes/deployment.yaml")) as any[];
  const configMap = manifests.find((m) => m.kind === "ConfigMap");
  const pod = manifests.find((m) => m.kind === "Deployment").spec.template.spec;

  test("its config runs web and two workers from /app, the web server stopping first", () => {
    expect(config.processes.map((p) => [p.name, p.program.directory, p.program.priority])).toEqual([
      ["web", "/app", 200], ["worker-0", "/app", 100], ["worker-1", "/app", 100],
    ]);
    expect(worstCaseStopSeconds(config)).toBe(40);
  });

  test("compose's stop_grace_period exceeds the graceful stop (compose's default 10 s would not)", () => {
    const compose = Bun.YAML.parse(read("packaging/docker/web-worker/compose.yaml")) as any;
    expect(Number(compose.services.app.stop_grace_period.replace(/s$/, ""))).toBeGreaterThan(worstCaseStopSeconds(config));
  });

  test("Kubernetes gets the same config, a grace period above the graceful stop, and exec probes on `tsvisor check`", () => {
    expect(configMap.data["tsvisor.toml"]).toBe(read("packaging/docker/web-worker/tsvisor.toml"));
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(worstCaseStopSeconds(config));
    const container = pod.containers[0];
    expect([container.livenessProbe.exec.command, container.readinessProbe.exec.command]).toEqual([["tsvisor", "check"], ["tsvisor", "check", "web"]]);
    expect(container.volumeMounts).toEqual([{ name: "config", mountPath: "/etc/tsvisor", readOnly: true }]);
  });
});

// The images the Docker tests run: the project's three Dockerfiles built as shipped, on stand-ins for
// the two base images they name (no image registry is reachable here):
//   debian:bookworm-slim    a debootstrapped minbase bookworm, imported (`tar -C ROOTFS -c . | docker import -`)
//   node:20-bookworm-slim   that, plus this machine's node and npm where the official image has them,
//                           and the machine's CA bundle: npm reaches the registry through a proxy
//                           whose CA only the machine trusts
// Both stay in the engine's cached data root; the project images are rebuilt every run (the build
// cache makes an unchanged one take a second).
import { cpSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { exec, execOk } from "../infra/command.ts";
import { DEBIAN_RELEASE, debianRootfs } from "../infra/debian-rootfs.ts";
import { dockerEngine, type DockerEngine } from "./_engine.ts";

export const REPO = resolve(import.meta.dir, "../..");

// The tags the Dockerfiles and docs/install.md use.
export const IMAGES = {
  /** The top-level Dockerfile: tsvisor and its example config, ENTRYPOINT ["tsvisor", "run"]. */
  tsvisor: "tsvisor",
  /** packaging/docker/init-mode: ENTRYPOINT ["tsvisor", "--"], CMD ["node", "http-server.mjs"]. */
  initMode: "tsvisor-init-example",
  /** packaging/docker/web-worker: a web server and two workers under `tsvisor run`, HEALTHCHECK. */
  webWorker: "tsvisor-web-worker",
} as const;

const NODE_MAJOR = 20;
/** The stand-ins for the official base images; a test may run them (a release binary in debian-slim). */
export const BASE_IMAGES = {
  debian: `debian:${DEBIAN_RELEASE}-slim`,
  node: `node:${NODE_MAJOR}-${DEBIAN_RELEASE}-slim`,
} as const;
const DEBIAN_IMAGE = BASE_IMAGES.debian;
const NODE_IMAGE = BASE_IMAGES.node;
// What the node stand-in was made from; a change (a new node on the machine) makes it again.
const SOURCE_LABEL = "tsvisor.test.source";

let built: Promise<typeof IMAGES> | null = null;

/** The engine, with the project's images built from the current source (once per run). */
export async function projectImages(): Promise<typeof IMAGES> {
  built ??= (async () => {
    const engine = await dockerEngine();
    await baseImages(engine);
    // The build stage tagged too: the classic builder's cache is its images, and an untagged stage
    // would be pruned as dangling when the engine stops (every run would then run `npm ci` again).
    await buildImage(engine, "Dockerfile", "tsvisor-build-stage", { target: "build" });
    await buildImage(engine, "Dockerfile", IMAGES.tsvisor);
    await buildImage(engine, "packaging/docker/init-mode/Dockerfile", IMAGES.initMode);
    await buildImage(engine, "packaging/docker/web-worker/Dockerfile", IMAGES.webWorker);
    return IMAGES;
  })();
  return built;
}

/**
 * `docker build` of `dockerfile` as `tag`; the image id. The context is the repository unless given;
 * `target` builds one stage of a multi-stage Dockerfile.
 */
export async function buildImage(engine: DockerEngine, dockerfile: string, tag: string, options: { context?: string; target?: string } = {}): Promise<string> {
  const context = options.context ?? REPO;
  const target = options.target ? ["--target", options.target] : [];
  // --network=host: the engine has no bridge, and `npm ci` in the build stage needs the registry.
  await engine.dockerOk(["build", "--network=host", ...target, "-f", resolve(context, dockerfile), "-t", tag, context], { timeoutMs: 15 * 60_000 });
  return (await engine.dockerOk(["image", "inspect", "-f", "{{.Id}}", tag])).stdout.trim();
}

/** The engine, with the stand-ins for the base images (not the project's images): for a test that runs a binary in debian-slim. */
export async function baseImagesOnly(): Promise<typeof BASE_IMAGES> {
  await baseImages(await dockerEngine());
  return BASE_IMAGES;
}

async function baseImages(engine: DockerEngine): Promise<void> {
  if ((await engine.docker(["image", "inspect", DEBIAN_IMAGE])).exitCode !== 0) {
    const rootfs = await debianRootfs({ name: "minbase" });
    // The official image's default command; a Dockerfile's own CMD or ENTRYPOINT replaces it.
    await execOk(["bash", "-o", "pipefail", "-c", `tar -C "$1" -c . | "$2" import --change 'CMD ["bash"]' - "$3"`, "import", rootfs, engine.client, DEBIAN_IMAGE], {
      env: engine.env, timeoutMs: 10 * 60_000,
    });
  }
  const node = await machineNode();
  const current = await engine.docker(["image", "inspect", "-f", `{{index .Config.Labels "${SOURCE_LABEL}"}}`, NODE_IMAGE]);
  if (current.stdout.trim() !== node.source) await buildNodeImage(engine, node);
}

interface MachineNode {
  binary: string;
  npmDir: string;
  caBundle: string;
  registry: string;
  /** Versions and CA bundle digest: the stand-in's identity. */
  source: string;
}

async function machineNode(): Promise<MachineNode> {
  const node = Bun.which("node");
  const npm = Bun.which("npm");
  if (!node || !npm) throw new Error("node and npm must be on PATH: the node:20 stand-in image is made from this machine's");
  const version = (await execOk([node, "--version"])).stdout.trim();
  if (version.split(".")[0] !== `v${NODE_MAJOR}`) {
    throw new Error(`the Dockerfiles build FROM ${NODE_IMAGE}, made here from this machine's node, which is ${version}: install Node.js ${NODE_MAJOR}`);
  }
  const config = async (key: string) => (await exec([npm, "config", "get", key])).stdout.trim();
  const cafile = await config("cafile");
  const caBundle = cafile && cafile !== "null" && cafile !== "undefined" ? cafile : process.env.NODE_EXTRA_CA_CERTS ?? "/etc/ssl/certs/ca-certificates.crt";
  const registry = await config("registry");
  const npmDir = dirname(dirname(realpathSync(npm))); // .../node_modules/npm/bin/npm-cli.js
  const npmVersion = JSON.parse(readFileSync(join(npmDir, "package.json"), "utf8")).version as string;
  const caDigest = new Bun.CryptoHasher("sha256").update(readFileSync(caBundle)).digest("hex").slice(0, 16);
  return { binary: realpathSync(node), npmDir, caBundle, registry, source: `node ${version}, npm ${npmVersion}, ca ${caDigest}, ${registry}` };
}

// node at /usr/local/bin as in the official image; npm's global config (PREFIX/etc/npmrc) names the
// machine's registry and CA bundle, and NODE_EXTRA_CA_CERTS adds it to node's own for other clients.
async function buildNodeImage(engine: DockerEngine, node: MachineNode): Promise<void> {
  const context = mkdtempSync(join(tmpdir(), "tsvisor-node-image-"));
  try {
    cpSync(node.binary, join(context, "node"));
    cpSync(node.npmDir, join(context, "npm"), { recursive: true });
    cpSync(node.caBundle, join(context, "ca-certificates.crt"));
    writeFileSync(join(context, "npmrc"), `registry=${node.registry}\ncafile=/etc/ssl/certs/ca-certificates.crt\n`);
    writeFileSync(join(context, "Dockerfile"), `FROM ${DEBIAN_IMAGE}
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY npmrc /usr/local/etc/npmrc
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
LABEL ${SOURCE_LABEL}=${JSON.stringify(node.source)}
CMD ["node"]
`);
    await buildImage(engine, "Dockerfile", NODE_IMAGE, { context });
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

// Debian root file systems made with debootstrap from the mirror apt uses here, kept in the test
// cache keyed by release: no image registry is reachable, so the images and the booted systemd of
// the slow suites are built from these.
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { cachedDirectory } from "./cache-dir.ts";
import { exec, execOk, tail } from "./command.ts";
import { ensureDebianPackages } from "./debian-packages.ts";

/** The release of the Dockerfiles' base images (debian:bookworm-slim, node:20-bookworm-slim). */
export const DEBIAN_RELEASE = "bookworm";

export interface RootfsSpec {
  /** The cache entry's name, after the release: "minbase" -> debian-bookworm-minbase. */
  name: string;
  /** Packages beyond debootstrap's minbase variant (what Docker's *-slim images start from). */
  include?: string[];
}

/** A debootstrapped root file system (a directory in the test cache: never write into it). */
export async function debianRootfs(spec: RootfsSpec, release = DEBIAN_RELEASE): Promise<string> {
  return cachedDirectory(`debian-${release}-${spec.name}`, async (dir) => {
    await ensureDebianPackages("debootstrap");
    const include = spec.include?.length ? [`--include=${spec.include.join(",")}`] : [];
    const out = await exec(["debootstrap", "--variant=minbase", ...include, release, dir, await debianMirror(release)], { timeoutMs: 20 * 60_000 });
    if (out.exitCode !== 0) {
      // debootstrap's own log says which package failed; its stdout only that something did.
      const log = await exec(["tail", "-n", "30", join(dir, "debootstrap/debootstrap.log")]);
      throw new Error(`debootstrap of ${release} (${spec.name}) failed (exit ${out.exitCode})\n${tail(out.stdout + out.stderr)}\n${log.stdout}`);
    }
    // As Docker's slim images: no downloaded packages, no package lists.
    for (const leftover of ["var/cache/apt/archives", "var/lib/apt/lists"]) {
      rmSync(join(dir, leftover), { recursive: true, force: true });
      mkdirSync(join(dir, leftover, "partial"), { recursive: true });
    }
  });
}

/** The mirror apt is configured with for `release`: the one CI reaches (through the machine's proxy). */
export async function debianMirror(release: string): Promise<string> {
  const out = await execOk(["apt-get", "indextargets", "--format", "$(REPO_URI)", `Release: ${release}`, "Target-Of: deb"]);
  const mirror = out.stdout.split("\n").find((line) => line.startsWith("http"));
  if (!mirror) throw new Error(`apt has no source for Debian ${release} (apt-get indextargets): debootstrap needs its mirror`);
  return mirror;
}

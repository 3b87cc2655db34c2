// The Debian packages a test needs, installed through the project's script when missing: a clean CI
// machine gets them without a manual step.
import { resolve } from "node:path";
import { execOk } from "./command.ts";

const ENSURE = resolve(import.meta.dir, "../../scripts/ensure-debian-packages.sh");

/** Install whichever of `packages` is missing (apt-get, as root); throws with apt's message. */
export async function ensureDebianPackages(...packages: string[]): Promise<void> {
  await execOk(["bash", ENSURE, ...packages], { timeoutMs: 15 * 60_000 });
}

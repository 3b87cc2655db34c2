// Running a command as another local user, the attacker of docs/security.md: nobody (uid and gid
// 65534, no supplementary groups), through setpriv, with a bare environment.
export const NOBODY = 65534;

/** argv started as nobody, from `/` unless told, its stdout piped; stderr piped or shown. */
export function spawnAsNobody(argv: string[], options: { cwd?: string; stderr?: "pipe" | "inherit" | "ignore" } = {}) {
  return Bun.spawn(["setpriv", `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", ...argv], {
    cwd: options.cwd ?? "/", env: { PATH: process.env.PATH ?? "/usr/bin:/bin" }, stdin: "ignore", stdout: "pipe", stderr: options.stderr ?? "pipe",
  });
}

/** argv as nobody, to completion: what it printed and its exit code. */
export async function runAsNobody(argv: string[], options: { cwd?: string } = {}) {
  const proc = spawnAsNobody(argv, options);
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, exitCode };
}

/** A TypeScript fixture run by Bun as nobody (the test runner's own Bun). */
export function bunAsNobody(script: string, args: string[], options: { cwd?: string } = {}) {
  return runAsNobody([process.execPath, script, ...args], options);
}

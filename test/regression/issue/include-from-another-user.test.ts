// Regression (red team, 2026-12-07): `include = ["conf.d/*.toml"]` read any file that matched, whoever
// owned it. With conf.d writable by a program's user (an app-owned config directory), that user added a
// program with no `user =`, and root ran it at the next reload: `id` printed uid=0. `config check` said
// "config ok". An include is now read only if no one but root, the user running tsvisor or the main
// config's owner could have written it or swapped it (config/include-trust.ts).
import { expect, test } from "bun:test";
import { chownSync, chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Daemon, runTsvisor, tempDir } from "../../integration/_harness.ts";
import { NOBODY, runAsNobody } from "../../integration/_nobody.ts";

test("a program added by another user in an included directory is refused at reload and by config check; root runs nothing of it", async () => {
  expect(process.getuid?.()).toBe(0);
  using dir = tempDir();
  chmodSync(dir.path, 0o755); // the main config's directory is root's alone
  const confd = join(dir.path, "conf.d");
  mkdirSync(confd);
  chownSync(confd, NOBODY, NOBODY);
  const pwned = join(dir.path, "pwned");
  await using daemon = Daemon.start(dir.path, `include = ["conf.d/*.toml"]\n[programs.base]\ncommand = ["sleep", "1000"]\nstartsecs = 0\n`);
  await daemon.waitForSocket();
  const planted = await runAsNobody(["sh", "-c", `printf '[programs.pwn]\\ncommand = ["sh", "-c", "id > ${pwned}; sleep 1000"]\\nstartsecs = 0\\n' > ${confd}/evil.toml`]);
  expect(planted.exitCode).toBe(0);

  const reload = await daemon.ctl(["reload"]);
  const check = await runTsvisor(["config", "check", "-c", join(dir.path, "tsvisor.toml")]);
  const refusal = /not reading .*evil\.toml: it is owned by uid 65534, not by root/;
  expect({
    reload: [reload.exitCode !== 0, refusal.test(reload.stdout + reload.stderr)],
    check: [check.exitCode, refusal.test(check.stdout + check.stderr)],
    pwn: (await daemon.status("pwn"))?.state ?? "not there",
    ranAsRoot: existsSync(pwned),
    base: (await daemon.status("base"))?.state,
  }).toEqual({ reload: [true, true], check: [2, true], pwn: "not there", ranAsRoot: false, base: "RUNNING" });
});

test("a root-owned include in a directory another user may write is refused (they could swap it); one in root's directory is read", async () => {
  using dir = tempDir();
  chmodSync(dir.path, 0o755);
  const [open, closed] = [join(dir.path, "open"), join(dir.path, "closed")];
  mkdirSync(open);
  chmodSync(open, 0o777); // writable by all, not sticky
  mkdirSync(closed, { mode: 0o755 });
  for (const d of [open, closed]) writeFileSync(join(d, "extra.toml"), `[programs.extra]\ncommand = ["sleep", "1000"]\n`);
  const config = (include: string) => {
    const file = join(dir.path, `${include}.toml`);
    writeFileSync(file, `include = ["${include}/extra.toml"]\n[programs.base]\ncommand = ["sleep", "1000"]\n`);
    return file;
  };
  const [refused, read] = [await runTsvisor(["config", "check", "-c", config("open")]), await runTsvisor(["config", "check", "-c", config("closed")])];
  expect({
    refused: [refused.exitCode, /not reading .*extra\.toml: others may write its directory .*open \(mode 0777\)/.test(refused.stdout + refused.stderr)],
    read: [read.exitCode, read.stdout.trim().split("\n").at(-1)],
  }).toEqual({ refused: [2, true], read: [0, expect.stringContaining("config ok")] });
});

test("supervisord.conf's [include] follows the same rule", async () => {
  using dir = tempDir();
  chmodSync(dir.path, 0o755);
  const confd = join(dir.path, "conf.d");
  mkdirSync(confd);
  chownSync(confd, NOBODY, NOBODY);
  writeFileSync(join(confd, "evil.conf"), "[program:pwn]\ncommand=id\n");
  chownSync(join(confd, "evil.conf"), NOBODY, NOBODY);
  writeFileSync(join(dir.path, "supervisord.conf"), "[supervisord]\n[include]\nfiles = conf.d/*.conf\n[program:base]\ncommand=sleep 1000\n");
  const check = await runTsvisor(["config", "check", "-c", join(dir.path, "supervisord.conf")]);
  expect([check.exitCode, /not reading .*evil\.conf: it is owned by uid 65534, not by root/.test(check.stdout + check.stderr)]).toEqual([2, true]);
});

// Red team, second round: the check looked at the file and its directory only. A root conf.d in an app
// directory of nobody's was exchanged (renameat2) with nobody's own between the check and the read,
// and a reload ran nobody's program as root (13th reload). A directory above that another user may
// write or own is refused now, so nothing on the way can change after the check.
test("an include in root's directory inside another user's directory is refused: they could swap the directory after the check", async () => {
  using dir = tempDir();
  chmodSync(dir.path, 0o755);
  const app = join(dir.path, "app");
  mkdirSync(join(app, "conf.d"), { recursive: true, mode: 0o755 }); // conf.d and its file root's
  writeFileSync(join(app, "conf.d", "a.toml"), `[programs.good]\ncommand = ["sleep", "1000"]\n`);
  chownSync(app, NOBODY, NOBODY);
  writeFileSync(join(dir.path, "tsvisor.toml"), `include = ["app/conf.d/a.toml"]\n[programs.base]\ncommand = ["sleep", "1000"]\n`);
  const check = await runTsvisor(["config", "check", "-c", join(dir.path, "tsvisor.toml")]);
  expect([check.exitCode, /not reading .*a\.toml: a directory above it, .*app is owned by uid 65534, not by root/.test(check.stdout + check.stderr)]).toEqual([2, true]);
});

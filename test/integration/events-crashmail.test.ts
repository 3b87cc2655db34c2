// The crash-mail recipe of docs/events.md (examples/crashmail.sh as a hook) with a fake sendmail
// that writes each mail to a file: one crash, one mail, naming the program, its exit status and the
// tail of its stderr.
import { expect, test } from "bun:test";
import { readdirSync, readFileSync, writeFileSync, chmodSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { Daemon, TSVISOR, tempDir, waitFor } from "./_harness.ts";

const RECIPE = resolve(import.meta.dir, "../../examples/crashmail.sh");

test("a crash yields one mail naming the program, its exit status and the tail of its stderr", async () => {
  using dir = tempDir();
  const mails = join(dir.path, "mails");
  const sendmail = join(dir.path, "sendmail");
  // sendmail -t: the recipients are in the mail; this one keeps each mail in a file of its own,
  // renamed into mails/ once whole so that the test never reads half a mail
  writeFileSync(sendmail, `#!/bin/sh\n[ "$1" = "-t" ] || exit 64\nmkdir -p ${mails}\ncat > ${dir.path}/mail.$$ && mv ${dir.path}/mail.$$ ${mails}/\n`);
  chmodSync(sendmail, 0o755);
  await using daemon = Daemon.start(dir.path, `
[programs.billing]
command = ["sh", "-c", "echo starting; echo 'connecting to db' >&2; sleep 0.3; echo 'FATAL: db password rejected' >&2; exit 4"]
startsecs = 0.1
autorestart = false

[programs.cron]
command = ["sh", "-c", "exit 0"]
startsecs = 0
autorestart = false

[[hooks]]
on = ["PROCESS_STATE_EXITED"]
command = [${JSON.stringify(RECIPE)}, "ops@example.com"]
`, { env: { SENDMAIL: sendmail, PATH: `${dirname(TSVISOR)}:${process.env.PATH}` } });
  const [file] = await waitFor(() => readdirSync(dir.path).includes("mails") && readdirSync(mails).length > 0 && readdirSync(mails), "a mail");
  await daemon.waitForLog(/exited: cron \(exit status 0; expected\)/);
  const mail = readFileSync(join(mails, file!), "utf8");
  expect(mail).toMatch(/^To: ops@example.com\nSubject: \[tsvisor\] billing crashed on .+: exit status 4; not expected\n\n/);
  expect(mail).toContain("billing (pid ");
  expect(mail).toEndWith("Last lines of its stderr:\n\nconnecting to db\nFATAL: db password rejected\n");
  // cron's expected exit sends nothing, and the hook reported no failure
  expect(daemon.logLines(/hook failed/)).toEqual([]);
  expect(readdirSync(mails)).toEqual([file!]);
});

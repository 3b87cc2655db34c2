#!/bin/sh
# Crash mail, a [[hooks]] command (docs/events.md): one mail per unexpected exit, naming the program,
# how it ended, and the last lines of its stderr log. Any sendmail-compatible command works
# (postfix, msmtp, ssmtp, busybox sendmail); set SENDMAIL to use another one.
#
#   [[hooks]]
#   on = ["PROCESS_STATE_EXITED"]
#   command = ["/etc/tsvisor/crashmail.sh", "ops@example.com"]
#
# tsvisor gives the hook TSVISOR_EVENT_* variables and TSVISOR_CONFIG, so `tsvisor logs` finds the log.
set -u
to="${1:?usage: crashmail.sh ADDRESS}"
# an expected exit (exitcodes) is no crash
[ "$TSVISOR_EVENT_EXPECTED" = "false" ] || exit 0
program="$TSVISOR_EVENT_PROGRAM"
{
  printf 'To: %s\n' "$to"
  printf 'Subject: [tsvisor] %s crashed on %s: %s\n' "$program" "$(hostname)" "$TSVISOR_EVENT_REASON"
  printf '\n%s (pid %s) %s at %s.\n' "$program" "$TSVISOR_EVENT_PID" "$TSVISOR_EVENT_REASON" "$(date -u -d "@$((TSVISOR_EVENT_TIME / 1000))" +%FT%TZ 2>/dev/null || echo now)"
  printf '\nLast lines of its stderr:\n\n'
  tsvisor logs "$program" --stderr -n 20 2>&1
} | "${SENDMAIL:-sendmail}" -t

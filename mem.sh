pid=$1
grep -E '^(VmRSS|RssAnon|RssFile|RssShmem|VmHWM|Threads)' /proc/$pid/status | tr '\n' ' '; echo
grep -E '^(Pss|Private_Dirty|Private_Clean|Shared_Clean)' /proc/$pid/smaps_rollup | tr '\n' ' '; echo

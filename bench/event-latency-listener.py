#!/usr/bin/python3
# The benchmark's event listener (supervisor.childutils, Debian's python3): appends
# "<wall-clock ns> <eventname> <payload>" to argv[1] the moment each event is read, then answers OK.
import sys
import time

from supervisor import childutils

out = open(sys.argv[1], "a", buffering=1)
while True:
    headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
    out.write("%d %s %s\n" % (time.time_ns(), headers["eventname"], payload))
    childutils.listener.ok(sys.stdout)

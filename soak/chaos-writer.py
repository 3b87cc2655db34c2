# A chaos-soak program: writes 100-byte lines to stdout and keeps, in COUNTDIR/<pid>, how many bytes
# it has written. Catchable signals are blocked around "write, then record" so that the two agree
# whatever signal arrives; only SIGKILL can fall between them (the soak allows one line per SIGKILL).
import os, signal, sys, time
countdir = sys.argv[1]
for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2, signal.SIGQUIT):
    signal.signal(s, signal.SIG_DFL)
fd = os.open(os.path.join(countdir, str(os.getpid())), os.O_WRONLY | os.O_CREAT, 0o644)
blocked = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2, signal.SIGQUIT}
total = 0
n = 0
while True:
    line = (f"{os.getpid()} {n} ".ljust(99, "x") + "\n").encode()
    signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    total += os.write(1, line)
    os.pwrite(fd, f"{total:016d}".encode(), 0)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, blocked)
    n += 1
    if n % 20 == 0:
        time.sleep(0.01)

# The link-swap soak's attacker, run by tsvisor as nobody: writes numbered lines ("n-<i>") to stdout
# as fast as it can and, between lines, plants things where its log and its backups are (in APP/d,
# which it owns): links to ROOTFILE and into ROOTDIR, a FIFO (sometimes with itself as reader), a
# directory, a hard link to ROOTFILE (refused by the kernel when protected_hardlinks is on), or the
# directory d itself swapped for a link into ROOTDIR. Regular files are moved aside (APP/keep.N),
# never deleted, so every line tsvisor wrote stays readable. How many lines it wrote is kept in
# COUNTFILE; catchable signals are blocked around "write, then record" so the two always agree.
import errno, os, random, signal, stat, sys, time

app, rootfile, rootdir, countfile = sys.argv[1:5]
logdir = os.path.join(app, "d")
names = ["out.log", "out.log.1", "out.log.2", "out.log.3"]
counter = os.open(countfile, os.O_WRONLY | os.O_CREAT, 0o644)
blocked = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
for s in blocked:
    signal.signal(s, signal.SIG_DFL)
kept = 0
readers = []  # FIFOs this holds open for reading, so that tsvisor's open of them would succeed


def set_aside(path):
    """Whatever is at path goes: a regular file (or the log directory) is moved to APP/keep.N."""
    global kept
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    try:
        if stat.S_ISREG(st.st_mode) or (stat.S_ISDIR(st.st_mode) and path == logdir):
            os.rename(path, os.path.join(app, f"keep.{kept}"))
            kept += 1
        elif stat.S_ISDIR(st.st_mode):
            os.rmdir(path)
        else:
            os.unlink(path)
    except OSError:
        pass  # a non-empty planted directory stays; tsvisor must cope with it too


def plant(path):
    what = random.choice(["link-file", "link-dir", "link-dangling", "fifo", "fifo-read", "dir", "hardlink"])
    try:
        if what == "link-file":
            os.symlink(rootfile, path)
        elif what == "link-dir":
            os.symlink(rootdir, path)
        elif what == "link-dangling":
            os.symlink(os.path.join(rootdir, "created-by-tsvisor.log"), path)
        elif what in ("fifo", "fifo-read"):
            os.mkfifo(path)
            if what == "fifo-read":
                readers.append(os.open(path, os.O_RDONLY | os.O_NONBLOCK))
        elif what == "dir":
            os.mkdir(path)
        else:
            os.link(rootfile, path)
    except OSError:
        pass


def attack():
    r = random.random()
    if r < 0.15:  # the log directory itself
        set_aside(logdir)
        if random.random() < 0.5:
            try:
                os.symlink(rootdir, logdir)
            except FileExistsError:
                pass  # tsvisor made the directory again first (it makes a missing log directory)
    elif r < 0.3:  # give tsvisor a clean place again
        for name in names:
            if os.path.isdir(logdir) and not os.path.islink(logdir):
                p = os.path.join(logdir, name)
                if os.path.islink(p) or (os.path.exists(p) and not os.path.isfile(p)):
                    set_aside(p)
        if os.path.islink(logdir):
            os.unlink(logdir)
        if not os.path.exists(logdir):
            try:
                os.mkdir(logdir)
            except FileExistsError:
                pass  # tsvisor made it first
        while readers:
            os.close(readers.pop())
    elif os.path.isdir(logdir) and not os.path.islink(logdir):
        path = os.path.join(logdir, random.choice(names))
        set_aside(path)
        plant(path)
    for fd in readers:  # read what (wrongly) arrives, so that a FIFO never fills
        try:
            while os.read(fd, 65536):
                pass
        except OSError as e:
            if e.errno != errno.EAGAIN:
                raise


n = 0
while True:
    signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    os.write(1, f"n-{n}\n".encode())
    n += 1
    os.pwrite(counter, f"{n:016d}".encode(), 0)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, blocked)
    if n % 50 == 0:
        attack()
    if n % 10 == 0:
        time.sleep(0.001)  # ~10,000 lines a second: rotations come every second or so, never past the 1000 backups kept

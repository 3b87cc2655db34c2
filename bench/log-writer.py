# The benchmark's program: writes TOTAL bytes of 100-byte lines to stdout in writes of WRITE bytes
# (default 8000: whole lines; 8192, a program's stdio buffer, cuts a line at nearly every write),
# recording its start and end times (ns since the epoch) in TIMES.
#   python3 log-writer.py TOTAL TIMES [WRITE]
import os, sys, time

start = time.time_ns()
total, times = int(sys.argv[1]), sys.argv[2]
size = int(sys.argv[3]) if len(sys.argv) > 3 else 8000
line = b"x" * 99 + b"\n"
# a run of lines long enough that every write is a view of it, starting where the last one ended
stream = line * ((size + 2 * len(line)) // len(line) + 1)
write = os.write
view = memoryview(stream)
written = 0
while written < total:
    n = min(size, total - written)
    at = written % len(line)
    chunk = view[at:at + n]
    while chunk:
        chunk = chunk[write(1, chunk):]
    written += n
end = time.time_ns()
with open(times, "w") as f:
    f.write(f"{start} {end}\n")

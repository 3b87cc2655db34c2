# The benchmark's program: writes TOTAL bytes of 100-byte lines to stdout in 8000-byte writes (what a
# program's 8 KiB stdio buffer does), recording its start and end times (ns since the epoch) in TIMES.
#   python3 log-writer.py TOTAL TIMES
import os, sys, time

start = time.time_ns()
total, times = int(sys.argv[1]), sys.argv[2]
block = (b"x" * 99 + b"\n") * 80
write = os.write
for _ in range(total // len(block)):
    view = memoryview(block)
    while view:
        view = view[write(1, view):]
end = time.time_ns()
with open(times, "w") as f:
    f.write(f"{start} {end}\n")

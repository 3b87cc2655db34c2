/* The number each of many already-open files starts with, in one call: the sampler's read of every
 * idle program's /proc/PID/schedstat (os/proc-files.ts). From JavaScript each read is a call of its
 * own, which cost more than the kernel's work at 1,000 programs. Compiled at run time by Bun's TinyCC
 * (os/tiny-cc.ts); no #include, so it builds where no C headers are installed. */
typedef unsigned long size_t;
typedef long ssize_t;
ssize_t pread(int fd, void *buf, size_t n, long offset);

/* out[i]: the decimal number at the start of fds[i]'s file (read from offset 0), or -1 when the read
 * fails (the process is gone) or the file starts with no digit. A double holds nanoseconds exactly up
 * to 104 days of CPU time, and unequal ones stay unequal far beyond: the caller only compares them. */
void leading_numbers(const int *fds, int n, double *out) {
  char buf[64];
  for (int i = 0; i < n; i++) {
    ssize_t got = pread(fds[i], buf, sizeof buf, 0);
    double value = -1;
    for (ssize_t at = 0; at < got && buf[at] >= '0' && buf[at] <= '9'; at++) value = (value < 0 ? 0 : value * 10) + (buf[at] - '0');
    out[i] = value;
  }
}

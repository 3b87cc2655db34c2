// The best a pipe reader can do, for bench/logs.bench.ts: copy stdin (a pipe, grown to 1 MiB as
// tsvisor grows its programs' pipes) to stdout (a file) until EOF, nothing else: no lines, no
// rotation. `pipe-relay read` reads into a 1 MiB buffer and writes it out, as tsvisor does;
// `pipe-relay splice` moves the bytes with splice(2) and never copies them into the process.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CHUNK (1 << 20)
static char buffer[CHUNK];

static ssize_t copy_once(int spliced) {
  if (spliced) return splice(0, NULL, 1, NULL, CHUNK, 0);
  ssize_t n = read(0, buffer, CHUNK);
  for (ssize_t done = 0; n > 0 && done < n;) {
    ssize_t w = write(1, buffer + done, n - done);
    if (w < 0) return -1;
    done += w;
  }
  return n;
}

int main(int argc, char **argv) {
  if (argc != 2 || (strcmp(argv[1], "read") != 0 && strcmp(argv[1], "splice") != 0)) {
    fprintf(stderr, "usage: pipe-relay read|splice < pipe > file\n");
    return 2;
  }
  int spliced = strcmp(argv[1], "splice") == 0;
  fcntl(0, F_SETPIPE_SZ, CHUNK);
  for (;;) {
    ssize_t n = copy_once(spliced);
    if (n < 0) {
      perror("pipe-relay");
      return 1;
    }
    if (n == 0) return 0;
  }
}

// The best a pipe reader can do, for bench/logs.bench.ts: copy stdin (a pipe, grown to 1 MiB as
// tsvisor grows its programs' pipes) to stdout (a file) until EOF, nothing else: no lines, no
// rotation. `pipe-relay read` reads into a 1 MiB buffer and writes it out, as tsvisor does;
// `pipe-relay splice` moves the bytes with splice(2) and never copies them into the process;
// `pipe-relay mirror CONSOLE` does what `read` does and also writes every line, prefixed
// "writer | ", whole, to the file CONSOLE: tsvisor's console mirror with nothing else around it.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CHUNK (1 << 20)
#define PREFIX "writer | "
#define PREFIX_LEN (sizeof PREFIX - 1)
static char buffer[CHUNK];
// The mirror's output for one read: at worst every byte a line, each with its prefix.
static char mirrored[CHUNK * (PREFIX_LEN + 2)];
// The start of a line the last read cut, kept until its end comes.
static char pending[CHUNK];
static size_t pending_len;

static int write_all(int fd, const char *data, size_t n) {
  for (size_t done = 0; done < n;) {
    ssize_t w = write(fd, data + done, n - done);
    if (w < 0) return -1;
    done += w;
  }
  return 0;
}

// Whole lines of data[0, n), prefixed, to the console; the cut end kept for the next read.
static int mirror(int console, const char *data, size_t n) {
  size_t out = 0;
  const char *at = data, *end = data + n, *newline;
  while ((newline = memchr(at, '\n', end - at)) != NULL) {
    memcpy(mirrored + out, PREFIX, PREFIX_LEN);
    out += PREFIX_LEN;
    memcpy(mirrored + out, pending, pending_len);
    out += pending_len;
    pending_len = 0;
    memcpy(mirrored + out, at, newline + 1 - at);
    out += newline + 1 - at;
    at = newline + 1;
  }
  if (end - at > (ssize_t)(CHUNK - pending_len)) return -1; // a line over 1 MiB: not in this bench
  memcpy(pending + pending_len, at, end - at);
  pending_len += end - at;
  return write_all(console, mirrored, out);
}

static ssize_t copy_once(int spliced, int console) {
  if (spliced) return splice(0, NULL, 1, NULL, CHUNK, 0);
  ssize_t n = read(0, buffer, CHUNK);
  if (n > 0 && write_all(1, buffer, n) < 0) return -1;
  if (n > 0 && console >= 0 && mirror(console, buffer, n) < 0) return -1;
  return n;
}

int main(int argc, char **argv) {
  int ok = (argc == 2 && (strcmp(argv[1], "read") == 0 || strcmp(argv[1], "splice") == 0)) || (argc == 3 && strcmp(argv[1], "mirror") == 0);
  if (!ok) {
    fprintf(stderr, "usage: pipe-relay read|splice|mirror CONSOLE < pipe > file\n");
    return 2;
  }
  int spliced = strcmp(argv[1], "splice") == 0;
  int console = argc == 3 ? open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644) : -1;
  if (argc == 3 && console < 0) {
    perror(argv[2]);
    return 1;
  }
  fcntl(0, F_SETPIPE_SZ, CHUNK);
  for (;;) {
    ssize_t n = copy_once(spliced, console);
    if (n < 0) {
      perror("pipe-relay");
      return 1;
    }
    if (n == 0) return 0;
  }
}

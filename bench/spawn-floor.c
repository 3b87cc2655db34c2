// The floor of bench/supervisord.bench.ts's start-up rows: start COUNT copies of a command the
// cheapest way a supervisor can (vfork + execv, each in a session of its own, stdin and output on
// /dev/null; no log files, no pipes, no bookkeeping) and print how many milliseconds that took, from
// the first spawn until the last exec had returned. Then SIGKILL them all, reap them, and exit.
//   spawn-floor COUNT PATH ARG...
// On a machine where starting a process is dear, this is most of what any supervisor pays to start
// 1,000 programs: what tsvisor and supervisord add is the rest (docs/performance.md).
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
  int count = argc > 2 ? atoi(argv[1]) : 0;
  if (count < 1) {
    fprintf(stderr, "usage: spawn-floor COUNT PATH ARG...\n");
    return 2;
  }
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  pid_t *pids = calloc(count, sizeof *pids);
  if (devnull < 0 || pids == NULL) return 1;
  double start = now_ms();
  for (int i = 0; i < count; i++) {
    pid_t pid = vfork();
    if (pid == 0) {
      setsid();
      dup2(devnull, 0), dup2(devnull, 1), dup2(devnull, 2);
      execv(argv[2], argv + 2);
      _exit(127);
    }
    if (pid < 0) return 1;
    pids[i] = pid;
  }
  double took = now_ms() - start;
  int failed = 0;
  for (int i = 0; i < count; i++) kill(pids[i], SIGKILL);
  for (int i = 0; i < count; i++) {
    int status;
    if (waitpid(pids[i], &status, 0) != pids[i] || !WIFSIGNALED(status)) failed++; // 127: exec failed
  }
  if (failed) {
    fprintf(stderr, "spawn-floor: %d of %d copies of %s did not run\n", failed, count, argv[2]);
    return 1;
  }
  printf("%.1f\n", took);
  return 0;
}

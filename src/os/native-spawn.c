/* A program's start in one exec: a child made with clone(CLONE_VM), which does what Bun.spawn and the
 * parent-death exec (os/pdeathsig-exec.ts) did between them and then execve()s the program itself.
 * Compiled at run time by Bun's TinyCC (os/tiny-cc.ts, used by os/native-spawn.ts).
 *
 * tsvisor does not wait for the child: spawn_program returns once the clone is made. Waiting (a futex
 * until the child had done its steps) let a program freeze the daemon: the child switches to the
 * program's user before its last steps, and another process of that user could SIGSTOP it there, and
 * tsvisor's only thread waited for ever (red team). Not waiting also lets the children's steps run
 * beside tsvisor's next spawns: at 1,000 programs on a busy machine the wait, mostly for the child to
 * be scheduled, was about a millisecond a spawn. A step that fails is told when the child has ended
 * (spawn_finished: `state` names the step, `error` its errno), as an exec that fails is.
 * The child runs on a stack of its own in a block of memory made for it (mmap), with copies of
 * everything it reads, so nothing it uses can be freed or moved under it: the kernel clears `tid` in
 * the block when the child's exec has replaced its memory, or it has exited (CLONE_CHILD_CLEARTID),
 * and only then may the block go (spawn_release).
 *
 * The child shares tsvisor's memory until its exec while tsvisor's threads run on. So it calls nothing
 * that takes a lock, keeps state in user space or writes errno: every call is a raw system call
 * (`sys`), because a libc wrapper that fails writes errno where the thread that called clone keeps its
 * own (the child has no thread-local storage of its own), and that thread is running on, maybe about
 * to read its errno after a pipe read (a red team found EAGAIN taken for the end of a program's
 * output). The id changes are the plain system calls too, which is also what keeps them to the child:
 * libc's wrappers would change the ids of tsvisor's other threads (glibc's and musl's setxid
 * broadcast). Every signal is blocked around the clone, so no handler of tsvisor's runs in the child;
 * it sets each back to SIG_DFL and unblocks them all just before the exec. x86-64 only, so far (the
 * system call numbers and the inline assembly).
 *
 * Descriptors: the child shares tsvisor's table too (CLONE_FILES) until its first step, a close_range
 * with CLOSE_RANGE_UNSHARE that gives it a table of its own holding only the descriptors below the
 * range: the kernel copies those few, where a clone without CLONE_FILES copies the whole table and
 * the child then closes it all, a cost that grows with every program started (at 1,000 programs
 * tsvisor has ~7,000 descriptors open: a start-up's spawns were quadratic). So the two descriptors
 * the child needs are put first in a pair of low numbers tsvisor keeps for this (`pairs`), and the
 * pair is pointed at /dev/null again once that child has its own table (spawn_settle). The child
 * closes everything above 2 before it switches to the program's user, so a child stopped after the
 * switch holds no descriptor of tsvisor's.
 * No #include, so it builds where no C headers are installed (os/tiny-cc.ts). */
typedef unsigned long size_t;
int clone(int (*fn)(void *), void *stack, int flags, void *arg, ...);
long syscall(long number, ...);
void *mmap(void *address, size_t length, int protection, int flags, int fd, long offset);
int munmap(void *address, size_t length);
int open(const char *path, int flags, ...);
int dup3(int from, int to, int flags);
int close(int fd);
int fcntl(int fd, int command, ...);
int *__errno_location(void);

#if defined(__x86_64__)
#define SYS_execve 59
#define SYS_exit_group 231
#define SYS_rt_sigaction 13
#define SYS_rt_sigprocmask 14
#define SYS_setgroups 116
#define SYS_setresuid 117
#define SYS_setresgid 119
#define SYS_futex 202
#define SYS_setsid 112
#define SYS_openat 257
#define SYS_dup2 33
#define SYS_umask 95
#define SYS_chdir 80
#define SYS_prctl 157
#define SYS_getppid 110
#else
#error "native-spawn.c is written for x86-64 only (its system call numbers and sys())"
#endif
#define SYS_close_range 436

#define CLONE_VM 0x100
#define CLONE_FILES 0x400
#define CLOSE_RANGE_UNSHARE 2
#define CLONE_CHILD_CLEARTID 0x200000
#define SIGCHLD 17
#define SIG_SETMASK 2
#define SIGNALS 64
#define SIGKILL 9
#define PR_SET_PDEATHSIG 1
#define F_DUPFD_CLOEXEC 1030
#define O_CLOEXEC 0x80000
#define O_RDONLY 0
#define O_WRONLY 1
#define FIRST_UNUSED_FD 3
#define PROT_READ 1
#define PROT_WRITE 2
#define MAP_PRIVATE 2
#define MAP_ANONYMOUS 0x20
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define AT_FDCWD -100
/* Two: each pair is two descriptors tsvisor holds for good, counted against a limit as low as 64 (the
 * reserve of os/fd-budget.ts); a third spawn waits only for the older child's first step. */
#define PAIRS 2
#define ENOENT 2
#define ESRCH 3
#define STACK_BYTES (64 * 1024)

/* What the caller asks for, as the Int32Array os/native-spawn.ts fills in (same order). */
struct request {
  int stdout_fd;  /* the fd to give as 1: -1 keeps tsvisor's, -2 /dev/null */
  int stderr_fd;  /* the same for 2 */
  int new_session;
  int file_mask;  /* the umask; -1 keeps tsvisor's */
  int switch_ids; /* 1: setgroups, setresgid, setresuid to what follows */
  int uid;
  int gid;
  int parent;     /* tsvisor's pid: a child whose parent has already gone gets no parent-death signal */
  int group_count;
};

/* The child's own table gets tsvisor's descriptors below this number: the pairs' and below (set once,
 * when they are reserved, before any child; a child reads it in the memory it shares). */
static int unshare_below;

/* Where the child is, or where it stopped (os/native-spawn.ts names them in this order). */
enum stage { STARTED, UNSHARED, FORK, SESSION, STDIN, STDOUT, STDERR, DIRECTORY, GROUPS, GID, UID, PARENT_DEATH, PARENT_GONE, DESCRIPTORS, SIGNALS_RESET, EXEC, EXECUTING };

/* One child's memory until its exec: this header, then the copied strings and vectors, then its stack. */
struct block {
  volatile int tid;   /* cleared by the kernel (CLONE_CHILD_CLEARTID) once the child's exec or exit has let go of this memory */
  volatile int state; /* enum stage: UNSHARED once it has its own descriptors, EXECUTING when every step before the exec is done, else the step that failed */
  int error;          /* that step's errno */
  size_t bytes;       /* the whole mapping's, for munmap (a kept block may be larger than its child needs) */
  struct request request;
  char *path, *cwd;
  char **argv, **envp;
  int *groups;
};

/* A system call that leaves errno alone (libc's wrappers and syscall() set it on failure): the result,
 * or -errno. */
static long sys(long number, long a, long b, long c, long d) {
  long result;
  __asm__ volatile("movq %5, %%r10\n\tsyscall" : "=a"(result) : "a"(number), "D"(a), "S"(b), "d"(c), "r"(d) : "rcx", "r11", "r10", "memory");
  return result;
}

struct kernel_sigaction {
  unsigned long handler, flags, restorer, mask;
};

static void tell(struct block *b, int state) {
  b->state = state;
  sys(SYS_futex, (long)&b->state, FUTEX_WAKE, 1, 0); /* a spawn_program waiting for this child's pair */
}

/* `result` of a step: on failure the step and its errno go in the block and the child exits. */
static void check(struct block *b, long result, int stage) {
  if (result >= 0) return;
  b->error = (int)-result;
  tell(b, stage);
  sys(SYS_exit_group, 127, 0, 0, 0);
}

/* `fd` for the child's `target` (1 or 2): -1 leaves it, -2 is /dev/null. */
static long give(int fd, int target) {
  if (fd == -1) return 0;
  if (fd == -2) {
    long null = sys(SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0);
    if (null < 0 || null == target) return null;
    fd = (int)null;
  }
  return sys(SYS_dup2, fd, target, 0, 0);
}

static int child(void *argument) {
  struct block *b = argument;
  const struct request *r = &b->request;
  int i;
  /* First, before anything that touches a descriptor: until this call the table is tsvisor's own.
   * It leaves the child a copy of 0 up to the pairs, one of which spawn_program filled with this
   * child's stdout and stderr (each >= 3, so no dup2 below overwrites one before it is read). */
  check(b, sys(SYS_close_range, unshare_below, (long)~0U, CLOSE_RANGE_UNSHARE, 0), DESCRIPTORS);
  tell(b, UNSHARED); /* its pair is free for another spawn */
  if (r->new_session) check(b, sys(SYS_setsid, 0, 0, 0, 0), SESSION);
  long in = sys(SYS_openat, AT_FDCWD, (long)"/dev/null", O_RDONLY, 0);
  check(b, in, STDIN);
  if (in != 0) check(b, sys(SYS_dup2, in, 0, 0, 0), STDIN);
  check(b, give(r->stdout_fd, 1), STDOUT);
  check(b, give(r->stderr_fd, 2), STDERR);
  /* Before the switch to the program's user, whose other processes could stop this one from then on. */
  check(b, sys(SYS_close_range, FIRST_UNUSED_FD, (long)~0U, 0, 0), DESCRIPTORS);
  if (r->file_mask >= 0) sys(SYS_umask, r->file_mask, 0, 0, 0);
  if (r->switch_ids) {
    check(b, sys(SYS_setgroups, r->group_count, (long)b->groups, 0, 0), GROUPS);
    check(b, sys(SYS_setresgid, r->gid, r->gid, r->gid, 0), GID);
    check(b, sys(SYS_setresuid, r->uid, r->uid, r->uid, 0), UID);
  }
  /* As the program's user, as supervisord does: as root it would start in a directory its user may
   * not enter, and read what is there by relative paths (red team). */
  if (b->cwd != 0) check(b, sys(SYS_chdir, (long)b->cwd, 0, 0, 0), DIRECTORY);
  /* After the switch: the kernel clears the parent-death signal when ids change. */
  check(b, sys(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0), PARENT_DEATH);
  /* tsvisor SIGKILLed before the prctl: the signal would wait for a death that has happened. */
  if (sys(SYS_getppid, 0, 0, 0, 0) != r->parent) check(b, -ESRCH, PARENT_GONE);
  struct kernel_sigaction default_action = {0, 0, 0, 0};
  for (i = 1; i <= SIGNALS; i++) sys(SYS_rt_sigaction, i, (long)&default_action, 0, 8); /* KILL, STOP: EINVAL, fine */
  unsigned long none = 0;
  check(b, sys(SYS_rt_sigprocmask, SIG_SETMASK, (long)&none, 0, 8), SIGNALS_RESET);
  b->state = EXECUTING; /* this block stays until the kernel clears tid */
  long failed = sys(SYS_execve, (long)b->path, (long)b->argv, (long)b->envp, 0);
  b->error = (int)-failed;
  b->state = EXEC;
  sys(SYS_exit_group, b->error == ENOENT ? 127 : 126, 0, 0, 0); /* a shell's codes */
  return 0;
}

static size_t length(const char *s) {
  size_t n = 0;
  while (s[n] != 0) n++;
  return n + 1;
}

/* Copies `s` to *at, moving *at past it. */
static char *copy(const char *s, char **at) {
  char *start = *at;
  size_t n = length(s), i;
  for (i = 0; i < n; i++) start[i] = s[i];
  *at += n;
  return start;
}

static size_t vector_bytes(char *const *v, size_t *count) {
  size_t bytes = 0, n = 0;
  for (; v[n] != 0; n++) bytes += length(v[n]);
  *count = n;
  return bytes + (n + 1) * sizeof(char *);
}

static char **copy_vector(char *const *v, size_t count, char **at) {
  char **out = (char **)*at;
  size_t i;
  *at += (count + 1) * sizeof(char *);
  for (i = 0; i < count; i++) out[i] = copy(v[i], at);
  out[count] = 0;
  return out;
}

/* Pairs of low descriptors that carry a child's stdout and stderr into its table, and the /dev/null
 * they point at while free. A pair is taken by one spawn and free again once that child has its own
 * table (state past STARTED) or has ended (tid cleared): several children can be on their way at once.
 * The children those pairs wait for are tsvisor's, not yet switched to any program's user (the table
 * is their first step), so no program can hold one up. Only tsvisor's JavaScript thread spawns. */
static int pair_fds[PAIRS][2];
static struct block *pair_owner[PAIRS];
static int pair_idle = -1;

static int reserve_pairs(void) {
  if (pair_idle >= 0) return 0;
  /* each >= 3: a tsvisor started with 0, 1 or 2 closed must not find them filled */
  int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null < 0) return -1;
  int fds[2 * PAIRS + 1], made, i;
  for (made = 0; made < 2 * PAIRS + 1; made++) {
    fds[made] = fcntl(null, F_DUPFD_CLOEXEC, FIRST_UNUSED_FD);
    if (fds[made] < 0) break;
  }
  int error = *__errno_location();
  close(null);
  if (made < 2 * PAIRS + 1) {
    for (i = 0; i < made; i++) close(fds[i]);
    *__errno_location() = error;
    return -1;
  }
  pair_idle = fds[0];
  unshare_below = 0;
  for (i = 0; i < PAIRS; i++) {
    pair_fds[i][0] = fds[1 + 2 * i];
    pair_fds[i][1] = fds[2 + 2 * i];
    pair_owner[i] = 0;
  }
  for (i = 1; i < 2 * PAIRS + 1; i++) if (fds[i] >= unshare_below) unshare_below = fds[i] + 1;
  return 0;
}

static int pair_in_use(int i) {
  struct block *owner = pair_owner[i];
  return owner != 0 && owner->state == STARTED && owner->tid != 0;
}

/* Pair `i` lets go of its child's pipes, which would otherwise stay open in tsvisor (no end of a
 * program's output would be seen). */
static void free_pair(int i) {
  if (pair_owner[i] == 0) return;
  dup3(pair_idle, pair_fds[i][0], O_CLOEXEC);
  dup3(pair_idle, pair_fds[i][1], O_CLOEXEC);
  pair_owner[i] = 0;
}

/* Every pair whose child no longer needs it is freed; called at each spawn and by os/native-spawn.ts
 * while children are on their way. */
void spawn_settle(void) {
  int i;
  for (i = 0; i < PAIRS; i++) if (pair_owner[i] != 0 && !pair_in_use(i)) free_pair(i);
}

/* A free pair; if none is, the oldest child's first step is waited for (a futex on its state; one
 * killed before it is seen by its tid). */
static int take_pair(void) {
  static int next = 0;
  int i, tries;
  spawn_settle();
  for (tries = 0; tries < PAIRS; tries++) {
    i = (next + tries) % PAIRS;
    if (pair_owner[i] == 0) break;
  }
  if (tries == PAIRS) {
    i = next;
    struct { long seconds, nanoseconds; } poll = {0, 10 * 1000 * 1000};
    while (pair_in_use(i)) syscall(SYS_futex, &pair_owner[i]->state, (long)FUTEX_WAIT, (long)STARTED, &poll, 0L, 0L);
    free_pair(i);
  }
  next = (i + 1) % PAIRS;
  return i;
}

/* `fd` into the pair's `which` for the child; -1 and -2 (tsvisor's own, /dev/null) need none. */
static int fill(int fd, int pair, int which) {
  if (fd < 0) return fd;
  return dup3(fd, pair_fds[pair][which], O_CLOEXEC) < 0 ? -3 : pair_fds[pair][which];
}

/* Blocks given back are kept for the next spawns, a few of them: an munmap while children share
 * tsvisor's memory costs every CPU that runs one a TLB flush, and a fresh block its page faults (at
 * 1,000 programs the munmaps alone were ~7 % of tsvisor's start-up thread). A kept block holds the last
 * child's copies until it is reused; they are tsvisor's own memory, which that child has left. */
#define KEPT_BLOCKS 4
static struct block *kept[KEPT_BLOCKS];
static int kept_count = 0;

static struct block *new_block(size_t bytes) {
  int i;
  for (i = 0; i < kept_count; i++) {
    struct block *b = kept[i];
    if (b->bytes < bytes) continue;
    kept[i] = kept[--kept_count];
    return b;
  }
  struct block *b = mmap(0, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (b == (void *)-1) return 0;
  b->bytes = bytes;
  return b;
}

static void give_back(struct block *b) {
  int i;
  for (i = 0; i < PAIRS; i++) if (pair_owner[i] == b) free_pair(i);
  if (kept_count < KEPT_BLOCKS) kept[kept_count++] = b;
  else munmap(b, b->bytes);
}

/* Start `path` with `argv` and `envp` (NULL-terminated arrays of pointers) as `request` says. Returns
 * the child's pid as soon as it is made, with its block in *block_out for spawn_finished /
 * spawn_release (which tell whether its steps and its exec worked); or -1 with report[0] the step that
 * failed in tsvisor (FORK, DESCRIPTORS for the pairs, STDOUT, STDERR) and report[1] its errno. */
int spawn_program(const char *path, char *const *argv, char *const *envp, const int *request, const int *groups, const char *cwd, int *report, struct block **block_out) {
  const struct request *r = (const struct request *)request;
  size_t argc, envc, i;
  if (reserve_pairs() < 0) {
    report[0] = DESCRIPTORS;
    report[1] = *__errno_location();
    return -1;
  }
  size_t data = sizeof(struct block) + length(path) + (cwd ? length(cwd) : 0) + vector_bytes(argv, &argc) + vector_bytes(envp, &envc) + (size_t)r->group_count * sizeof(int) + 16;
  size_t bytes = ((data + 15) / 16) * 16 + STACK_BYTES;
  struct block *b = new_block(bytes);
  if (b == 0) {
    report[0] = FORK;
    report[1] = *__errno_location();
    return -1;
  }
  char *at = (char *)(b + 1);
  b->tid = 1;
  b->state = STARTED;
  b->error = 0;
  b->request = *r;
  int pair = take_pair();
  pair_owner[pair] = b;
  b->request.stdout_fd = fill(r->stdout_fd, pair, 0);
  b->request.stderr_fd = b->request.stdout_fd == -3 ? -3 : fill(r->stderr_fd, pair, 1);
  if (b->request.stderr_fd == -3) {
    report[0] = b->request.stdout_fd == -3 ? STDOUT : STDERR;
    report[1] = *__errno_location();
    give_back(b);
    return -1;
  }
  b->path = copy(path, &at);
  b->cwd = cwd ? copy(cwd, &at) : 0;
  at = (char *)(((unsigned long)at + 7) & ~7UL);
  b->argv = copy_vector(argv, argc, &at);
  b->envp = copy_vector(envp, envc, &at);
  at = (char *)(((unsigned long)at + 7) & ~7UL);
  b->groups = (int *)at;
  for (i = 0; i < (size_t)r->group_count; i++) b->groups[i] = groups[i];
  char *stack_top = (char *)b + b->bytes; /* the stack grows down from the block's end */

  unsigned long all = ~0UL, before = 0;
  syscall(SYS_rt_sigprocmask, (long)SIG_SETMASK, &all, &before, 8L);
  int pid = clone(child, stack_top, CLONE_VM | CLONE_FILES | CLONE_CHILD_CLEARTID | SIGCHLD, b, 0, 0, &b->tid);
  int clone_error = *__errno_location();
  syscall(SYS_rt_sigprocmask, (long)SIG_SETMASK, &before, 0L, 8L);
  if (pid < 0) {
    give_back(b);
    report[0] = FORK;
    report[1] = clone_error;
    return -1;
  }
  *block_out = b;
  return pid;
}

/* 0: the child may still be using its block; 1: its exec is done (or it exited) and report[] says how
 * it went: report[0] EXECUTING if the exec worked; the step that failed (EXEC for the exec) with
 * report[1] its errno if one did; STARTED or UNSHARED if it was killed on its way. */
int spawn_finished(struct block *b, int *report) {
  if (b->tid != 0) return 0;
  report[0] = b->state;
  report[1] = b->error;
  return 1;
}

/* Give back a block that spawn_finished called done. */
void spawn_release(struct block *b) {
  give_back(b);
}

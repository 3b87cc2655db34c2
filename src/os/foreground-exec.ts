// The foreground exec: an x86-64 program (399 bytes of code), held in a sealed memfd
// (os/memfd-program.ts), that gives the foreground command (init mode's CMD, `tsvisor run -- CMD`)
// what tini gives its child between fork and exec: on a terminal in place of starting tsvisor a second
// time for it (os/exec-child.ts, ~40 ms and a second Bun start-up; docs/performance.md), and off one
// in place of the parent-death exec, which would close the descriptors CMD is to inherit, or setpriv,
// which runs a file the kernel will not (ENOEXEC) through /bin/sh (red team, 2026-12-06):
//
//   prctl(PR_SET_PDEATHSIG, SIGKILL)      as every program gets (os/pdeathsig-exec.ts)
//   if getppid() != PARENT: exit 125      (tsvisor died before the prctl)
//   close(argv[1])                        its own descriptor, passed as a decimal number; the other
//   if that failed: exit 125              descriptors tsvisor passes on (os/inherited-fds.ts) stay open
//   if argc < 4: exit 0                   (the self-test, os/spawn.ts)
//   was = tcgetpgrp(0) == getpgrp()       was tsvisor's group the terminal's foreground?
//   setpgid(0, 0) unless it leads a group already   any failure: exit 125
//   if was: ignore SIGTTOU, tcsetpgrp(0, getpid())  failure other than ENOTTY/ENXIO: exit 125
//   every signal back to SIG_DFL, none blocked      (tsvisor ignores SIGPIPE, the real-time signals...)
//   execve(argv[2], &argv[3], envp)
//   exit 127 if ENOENT, else 126
//
// So the group is CMD's own (-g signals it and all it starts; a Ctrl-C reaches CMD's group and not
// tsvisor), and the terminal is taken only from a foreground tsvisor: `tsvisor -- CMD &` in a
// shell does not steal it (os/exec-child.ts, the helper this replaces on x86-64, does the same).
// argv[2] is the command's path as os/command-check.ts resolved it, argv[3...] CMD's argv.
// Not here: LISTEN_PID for socket activation, which must name CMD's pid in its environment: that case
// still goes through the helper.
import { parentBoundProgram } from "./memfd-program.ts";

// The machine code, from `as --64` (intel syntax) and `objdump -d -M intel`; labels and offsets on the left.
// prettier-ignore
const CODE = [
  0x48, 0x89, 0xe3,                   // _start:   00 mov rbx,rsp
  0x48, 0x83, 0x3b, 0x02,             //           03 cmp qword [rbx],0x2   argc: 2 for the self-test, 4 and more to exec
  0x0f, 0x8c, 0x5e, 0x01, 0x00, 0x00, //           07 jl 16b <fail>
  0xbf, 0x01, 0x00, 0x00, 0x00,       //           0d mov edi,0x1
  0xbe, 0x09, 0x00, 0x00, 0x00,       //           12 mov esi,0x9
  0xb8, 0x9d, 0x00, 0x00, 0x00,       //           17 mov eax,0x9d   prctl(PR_SET_PDEATHSIG, SIGKILL)
  0x0f, 0x05,                         //           1c syscall
  0xb8, 0x6e, 0x00, 0x00, 0x00,       //           1e mov eax,0x6e   getppid
  0x0f, 0x05,                         //           23 syscall
  0x3d, 0x00, 0x00, 0x00, 0x00,       //           25 cmp eax,PARENT   (the pid, written at 26 by foregroundExecutable)
  0x0f, 0x85, 0x3b, 0x01, 0x00, 0x00, //           2a jne 16b <fail>
  0x48, 0x8b, 0x73, 0x10,             //           30 mov rsi,qword [rbx+0x10]
  0xe8, 0x3e, 0x01, 0x00, 0x00,       //           34 call 177 <parse>   argv[1]: the descriptor this runs from
  0x89, 0xc7,                         //           39 mov edi,eax
  0xb8, 0x03, 0x00, 0x00, 0x00,       //           3b mov eax,0x3   close
  0x0f, 0x05,                         //           40 syscall
  0x85, 0xc0,                         //           42 test eax,eax
  0x0f, 0x85, 0x21, 0x01, 0x00, 0x00, //           44 jne 16b <fail>
  0x31, 0xff,                         //           4a xor edi,edi
  0x48, 0x83, 0x3b, 0x04,             //           4c cmp qword [rbx],0x4   fewer than 4: the self-test is over (exit 0)
  0x0f, 0x8c, 0x1a, 0x01, 0x00, 0x00, //           50 jl 170 <exit>
  0x31, 0xc0,                         //           56 xor eax,eax   48 bytes of zeros on the stack: [rsp] a pgid, [rsp+16] a kernel sigaction (SIG_DFL), its mask at [rsp+40]
  0x50,                               //           58 push rax
  0x50,                               //           59 push rax
  0x50,                               //           5a push rax
  0x50,                               //           5b push rax
  0x50,                               //           5c push rax
  0x50,                               //           5d push rax
  0xb8, 0x6f, 0x00, 0x00, 0x00,       //           5e mov eax,0x6f   getpgrp: tsvisor's group
  0x0f, 0x05,                         //           63 syscall
  0x41, 0x89, 0xc4,                   //           65 mov r12d,eax
  0xb8, 0x27, 0x00, 0x00, 0x00,       //           68 mov eax,0x27   getpid
  0x0f, 0x05,                         //           6d syscall
  0x41, 0x89, 0xc5,                   //           6f mov r13d,eax
  0x45, 0x31, 0xf6,                   //           72 xor r14d,r14d
  0x31, 0xff,                         //           75 xor edi,edi
  0xbe, 0x0f, 0x54, 0x00, 0x00,       //           77 mov esi,0x540f   TIOCGPGRP on fd 0
  0x48, 0x89, 0xe2,                   //           7c mov rdx,rsp
  0xb8, 0x10, 0x00, 0x00, 0x00,       //           7f mov eax,0x10
  0x0f, 0x05,                         //           84 syscall
  0x85, 0xc0,                         //           86 test eax,eax
  0x75, 0x09,                         //           88 jne 93 <group>
  0x44, 0x39, 0x24, 0x24,             //           8a cmp dword [rsp],r12d   the terminal's foreground was tsvisor's group
  0x75, 0x03,                         //           8e jne 93 <group>
  0x41, 0xff, 0xc6,                   //           90 inc r14d
  0x45, 0x39, 0xec,                   // group:    93 cmp r12d,r13d   leads a group already (spawned in a session of its own)
  0x74, 0x13,                         //           96 je ab <terminal>
  0x31, 0xff,                         //           98 xor edi,edi
  0x31, 0xf6,                         //           9a xor esi,esi
  0xb8, 0x6d, 0x00, 0x00, 0x00,       //           9c mov eax,0x6d   setpgid(0, 0)
  0x0f, 0x05,                         //           a1 syscall
  0x85, 0xc0,                         //           a3 test eax,eax
  0x0f, 0x85, 0xc0, 0x00, 0x00, 0x00, //           a5 jne 16b <fail>
  0x45, 0x85, 0xf6,                   // terminal: ab test r14d,r14d
  0x74, 0x50,                         //           ae je 100 <signals>
  0x48, 0xc7, 0x44, 0x24, 0x10, 0x01, 0x00, 0x00, 0x00,//           b0 mov qword [rsp+0x10],0x1   SIG_IGN
  0xbf, 0x16, 0x00, 0x00, 0x00,       //           b9 mov edi,0x16
  0x48, 0x8d, 0x74, 0x24, 0x10,       //           be lea rsi,[rsp+0x10]
  0x31, 0xd2,                         //           c3 xor edx,edx
  0x41, 0xba, 0x08, 0x00, 0x00, 0x00, //           c5 mov r10d,0x8
  0xb8, 0x0d, 0x00, 0x00, 0x00,       //           cb mov eax,0xd   rt_sigaction(SIGTTOU): a background group's tcsetpgrp is stopped by it
  0x0f, 0x05,                         //           d0 syscall
  0x48, 0xc7, 0x44, 0x24, 0x10, 0x00, 0x00, 0x00, 0x00,//           d2 mov qword [rsp+0x10],0x0   SIG_DFL again
  0x44, 0x89, 0x2c, 0x24,             //           db mov dword [rsp],r13d
  0x31, 0xff,                         //           df xor edi,edi
  0xbe, 0x10, 0x54, 0x00, 0x00,       //           e1 mov esi,0x5410   TIOCSPGRP on fd 0: its own group in the foreground
  0x48, 0x89, 0xe2,                   //           e6 mov rdx,rsp
  0xb8, 0x10, 0x00, 0x00, 0x00,       //           e9 mov eax,0x10
  0x0f, 0x05,                         //           ee syscall
  0x85, 0xc0,                         //           f0 test eax,eax
  0x74, 0x0c,                         //           f2 je 100 <signals>
  0x83, 0xf8, 0xe7,                   //           f4 cmp eax,0xffffffe7   -ENOTTY, -ENXIO: no terminal after all
  0x74, 0x07,                         //           f7 je 100 <signals>
  0x83, 0xf8, 0xfa,                   //           f9 cmp eax,0xfffffffa
  0x74, 0x02,                         //           fc je 100 <signals>
  0xeb, 0x6b,                         //           fe jmp 16b <fail>
  0x41, 0xbf, 0x01, 0x00, 0x00, 0x00, // signals:  100 mov r15d,0x1
  0x44, 0x89, 0xff,                   // reset:    106 mov edi,r15d
  0x48, 0x8d, 0x74, 0x24, 0x10,       //           109 lea rsi,[rsp+0x10]
  0x31, 0xd2,                         //           10e xor edx,edx
  0x41, 0xba, 0x08, 0x00, 0x00, 0x00, //           110 mov r10d,0x8
  0xb8, 0x0d, 0x00, 0x00, 0x00,       //           116 mov eax,0xd   rt_sigaction(1..64, SIG_DFL): KILL and STOP fail, nothing to reset there
  0x0f, 0x05,                         //           11b syscall
  0x41, 0xff, 0xc7,                   //           11d inc r15d
  0x41, 0x83, 0xff, 0x40,             //           120 cmp r15d,0x40
  0x7e, 0xe0,                         //           124 jle 106 <reset>
  0xbf, 0x02, 0x00, 0x00, 0x00,       //           126 mov edi,0x2
  0x48, 0x8d, 0x74, 0x24, 0x28,       //           12b lea rsi,[rsp+0x28]
  0x31, 0xd2,                         //           130 xor edx,edx
  0x41, 0xba, 0x08, 0x00, 0x00, 0x00, //           132 mov r10d,0x8
  0xb8, 0x0e, 0x00, 0x00, 0x00,       //           138 mov eax,0xe   rt_sigprocmask(SIG_SETMASK, empty)
  0x0f, 0x05,                         //           13d syscall
  0x85, 0xc0,                         //           13f test eax,eax
  0x75, 0x28,                         //           141 jne 16b <fail>
  0x48, 0x8b, 0x0b,                   //           143 mov rcx,qword [rbx]
  0x48, 0x8b, 0x7b, 0x18,             //           146 mov rdi,qword [rbx+0x18]
  0x48, 0x8d, 0x73, 0x20,             //           14a lea rsi,[rbx+0x20]
  0x48, 0x8d, 0x54, 0xcb, 0x10,       //           14e lea rdx,[rbx+rcx*8+0x10]
  0xb8, 0x3b, 0x00, 0x00, 0x00,       //           153 mov eax,0x3b   execve(argv[2], &argv[3], envp)
  0x0f, 0x05,                         //           158 syscall
  0xbf, 0x7e, 0x00, 0x00, 0x00,       //           15a mov edi,0x7e
  0x83, 0xf8, 0xfe,                   //           15f cmp eax,0xfffffffe
  0x75, 0x0c,                         //           162 jne 170 <exit>
  0xbf, 0x7f, 0x00, 0x00, 0x00,       //           164 mov edi,0x7f
  0xeb, 0x05,                         //           169 jmp 170 <exit>
  0xbf, 0x7d, 0x00, 0x00, 0x00,       // fail:     16b mov edi,0x7d
  0xb8, 0xe7, 0x00, 0x00, 0x00,       // exit:     170 mov eax,0xe7   exit_group
  0x0f, 0x05,                         //           175 syscall
  0x31, 0xc0,                         // parse:    177 xor eax,eax
  0x0f, 0xb6, 0x0e,                   // digit:    179 movzx ecx,byte [rsi]
  0x48, 0xff, 0xc6,                   //           17c inc rsi
  0x83, 0xe9, 0x30,                   //           17f sub ecx,0x30
  0x83, 0xf9, 0x09,                   //           182 cmp ecx,0x9
  0x77, 0x07,                         //           185 ja 18e <parsed>
  0x6b, 0xc0, 0x0a,                   //           187 imul eax,eax,0xa
  0x01, 0xc8,                         //           18a add eax,ecx
  0xeb, 0xeb,                         //           18c jmp 179 <digit>
  0xc3,                               // parsed:   18e ret
];
/** Where in CODE the parent's pid goes: the immediate of the `cmp eax` at 25. */
const PARENT_PID_AT = 0x26;

const program = parentBoundProgram("tsvisor-foreground-exec", CODE, PARENT_PID_AT);
/** The whole executable; `parentPid` is the one process whose children it lets run (tsvisor's, by default). */
export const foregroundExecutable = program.executable;
/** A new sealed memfd holding the foreground exec (os/memfd-program.ts), or null. */
export const sealedForegroundExec = program.sealed;

// The parent-death exec: an x86-64 program (280 bytes of code, 456 with its ELF headers), held in a
// sealed memfd, that does what `setpriv --pdeathsig KILL --` does for tsvisor (os/parent-death.ts) at
// a third of its cost, and switches to the program's user with all of that user's groups, which
// Bun.spawn cannot (its uid and gid options leave the child no supplementary group: setgroups(0)).
// setpriv is dynamically linked and, before its exec, loads libcap-ng, reads the
// locale and the capability bounding set: 1,000 runs from a bash loop took 6.9 s through setpriv,
// 4.6 s through a static program doing only the prctl and 3.2 s for the program alone, so setpriv
// adds 3.7 ms a spawn and this 1.4 ms; 1,000 programs start in a fifth less time
// (docs/performance.md). It makes no library call at all:
//
//   if argc >= 4 and argv[1] is not "":   argv[1] = "UID,GID,G1,G2,..." (decimal; os/parent-death.ts)
//     setgroups(G1,G2,...); setresgid(GID x3); setresuid(UID x3)   any failure: exit 125
//   prctl(PR_SET_PDEATHSIG, SIGKILL)      after the switch: the kernel clears it when ids change
//   if getppid() != PARENT: exit 125      (tsvisor died before the prctl: the signal will never come)
//   close_range(3, ~0U, 0)                its own descriptor (Bun.spawn leaves only 0-2 and it)
//   if that failed: exit 125              (never exec the program with tsvisor's descriptor open)
//   if argc < 4: exit 0                   (the self-test, os/spawn.ts)
//   execve(argv[2], &argv[3], envp)
//   exit 127 if ENOENT, else 126          (as setpriv and a shell do)
//
// PARENT is tsvisor's pid, written into the code when the memfd is made: a tsvisor SIGKILLed between
// the fork and the prctl leaves the child with another parent (init, a subreaper), and a prctl made
// then waits for a death that has already happened (setpriv has the same hole; under load a red team
// saw a program outlive a SIGKILLed tsvisor in 1 round of 10, tsvisor starting 200 each time).
//
// The switch runs as root with the program's environment: which is why it is done here, where no
// dynamic loader, library or locale reads LD_PRELOAD and the like, and not by setpriv run as root.
// At most 65,536 groups (the kernel's NGROUPS_MAX; a 256 KiB buffer on the stack): argv[1] must also
// fit the kernel's 128 KiB for one argument, which os/parent-death.ts checks first.
//
// argv[2] is the command's path as os/command-check.ts resolved it for execvp's rules (PATH, cwd),
// argv[3...] the program's argv with its own argv[0].
//
// Held in a sealed memfd and run from /proc/self/fd/N (os/memfd-program.ts). Any step that fails there,
// or here (a security module refusing a memfd exec, a kernel without close_range), leaves setpriv.
import { parentBoundProgram } from "./memfd-program.ts";

// The machine code, from `as --64` (intel syntax) and `objdump -d`; labels and offsets on the left.
// prettier-ignore
const CODE = [
  0x48, 0x89, 0xe3,                   // _start:   00 mov rbx,rsp
  0x48, 0x83, 0x3b, 0x04,             //           03 cmp [rbx],4
  0x0f, 0x8c, 0x81, 0x00, 0x00, 0x00, //           07 jl 8e <pdeathsig>
  0x48, 0x8b, 0x73, 0x10,             //           0d mov rsi,[rbx+16]
  0x80, 0x3e, 0x00,                   //           11 cmp byte [rsi],0
  0x74, 0x78,                         //           14 je 8e <pdeathsig>
  0xe8, 0xe5, 0x00, 0x00, 0x00,       //           16 call 100 <parse>
  0x41, 0x89, 0xc4,                   //           1b mov r12d,eax
  0xe8, 0xdd, 0x00, 0x00, 0x00,       //           1e call 100 <parse>
  0x41, 0x89, 0xc5,                   //           23 mov r13d,eax
  0x48, 0x81, 0xec, 0x00, 0x00, 0x04, 0x00,//           26 sub rsp,0x40000   room for 65,536 groups
  0x45, 0x31, 0xf6,                   //           2d xor r14d,r14d
  0x80, 0x7e, 0xff, 0x00,             // groups:   30 cmp byte [rsi-1],0
  0x74, 0x1b,                         //           34 je 51 <setids>
  0x41, 0x81, 0xfe, 0x00, 0x00, 0x01, 0x00,//           36 cmp r14d,65536   NGROUPS_MAX
  0x0f, 0x83, 0xb1, 0x00, 0x00, 0x00, //           3d jae f4 <fail>
  0xe8, 0xb8, 0x00, 0x00, 0x00,       //           43 call 100 <parse>
  0x42, 0x89, 0x04, 0xb4,             //           48 mov dword [rsp+r14*4],eax
  0x41, 0xff, 0xc6,                   //           4c inc r14d
  0xeb, 0xdf,                         //           4f jmp 30 <groups>
  0x44, 0x89, 0xf7,                   // setids:   51 mov edi,r14d
  0x48, 0x89, 0xe6,                   //           54 mov rsi,rsp
  0xb8, 0x74, 0x00, 0x00, 0x00,       //           57 mov eax,116   setgroups
  0x0f, 0x05,                         //           5c syscall
  0x85, 0xc0,                         //           5e test eax,eax
  0x0f, 0x85, 0x8e, 0x00, 0x00, 0x00, //           60 jne f4 <fail>
  0x44, 0x89, 0xef,                   //           66 mov edi,r13d
  0x44, 0x89, 0xee,                   //           69 mov esi,r13d
  0x44, 0x89, 0xea,                   //           6c mov edx,r13d
  0xb8, 0x77, 0x00, 0x00, 0x00,       //           6f mov eax,119   setresgid
  0x0f, 0x05,                         //           74 syscall
  0x85, 0xc0,                         //           76 test eax,eax
  0x75, 0x7a,                         //           78 jne f4 <fail>
  0x44, 0x89, 0xe7,                   //           7a mov edi,r12d
  0x44, 0x89, 0xe6,                   //           7d mov esi,r12d
  0x44, 0x89, 0xe2,                   //           80 mov edx,r12d
  0xb8, 0x75, 0x00, 0x00, 0x00,       //           83 mov eax,117   setresuid
  0x0f, 0x05,                         //           88 syscall
  0x85, 0xc0,                         //           8a test eax,eax
  0x75, 0x66,                         //           8c jne f4 <fail>
  0xbf, 0x01, 0x00, 0x00, 0x00,       // pdeathsig:8e mov edi,1   PR_SET_PDEATHSIG
  0xbe, 0x09, 0x00, 0x00, 0x00,       //           93 mov esi,9   SIGKILL
  0xb8, 0x9d, 0x00, 0x00, 0x00,       //           98 mov eax,157   prctl
  0x0f, 0x05,                         //           9d syscall
  0xb8, 0x6e, 0x00, 0x00, 0x00,       //           9f mov eax,110   getppid
  0x0f, 0x05,                         //           a4 syscall
  0x3d, 0x00, 0x00, 0x00, 0x00,       //           a6 cmp eax,PARENT   (the pid, written at a7 by pdeathsigExecutable)
  0x75, 0x47,                         //           ab jne f4 <fail>
  0xbf, 0x03, 0x00, 0x00, 0x00,       //           ad mov edi,3
  0xbe, 0xff, 0xff, 0xff, 0xff,       //           b2 mov esi,0xffffffff
  0x31, 0xd2,                         //           b7 xor edx,edx
  0xb8, 0xb4, 0x01, 0x00, 0x00,       //           b9 mov eax,436   close_range
  0x0f, 0x05,                         //           be syscall
  0x85, 0xc0,                         //           c0 test eax,eax
  0x75, 0x30,                         //           c2 jne f4 <fail>
  0x48, 0x8b, 0x0b,                   //           c4 mov rcx,[rbx]
  0x31, 0xff,                         //           c7 xor edi,edi
  0x48, 0x83, 0xf9, 0x04,             //           c9 cmp rcx,4
  0x7c, 0x2a,                         //           cd jl f9 <exit>
  0x48, 0x8b, 0x7b, 0x18,             //           cf mov rdi,[rbx+24]
  0x48, 0x8d, 0x73, 0x20,             //           d3 lea rsi,[rbx+32]
  0x48, 0x8d, 0x54, 0xcb, 0x10,       //           d7 lea rdx,[rbx+rcx*8+16]
  0xb8, 0x3b, 0x00, 0x00, 0x00,       //           dc mov eax,59   execve
  0x0f, 0x05,                         //           e1 syscall
  0xbf, 0x7e, 0x00, 0x00, 0x00,       //           e3 mov edi,126
  0x83, 0xf8, 0xfe,                   //           e8 cmp eax,0xfffffffe
  0x75, 0x0c,                         //           eb jne f9 <exit>
  0xbf, 0x7f, 0x00, 0x00, 0x00,       //           ed mov edi,127
  0xeb, 0x05,                         //           f2 jmp f9 <exit>
  0xbf, 0x7d, 0x00, 0x00, 0x00,       // fail:     f4 mov edi,125
  0xb8, 0xe7, 0x00, 0x00, 0x00,       // exit:     f9 mov eax,231   exit_group
  0x0f, 0x05,                         //           fe syscall
  0x31, 0xc0,                         // parse:    100 xor eax,eax
  0x0f, 0xb6, 0x0e,                   // digit:    102 movzx ecx,byte [rsi]
  0x48, 0xff, 0xc6,                   //           105 inc rsi
  0x83, 0xe9, 0x30,                   //           108 sub ecx,48
  0x83, 0xf9, 0x09,                   //           10b cmp ecx,9
  0x77, 0x07,                         //           10e ja 117 <parsed>
  0x6b, 0xc0, 0x0a,                   //           110 imul eax,eax,10
  0x01, 0xc8,                         //           113 add eax,ecx
  0xeb, 0xeb,                         //           115 jmp 102 <digit>
  0xc3,                               // parsed:   117 ret
];
/** Where in CODE the parent's pid goes: the immediate of the `cmp eax` at a6. */
const PARENT_PID_AT = 0xa7;

const program = parentBoundProgram("tsvisor-pdeathsig-exec", CODE, PARENT_PID_AT);
/** The whole executable; `parentPid` is the one process whose children it lets run (tsvisor's, by default). */
export const pdeathsigExecutable = program.executable;
/** A new sealed memfd holding the parent-death exec (os/memfd-program.ts), or null. */
export const sealedPdeathsigExec = program.sealed;

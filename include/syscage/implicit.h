/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The implicit set: the syscalls the kernel or libc make without the program asking for them,
 * which no recorder can be trusted to see, and which every generated allow-list must allow.
 *
 * - restart_syscall: a sleep, poll, futex or clock_nanosleep with a timeout that a stop
 *   interrupts (SIGSTOP/SIGCONT, a ptrace stop: a debugger, `syscage inspect --pid`) returns
 *   -ERESTART_RESTARTBLOCK; on the way back to user space the kernel rewinds the instruction
 *   pointer and puts __NR_restart_syscall in the syscall register (x86: arch_do_signal_or_restart,
 *   the compat number for an i386 task), so seccomp sees restart_syscall, on the interrupted
 *   call's ABI. Denied, the sleep returns early (or with EINTR-like errors) or the program dies.
 * - rt_sigreturn: the return from every signal handler (libc's sa_restorer trampoline); a
 *   recording without signals never sees it.
 * - sigreturn: the same for handlers installed without SA_SIGINFO on i386, arm and the other
 *   32-bit ABIs that have it (glibc i386 uses it).
 * - rt_sigsuspend: a shell waiting for a child (dash's `wait`, a
 *   foreground command) first asks wait4 with WNOHANG and calls rt_sigsuspend only when the
 *   child still runs, with every signal blocked around the call. Whether a recording sees it
 *   is timing; denied, the call returns EPERM at once and the shell asks again for ever: the
 *   SIGCHLD it waits for stays blocked, so it spins at 100% CPU and ignores SIGTERM. libc's
 *   sigsuspend() makes rt_sigsuspend on every ABI (the old sigsuspend call is not used).
 * - futex (futex_time64 on 32-bit ABIs with 64-bit time): glibc waits in it only when another
 *   thread still holds what it waits for: pthread_join of a thread still running, a contended
 *   mutex, a condition variable. A recording where the thread had ended, or no lock was
 *   contended, never sees it; denied, glibc prints "The futex facility returned an unexpected
 *   error code" and aborts.
 * - getpid, tgkill: Go's runtime (1.14+) preempts a goroutine that has run for 10 ms without
 *   a call by signalling its thread, tgkill(getpid(), tid, SIGURG), from sysmon or when a
 *   garbage collection stops the world. Whether a recording sees it is timing (a Go binary's
 *   recordings here: runc --version made tgkill in 17 of 60 runs). Denied, the signal is not
 *   sent and the runtime waits: a collection started while a goroutine spins on a flag (a loop
 *   without calls) waits for ever, and every other goroutine with it. glibc's abort(), raise()
 *   and pthread_kill() use tgkill too.
 * - exit: the end of every thread (pthread_exit, a thread function returning, glibc's _exit
 *   loop); exit_group: the end of the process. A recording stopped by --duration or of a
 *   --pid/--cgroup that outlives it never sees them.
 * - clock_gettime, clock_gettime64, clock_getres, clock_getres_time64, gettimeofday, time,
 *   getcpu: answered by the vDSO without a syscall when it can read the clocksource (tsc,
 *   arch timer) and made as real syscalls when it cannot (hpet, acpi_pm, a VM without a
 *   stable TSC, a kernel booted with vdso=0): a profile recorded on one node breaks on the
 *   next. The *64 spellings are the 32-bit ABIs' time64 calls.
 * - getrandom: glibc 2.41 answers it from the vDSO on Linux 6.11+, and makes the syscall
 *   on older kernels.
 * - riscv_hwprobe: answered from the vDSO's cache on riscv64, a syscall for uncached keys.
 *
 * All of them are allowed by RuntimeDefault (Docker's default profile). Names that do not
 * exist on an ABI (sigreturn on x86_64, time on aarch64) are added only for the ABIs that have
 * them.
 *
 * Beside it, the fallback set: newer calls that libc tries first and replaces by an older one
 * only when the newer fails with ENOSYS (clone3 -> clone, faccessat2 -> faccessat, fchmodat2 ->
 * fchmodat). A recording made under a runtime's default profile (Docker's and containerd's
 * answer ENOSYS for clone3, podman's for every call it does not list) sees only the older
 * call, since a denied call never reaches a recorder. Such a profile must answer ENOSYS for the
 * newer call too: under EPERM (the default errno of OCI profiles), or a KILL default, glibc
 * gives up instead of falling back (pthread_create fails: "can't start new thread"). runc's
 * ENOSYS stub does not cover it: it answers only calls newer than every one the profile names
 * (faccessat2 and later are common), and containerd passes no architectures, so runc adds no
 * stub at all. glibc's statx() falls back on ENOSYS too, but every runtime's default profile
 * allows statx, so no recording misses it that way: it is left out. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "arch.h"
#include "profile.h"

struct sc_implicit_call {
	const char *name;
	const char *why; /* one line: when the kernel or libc makes it */
};

struct sc_fallback_call {
	const char *name;     /* the newer call */
	const char *older[2]; /* what libc falls back to (per ABI spelling), NULL-padded */
	const char *why;
};

/* The whole set, in a stable order; borrowed. Returns its length. */
size_t sc_implicit_set(const struct sc_implicit_call **ret);

/* Whether 'name' is in the set; the entry (borrowed) in *ret when it is (optional). */
bool sc_implicit_lookup(const char *name, const struct sc_implicit_call **ret);

/* The names of the set that are syscalls on 'arch', in the set's order; up to 'max' are
 * written to 'ret' (borrowed). Returns how many there are. */
size_t sc_implicit_names(enum sc_arch arch, const char **ret, size_t max);

/* The names of the set that exist on one of the ABIs 'p' covers (its architectures and
 * archMap entries; the native arch when it lists none) and that 'p' does not permit: neither
 * its default action nor an unconditional rule allows them, and no conditional rule may. Names
 * an explicit rule denies are included (with *ret_denied, optional, counting them). Owned array
 * of borrowed names in the set's order (free() it). Returns how many. */
int sc_implicit_missing(const struct sc_profile *p, const char ***ret, size_t *ret_denied);

/* The comment of the rule sc_implicit_add() writes. */
#define SC_IMPLICIT_COMMENT                                                                    \
	"implicit: calls the kernel or libc make without the program asking (restart after a " \
	"stop, signal return, waits, exit, vDSO fallbacks); see syscage/implicit.h"
/* What every version of that comment starts with: a rule written by an older syscage is
 * still the one the set is added to. */
#define SC_IMPLICIT_COMMENT_PREFIX "implicit: calls the kernel or libc make"

/* The comment of the rule that answers the fallback set with ENOSYS. */
#define SC_FALLBACK_COMMENT                                                                     \
	"fallback: newer calls libc replaces by an older one only on ENOSYS (clone3 -> clone, " \
	"...); see syscage/implicit.h"
#define SC_FALLBACK_COMMENT_PREFIX "fallback: newer calls libc replaces"

/* The fallback set, in a stable order; borrowed. Returns its length. */
size_t sc_implicit_fallbacks(const struct sc_fallback_call **ret);

/* The calls of the fallback set that 'p' denies otherwise than with ERRNO(ENOSYS) (by a rule,
 * or by its default action: runc's stub is not counted, containerd adds none) while it permits
 * one of their older calls: under 'p' libc would not fall back. Up to 'max' entries (borrowed)
 * are written to 'ret'. Returns how many there are, or -EINVAL. */
int sc_implicit_fallback_broken(const struct sc_profile *p, const struct sc_fallback_call **ret,
				size_t max);

/* The fallback half of sc_implicit_add(): each call of the fallback set that 'p' does not
 * permit and no rule names, while it permits one of its older calls, into the ERRNO(ENOSYS)
 * rule. For a profile that was not recorded (a merge, a KubeArmor allow-list as read): it
 * allows nothing more. Returns the number of names added, or -ENOMEM. */
int sc_implicit_add_fallbacks(struct sc_profile *p);

/* Whether rule 'r' of 'p' is one sc_implicit_add_fallbacks() would make again for 'p'
 * without it: ERRNO(ENOSYS), no conditions, only fallback calls whose older call 'p'
 * permits and no other rule names, and every such call (a rule of some of them would be
 * read back with more). A format that cannot say ENOSYS (KubeArmor) leaves it
 * out, and its reader puts it back. */
bool sc_implicit_fallback_implied(const struct sc_profile *p, const struct sc_rule *r);

/* Make 'p' allow the set on its ABIs: the names missing (sc_implicit_missing) that no rule
 * names are added to one ALLOW rule (the one with SC_IMPLICIT_COMMENT, created at the end when
 * there is none). Names already allowed are not repeated; a rule that denies one is kept, and
 * the name is then not added. Then each call of the fallback set that 'p' does not permit and
 * no rule names, while it permits one of its older calls, is added to one ERRNO(ENOSYS) rule
 * (SC_FALLBACK_COMMENT), unless 'p' answers unnamed calls with ENOSYS already; names that rule
 * holds and another rule now allows unconditionally (record --append) are taken out of it. A
 * profile whose default action permits is left alone. Returns the number of names added, or
 * -ENOMEM. */
int sc_implicit_add(struct sc_profile *p);

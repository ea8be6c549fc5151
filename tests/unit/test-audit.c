/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The seccomp audit record parser: every source format, every field, the ABI of a record,
 * loss messages, and the streaming line reader. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../audit-same.h"
#include "syscage/syscage.h"
#include "tap.h"

static struct sc_audit_record *rec;

static void setup(void)
{
	rec = malloc(sizeof(*rec));
	ck_assert_ptr_nonnull(rec);
	memset(rec, 0xa5, sizeof(*rec)); /* the parser must not rely on a clean record */
}

static void teardown(void)
{
	free(rec);
}

static enum sc_audit_kind parse(const char *line)
{
	return sc_audit_parse_line(line, strlen(line), rec);
}

/* The exact lines seed 002 prints from /var/log/syslog, and the names the seed's
 * fine-grained.json lists for them. */
START_TEST(seed_002_lines)
{
	static const struct {
		const char *line;
		uint64_t serial;
		const char *name;
	} t[] = {
		{ "Jul  6 15:37:40 my-machine kernel: [369128.669452] audit: type=1326 "
		  "audit(1594067860.484:14536): auid=4294967295 uid=0 gid=0 ses=4294967295 "
		  "pid=29064 comm=\"http-echo\" exe=\"/http-echo\" sig=0 arch=c000003e syscall=51 "
		  "compat=0 ip=0x46fe1f code=0x7ffc0000",
		  14536, "getsockname" },
		{ "Jul  6 15:37:40 my-machine kernel: [369128.669453] audit: type=1326 "
		  "audit(1594067860.484:14537): auid=4294967295 uid=0 gid=0 ses=4294967295 "
		  "pid=29064 comm=\"http-echo\" exe=\"/http-echo\" sig=0 arch=c000003e syscall=54 "
		  "compat=0 ip=0x46fdba code=0x7ffc0000",
		  14537, "setsockopt" },
		{ "Jul  6 15:37:40 my-machine kernel: [369128.669455] audit: type=1326 "
		  "audit(1594067860.484:14538): auid=4294967295 uid=0 gid=0 ses=4294967295 "
		  "pid=29064 comm=\"http-echo\" exe=\"/http-echo\" sig=0 arch=c000003e "
		  "syscall=202 compat=0 ip=0x455e53 code=0x7ffc0000",
		  14538, "futex" },
		{ "Jul  6 15:37:40 my-machine kernel: [369128.669456] audit: type=1326 "
		  "audit(1594067860.484:14539): auid=4294967295 uid=0 gid=0 ses=4294967295 "
		  "pid=29064 comm=\"http-echo\" exe=\"/http-echo\" sig=0 arch=c000003e "
		  "syscall=288 compat=0 ip=0x46fdba code=0x7ffc0000",
		  14539, "accept4" },
		{ "Jul  6 15:37:40 my-machine kernel: [369128.669517] audit: type=1326 "
		  "audit(1594067860.484:14540): auid=4294967295 uid=0 gid=0 ses=4294967295 "
		  "pid=29064 comm=\"http-echo\" exe=\"/http-echo\" sig=0 arch=c000003e syscall=0 "
		  "compat=0 ip=0x46fd44 code=0x7ffc0000",
		  14540, "read" },
		{ "Jul  6 15:37:40 my-machine kernel: [369128.669519] audit: type=1326 "
		  "audit(1594067860.484:14541): auid=4294967295 uid=0 gid=0 ses=4294967295 "
		  "pid=29064 comm=\"http-echo\" exe=\"/http-echo\" sig=0 arch=c000003e "
		  "syscall=270 compat=0 ip=0x4559b1 code=0x7ffc0000",
		  14541, "pselect6" },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_int_eq(parse(t[i].line), SC_AUDIT_SECCOMP);
		ck_assert_int_eq(rec->source, SC_AUDIT_SRC_SYSLOG);
		ck_assert_uint_eq(rec->serial, t[i].serial);
		ck_assert_uint_eq(rec->time_ms, 1594067860484ull);
		ck_assert_str_eq(rec->name, t[i].name);
		ck_assert_int_eq(rec->arch, SC_ARCH_X86_64);
		ck_assert_uint_eq(rec->pid, 29064);
		ck_assert_uint_eq(rec->uid, 0);
		ck_assert_uint_eq(rec->auid, 4294967295u);
		ck_assert_uint_eq(rec->ses, 4294967295u);
		ck_assert_str_eq(rec->comm, "http-echo");
		ck_assert_str_eq(rec->exe, "/http-echo");
		ck_assert_int_eq(rec->action, SC_ACT_LOG);
		ck_assert_uint_eq(rec->compat, 0);
	}
	ck_assert_uint_eq(rec->ip, 0x4559b1);
}
END_TEST

START_TEST(all_fields)
{
	ck_assert_int_eq(parse("6,1234,5678,-;audit: type=1326 audit(1700000000.123:456): "
			       "auid=1000 uid=1001 gid=1002 ses=7 pid=4242 comm=\"app\" "
			       "exe=\"/usr/bin/app\" sig=31 arch=c000003e syscall=101 compat=0 "
			       "ip=0x7f1234567890 code=0x80000000"),
			 SC_AUDIT_SECCOMP);
	ck_assert_int_eq(rec->source, SC_AUDIT_SRC_KMSG);
	ck_assert_uint_eq(rec->time_ms, 1700000000123ull);
	ck_assert_uint_eq(rec->serial, 456);
	ck_assert_uint_eq(rec->auid, 1000);
	ck_assert_uint_eq(rec->uid, 1001);
	ck_assert_uint_eq(rec->gid, 1002);
	ck_assert_uint_eq(rec->ses, 7);
	ck_assert_uint_eq(rec->pid, 4242);
	ck_assert_int_eq(rec->sig, 31);
	ck_assert_uint_eq(rec->ip, 0x7f1234567890ull);
	ck_assert_uint_eq(rec->code, 0x80000000u);
	ck_assert_int_eq(rec->action, SC_ACT_KILL_PROCESS);
	ck_assert_str_eq(rec->name, "ptrace");
	unsigned want = SC_AUDIT_HAVE_TIME | SC_AUDIT_HAVE_SERIAL | SC_AUDIT_HAVE_PID |
			SC_AUDIT_HAVE_UID | SC_AUDIT_HAVE_GID | SC_AUDIT_HAVE_AUID |
			SC_AUDIT_HAVE_SES | SC_AUDIT_HAVE_COMM | SC_AUDIT_HAVE_EXE |
			SC_AUDIT_HAVE_ARCH | SC_AUDIT_HAVE_SYSCALL | SC_AUDIT_HAVE_COMPAT |
			SC_AUDIT_HAVE_IP | SC_AUDIT_HAVE_CODE | SC_AUDIT_HAVE_SIG;
	ck_assert_uint_eq(rec->have, want);
}
END_TEST

/* Fields a caller skips are left out (and cost nothing); everything else is as a full parse
 * gives it, in the kernel's order and in auditd's with subj=, and a skipped field that
 * holds garbage changes nothing either. */
START_TEST(skip_fields)
{
	static const char *const lines[] = {
		"6,1234,5678,-;audit: type=1326 audit(1700000000.123:456): auid=1000 uid=1001 "
		"gid=1002 ses=7 pid=4242 comm=\"app\" exe=\"/usr/bin/app\" sig=31 arch=c000003e "
		"syscall=101 compat=0 ip=0x7f1234567890 code=0x80000000",
		"type=SECCOMP msg=audit(1700000000.001:1001): auid=4294967295 uid=0 gid=0 "
		"ses=4294967295 subj=unconfined pid=1009 comm=\"redis-server\" "
		"exe=\"/usr/bin/redis-server\" sig=0 arch=c000003e syscall=3 compat=0 "
		"ip=0x7f414c343c code=0x7ffc0000",
		/* over the skipped head in one step, or not: a tab, no subj=, a missing ses=,
		 * a value of 60 bytes */
		"type=SECCOMP msg=audit(1700000000.001:1002): auid=1 uid=0\tgid=0 ses=1 "
		"subj=unconfined pid=1010 comm=\"a\" exe=\"/a\" sig=0 arch=c000003e syscall=4 "
		"compat=0 ip=0x1 code=0x7ffc0000",
		"type=SECCOMP msg=audit(1700000000.001:1003): auid=1 uid=0 gid=0 ses=1 pid=1011 "
		"comm=\"b\" exe=\"/b\" sig=0 arch=c000003e syscall=5 compat=0 ip=0x1 "
		"code=0x7ffc0000",
		"type=SECCOMP msg=audit(1700000000.001:1004): auid=1 uid=0 gid=0 subj=x pid=1012 "
		"comm=\"c\" exe=\"/c\" sig=0 arch=c000003e syscall=6 compat=0 ip=0x1 "
		"code=0x7ffc0000",
		"type=SECCOMP msg=audit(1700000000.001:1005): auid=1 uid=0 gid=0 ses=1 "
		"subj=system_u:system_r:container_t:s0:c123,c456.c789.c1000.c1001.c1002 pid=1013 "
		"comm=\"d\" exe=\"/d\" sig=0 arch=c000003e syscall=7 compat=0 ip=0x1 "
		"code=0x7ffc0000",
		"type=SECCOMP msg=audit(1700000000.001:1001): auid=x uid=-- gid=0 ses=? "
		"subj=a:b:c:s0-s0:c0.c1023 pid=1009 comm=6170700A exe=\"/a b\" sig=?? "
		"arch=c000003e syscall=3 compat=z ip=nope code=0x50001",
	};
	static const uint32_t pids[] = { 4242, 1009, 1010, 1011, 1012, 1013, 1009 };
	const unsigned skip = SC_AUDIT_HAVE_AUID | SC_AUDIT_HAVE_UID | SC_AUDIT_HAVE_GID |
			      SC_AUDIT_HAVE_SES | SC_AUDIT_HAVE_SIG | SC_AUDIT_HAVE_COMPAT |
			      SC_AUDIT_HAVE_IP;
	struct sc_audit_record *full = malloc(sizeof(*full));

	ck_assert_ptr_nonnull(full);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		ck_assert_int_eq(sc_audit_parse_line(lines[i], strlen(lines[i]), full),
				 SC_AUDIT_SECCOMP);
		ck_assert_int_eq(sc_audit_parse_line_skip(lines[i], strlen(lines[i]), skip, rec),
				 SC_AUDIT_SECCOMP);
		/* (a line out of the kernel's order is read by the general parser, which
		 * skips nothing) */
		if (i != 4)
			ck_assert_uint_eq(rec->have & skip, 0);
		ck_assert_uint_eq(rec->have & ~skip, full->have & ~skip);
		ck_assert_uint_eq(rec->time_ms, full->time_ms);
		ck_assert_uint_eq(rec->serial, full->serial);
		ck_assert_uint_eq(rec->pid, full->pid);
		ck_assert_str_eq(rec->comm, full->comm);
		ck_assert_str_eq(rec->exe, full->exe);
		ck_assert_int_eq(rec->arch, full->arch);
		ck_assert_str_eq(rec->name, full->name);
		ck_assert_uint_eq(rec->code, full->code);
		ck_assert_int_eq(rec->action, full->action);
		ck_assert_uint_eq(rec->pid, pids[i]);
	}
	ck_assert_uint_eq(rec->pid, 1009);
	ck_assert_str_eq(rec->comm, "app\n");
	ck_assert_str_eq(rec->exe, "/a b");
	free(full);
}
END_TEST

/* The kernel's order, hex of every shape: upper case, fewer digits, at the end of the line,
 * more than 32 bits (not a code: the record has none), a stray letter (not an arch). */
START_TEST(hex_fields_in_order)
{
	static const struct {
		const char *arch, *code;
		bool have_arch, have_code;
		uint32_t audit_arch, code_v;
	} t[] = {
		{ "C000003E", "0x7FFC0000", true, true, 0xc000003e, 0x7ffc0000 },
		{ "c000003e", "0x50001", true, true, 0xc000003e, 0x50001 },
		{ "40000003", "0x00050026", true, true, 0x40000003, 0x50026 },
		{ "c00000b7", "0x17ffc0000", true, false, 0xc00000b7, 0 },
		{ "c000003g", "0x7ffc0000", false, true, 0, 0x7ffc0000 },
	};
	char line[512];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(line, sizeof(line),
			 "audit: type=1326 audit(1700000000.123:456): auid=1 uid=2 gid=3 ses=4 "
			 "pid=5 comm=\"c\" exe=\"/e\" sig=0 arch=%s syscall=1 compat=0 ip=0x1 "
			 "code=%s",
			 t[i].arch, t[i].code);
		parse(line);
		ck_assert_msg(!!(rec->have & SC_AUDIT_HAVE_ARCH) == t[i].have_arch, "%zu arch", i);
		ck_assert_msg(!!(rec->have & SC_AUDIT_HAVE_CODE) == t[i].have_code, "%zu code", i);
		if (t[i].have_arch)
			ck_assert_uint_eq(rec->audit_arch, t[i].audit_arch);
		if (t[i].have_code)
			ck_assert_uint_eq(rec->code, t[i].code_v);
		ck_assert_uint_eq(rec->nr, 1);
	}
}
END_TEST

/* Each ABI is named with its own table: the same number means different calls. */
START_TEST(abis)
{
	static const struct {
		const char *tok;
		const char *nr;
		const char *compat;
		enum sc_arch arch;
		const char *name;
	} t[] = {
		{ "c000003e", "257", "0", SC_ARCH_X86_64, "openat" },
		{ "40000003", "295", "1", SC_ARCH_X86, "openat" }, /* int $0x80 */
		{ "40000003", "102", "1", SC_ARCH_X86, "socketcall" },
		{ "c000003e", "1073741825", "0", SC_ARCH_X32, "write" }, /* x32 bit */
		{ "c000003e", "1073742081", "0", SC_ARCH_X32, "openat" },
		{ "c00000b7", "56", "0", SC_ARCH_AARCH64, "openat" },
		{ "c00000b7", "278", "0", SC_ARCH_AARCH64, "getrandom" },
		{ "40000028", "3", "1", SC_ARCH_ARM, "read" },
		{ "c00000f3", "63", "0", SC_ARCH_RISCV64, "read" },
		{ "80000016", "5", "0", SC_ARCH_S390X, "open" },
	};
	char line[512];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(line, sizeof(line),
			 "audit: type=1326 audit(1.000:1): pid=1 comm=\"x\" arch=%s syscall=%s "
			 "compat=%s code=0x7ffc0000",
			 t[i].tok, t[i].nr, t[i].compat);
		ck_assert_int_eq(parse(line), SC_AUDIT_SECCOMP);
		ck_assert_msg(rec->arch == t[i].arch, "%s %s: arch %d", t[i].tok, t[i].nr,
			      rec->arch);
		ck_assert_ptr_nonnull(rec->name);
		ck_assert_str_eq(rec->name, t[i].name);
		ck_assert_uint_eq(rec->compat, t[i].compat[0] - '0');
	}
	/* Unknown token: a record, but no name. */
	ck_assert_int_eq(parse("audit: type=1326 audit(1.000:1): arch=deadbeef syscall=1"),
			 SC_AUDIT_SECCOMP);
	ck_assert_int_lt(rec->arch, 0);
	ck_assert_ptr_null(rec->name);
	/* Unknown number on a known arch. */
	ck_assert_int_eq(parse("audit: type=1326 audit(1.000:1): arch=c000003e syscall=4000"),
			 SC_AUDIT_SECCOMP);
	ck_assert_int_eq(rec->arch, SC_ARCH_X86_64);
	ck_assert_ptr_null(rec->name);
}
END_TEST

START_TEST(codes)
{
	static const struct {
		const char *code;
		enum sc_action a;
		uint32_t data;
	} t[] = {
		{ "0x7ffc0000", SC_ACT_LOG, 0 },    { "0x50001", SC_ACT_ERRNO, 1 },
		{ "0x00050026", SC_ACT_ERRNO, 38 }, { "0x80000000", SC_ACT_KILL_PROCESS, 0 },
		{ "0x0", SC_ACT_KILL_THREAD, 0 },   { "0x30000", SC_ACT_TRAP, 0 },
		{ "0x7ff00005", SC_ACT_TRACE, 5 },  { "0x7fc00000", SC_ACT_NOTIFY, 0 },
		{ "0x7fff0000", SC_ACT_ALLOW, 0 },
	};
	char line[256];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(line, sizeof(line),
			 "audit: type=1326 audit(1.5:2): arch=c000003e syscall=83 code=%s",
			 t[i].code);
		ck_assert_int_eq(parse(line), SC_AUDIT_SECCOMP);
		ck_assert_int_eq(rec->action, t[i].a);
		ck_assert_uint_eq(rec->data, t[i].data);
	}
	ck_assert_uint_eq(rec->time_ms, 1500);
}
END_TEST

START_TEST(hex_and_odd_strings)
{
	ck_assert_int_eq(parse("type=SECCOMP msg=audit(1700000200.500:2000): auid=1000 uid=1000 "
			       "gid=1000 ses=3 subj=unconfined pid=9000 comm=6D7920617070 "
			       "exe=2F6F70742F6D79206170702F62696E sig=0 arch=c000003e "
			       "syscall=257 compat=0 ip=0x7f0000001000 code=0x7ffc0000"),
			 SC_AUDIT_SECCOMP);
	ck_assert_int_eq(rec->source, SC_AUDIT_SRC_AUDITD);
	ck_assert_str_eq(rec->comm, "my app");
	ck_assert_str_eq(rec->exe, "/opt/my app/bin");
	/* lower-case hex too; (null) means none */
	ck_assert_int_eq(parse("audit: type=1326 audit(1.0:1): comm=6a617661 exe=(null) "
			       "arch=c000003e syscall=0"),
			 SC_AUDIT_SECCOMP);
	ck_assert_str_eq(rec->comm, "java");
	ck_assert(!(rec->have & SC_AUDIT_HAVE_EXE));
	/* A comm longer than the buffer is truncated, not overflowed. */
	char line[600] = "audit: type=1326 audit(1.0:1): arch=c000003e syscall=0 comm=\"";
	memset(line + strlen(line), 'A', 200);
	strcat(line, "\"");
	ck_assert_int_eq(parse(line), SC_AUDIT_SECCOMP);
	ck_assert(rec->truncated);
	ck_assert_uint_eq(strlen(rec->comm), SC_AUDIT_COMM_MAX - 1);
}
END_TEST

START_TEST(auditd_enriched)
{
	ck_assert_int_eq(parse("node=n1 type=SECCOMP msg=audit(1700000200.502:2002): auid=1000 "
			       "uid=1000 gid=1000 ses=3 subj=unconfined pid=9000 comm=\"curl\" "
			       "exe=\"/usr/bin/curl\" sig=0 arch=c000003e syscall=1 compat=0 "
			       "ip=0x7f0000001010 code=0x7ffc0000\x1d"
			       "AUID=\"user\" UID=\"user\" GID=\"user\" ARCH=x86_64 SYSCALL=write"),
			 SC_AUDIT_SECCOMP);
	ck_assert_str_eq(rec->name, "write");
	ck_assert_uint_eq(rec->uid, 1000); /* not UID="user" */
	ck_assert_uint_eq(rec->auid, 1000);
	ck_assert_uint_eq(rec->serial, 2002);
	/* Other auditd records only feed the serial accounting. */
	ck_assert_int_eq(parse("type=SYSCALL msg=audit(1700000200.501:2001): arch=c000003e "
			       "syscall=59 success=yes exit=0 pid=9001 comm=\"sudo\""),
			 SC_AUDIT_OTHER);
	ck_assert_uint_eq(rec->serial, 2001);
	ck_assert(!(rec->have & SC_AUDIT_HAVE_SYSCALL));
	ck_assert_int_eq(parse("audit: type=1300 audit(1700000200.501:2003): arch=c000003e "
			       "syscall=59"),
			 SC_AUDIT_OTHER);
}
END_TEST

START_TEST(sources)
{
	static const struct {
		const char *line;
		enum sc_audit_source src;
		const char *name;
	} t[] = {
		{ "[  369.128669] audit: type=1326 audit(1700000100.000:700): pid=5000 "
		  "arch=c00000b7 syscall=56 code=0x7ffc0000",
		  SC_AUDIT_SRC_DMESG, "openat" },
		{ "audit: type=1326 audit(1700000100.002:702): pid=5000 arch=c00000b7 syscall=64",
		  SC_AUDIT_SRC_DMESG, "write" },
		{ "<4>1 2023-11-14T22:13:20.000000+00:00 node1 kernel - - - audit: type=1326 "
		  "audit(1700000000.000:900): pid=6000 arch=c000003e syscall=232 code=0x7ffc0000",
		  SC_AUDIT_SRC_RFC5424, "epoll_wait" },
		{ "<4>Nov 14 22:13:22 node1 kernel: audit: type=1326 audit(1700000002.000:902): "
		  "pid=6000 arch=c000003e syscall=0 code=0x7ffc0000",
		  SC_AUDIT_SRC_SYSLOG, "read" },
		{ "2023-11-14T22:13:20+0000 node1 kernel: audit: type=1326 "
		  "audit(1700000000.010:1001): pid=7000 arch=c000003e syscall=281",
		  SC_AUDIT_SRC_SYSLOG, "epoll_pwait" },
		{ "Nov 14 22:13:21 node1 audit[7000]: SECCOMP auid=4294967295 uid=0 gid=0 "
		  "ses=4294967295 pid=7000 comm=\"redis-server\" exe=\"/usr/bin/redis-server\" "
		  "sig=0 arch=c000003e syscall=20 compat=0 ip=0x7f20 code=0x7ffc0000",
		  SC_AUDIT_SRC_SYSLOG, "writev" },
		{ "{\"__REALTIME_TIMESTAMP\":\"1700000000000000\",\"_TRANSPORT\":\"kernel\","
		  "\"MESSAGE\":\"audit: type=1326 audit(1700000000.000:1100): pid=8000 "
		  "comm=\\\"java\\\" exe=\\\"/usr/lib/jvm/bin/java\\\" arch=c000003e syscall=435 "
		  "code=0x7ffc0000\"}",
		  SC_AUDIT_SRC_JOURNAL_JSON, "clone3" },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_msg(parse(t[i].line) == SC_AUDIT_SECCOMP, "line %zu", i);
		ck_assert_msg(rec->source == t[i].src, "line %zu: source %d", i, rec->source);
		ck_assert_str_eq(rec->name, t[i].name);
	}
	ck_assert_str_eq(rec->comm, "java");
	ck_assert_str_eq(rec->exe, "/usr/lib/jvm/bin/java");
}
END_TEST

START_TEST(journal_json)
{
	/* The audit transport: no audit(...) stamp in MESSAGE, it is in the fields. */
	ck_assert_int_eq(
		parse("{\"__REALTIME_TIMESTAMP\" : \"1700000001500000\",\"_TRANSPORT\":\"audit\","
		      "\"_AUDIT_ID\":\"1101\",\"MESSAGE\":\"SECCOMP auid=4294967295 uid=0 pid=8000 "
		      "comm=\\\"java\\\" arch=c000003e syscall=425 compat=0 code=0x7ffc0000\"}"),
		SC_AUDIT_SECCOMP);
	ck_assert_str_eq(rec->name, "io_uring_setup");
	ck_assert_uint_eq(rec->time_ms, 1700000001500ull);
	ck_assert_uint_eq(rec->serial, 1101);
	/* journald stores non-UTF-8 messages as byte arrays */
	ck_assert_int_eq(parse("{\"MESSAGE\":[97,117,100,105,116,58,32,116,121,112,101,61,49,51,"
			       "50,54,32,97,117,100,105,116,40,49,46,48,58,49,41,58,32,99,111,109,"
			       "109,61,54,65,54,49,55,54,54,49,32,97,114,99,104,61,99,48,48,48,48,"
			       "48,51,101,32,115,121,115,99,97,108,108,61,52,51,57]}"),
			 SC_AUDIT_SECCOMP);
	ck_assert_str_eq(rec->name, "faccessat2");
	ck_assert_str_eq(rec->comm, "java");
	ck_assert_int_eq(parse("{\"MESSAGE\":\"Bluetooth: Core ver 2.22\"}"), SC_AUDIT_FOREIGN);
	ck_assert_int_eq(parse("{\"MESSAGE\":\"audit: type=1326 \\u0061udit(1.0:1): arch=c000003e "
			       "syscall=0\"}"),
			 SC_AUDIT_SECCOMP);
	ck_assert_str_eq(rec->name, "read");
}
END_TEST

START_TEST(loss_messages)
{
	ck_assert_int_eq(parse("4,10239,369128669500,-;kauditd_printk_skb: 42 callbacks "
			       "suppressed"),
			 SC_AUDIT_LOSS);
	ck_assert_int_eq(rec->loss, SC_AUDIT_LOSS_SUPPRESSED);
	ck_assert_uint_eq(rec->lost, 42);
	ck_assert_int_eq(parse("[ 12.5] kauditd_printk_skb: 7 callbacks suppressed"),
			 SC_AUDIT_LOSS);
	ck_assert_uint_eq(rec->lost, 7);
	ck_assert_int_eq(parse("[  369.128680] audit: rate limit exceeded"), SC_AUDIT_LOSS);
	ck_assert_int_eq(rec->loss, SC_AUDIT_LOSS_RATE_LIMIT);
	ck_assert_int_eq(parse("audit: printk limit exceeded"), SC_AUDIT_LOSS);
	ck_assert_int_eq(rec->loss, SC_AUDIT_LOSS_PRINTK);
	ck_assert_int_eq(parse("Nov 1 00:00:00 h kernel: audit: backlog limit exceeded"),
			 SC_AUDIT_LOSS);
	ck_assert_int_eq(rec->loss, SC_AUDIT_LOSS_BACKLOG);
	ck_assert_int_eq(parse("audit: audit_backlog=65 > audit_backlog_limit=64"), SC_AUDIT_LOSS);
	ck_assert_int_eq(rec->loss, SC_AUDIT_LOSS_BACKLOG);
	ck_assert_int_eq(parse("audit: kauditd hold queue overflow"), SC_AUDIT_LOSS);
	ck_assert_int_eq(rec->loss, SC_AUDIT_LOSS_BACKLOG);
	ck_assert_int_eq(parse("[ 370.0] audit: audit_lost=5 audit_rate_limit=0 "
			       "audit_backlog_limit=64"),
			 SC_AUDIT_LOSS);
	ck_assert_int_eq(rec->loss, SC_AUDIT_LOSS_COUNTER);
	ck_assert_uint_eq(rec->lost, 5);
	ck_assert_int_eq(parse("type=DAEMON_ABORT msg=audit(1.0:9): op=x lost=12 res=failed"),
			 SC_AUDIT_LOSS);
	ck_assert_uint_eq(rec->lost, 12);
	ck_assert_uint_eq(rec->serial, 9);
	/* Similar words are not loss. */
	ck_assert_int_eq(parse("kauditd_printk_skb: callbacks suppressed"), SC_AUDIT_FOREIGN);
	ck_assert_int_eq(parse("systemd[1]: Started auditd.service"), SC_AUDIT_FOREIGN);
	ck_assert_int_eq(parse("audit: initializing netlink subsys (disabled)"), SC_AUDIT_FOREIGN);
}
END_TEST

/* The words of loss messages are found wherever they are in a line and whatever follows (the
 * search looks at 16 start positions at a time, then byte by byte near the end), and a near
 * miss in any byte is not one. */
START_TEST(loss_words_anywhere)
{
	static const struct {
		const char *msg;
		enum sc_audit_loss loss;
		uint64_t lost;
		size_t word; /* where the word that makes it loss starts */
	} t[] = {
		{ "audit: rate limit exceeded", SC_AUDIT_LOSS_RATE_LIMIT, 0, 0 },
		{ "kauditd_printk_skb: 42 callbacks suppressed", SC_AUDIT_LOSS_SUPPRESSED, 42, 1 },
		{ "audit: audit_lost=5 audit_rate_limit=0 audit_backlog_limit=64",
		  SC_AUDIT_LOSS_COUNTER, 5, 7 },
	};
	char line[160];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		for (size_t before = 0; before <= 40; before++)
			for (size_t after = 0; after <= 20; after += 5) {
				size_t n = strlen(t[i].msg);
				memset(line, 'x', before);
				line[0] = before ? '[' : line[0]; /* not a source of its own */
				memcpy(line + before, t[i].msg, n + 1);
				memset(line + before + n, ' ', after);
				line[before + n + after] = 0;
				ck_assert_msg(parse(line) == SC_AUDIT_LOSS &&
						      rec->loss == t[i].loss &&
						      rec->lost == t[i].lost,
					      "%s at %zu, %zu after: kind %d", t[i].msg, before,
					      after, rec->kind);
				/* One byte of the word changed: not loss. */
				for (size_t k = 0; k < 5; k++) {
					char saved = line[before + t[i].word + k];
					line[before + t[i].word + k] = 'Q';
					ck_assert_msg(parse(line) != SC_AUDIT_LOSS ||
							      rec->loss != t[i].loss,
						      "%s at %zu, byte %zu changed: loss", t[i].msg,
						      before, k);
					line[before + t[i].word + k] = saved;
				}
			}
}
END_TEST

START_TEST(malformed_and_foreign)
{
	static const char *const foreign[] = {
		"",
		"usb 1-1: new high-speed USB device number 2 using xhci_hcd",
		" SUBSYSTEM=none",
		"audit(",
		"audit(1.0:",
		"audit: type=1326 audit(notanumber:1): arch=c000003e syscall=0",
		"-- Boot 3b1c2e0d5a6f4e8c9d0b1a2c3d4e5f60 --",
		"{\"MESSAGE\":",
		"{",
	};
	for (size_t i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++)
		ck_assert_msg(parse(foreign[i]) == SC_AUDIT_FOREIGN, "%s", foreign[i]);
	ck_assert_int_eq(parse("audit: type=1326 audit(1.0:1): pid=1 comm=\"x\" syscall=1"),
			 SC_AUDIT_MALFORMED);
	ck_assert_int_eq(parse("audit: type=1326 audit(1.0:1): pid=1 arch=zz syscall=1"),
			 SC_AUDIT_MALFORMED);
	ck_assert_int_eq(parse("audit: type=1326 audit(1.0:1): arch=c000003e syscall=99999999999"),
			 SC_AUDIT_MALFORMED);
	ck_assert_int_eq(parse("audit: type=1326 audit(1.0:1): arch=c000003e syscall=1 comm=\"x"),
			 SC_AUDIT_SECCOMP);
	ck_assert_str_eq(rec->comm, "x");
	/* Not NUL-terminated: the parser stops at len. */
	const char *s = "audit: type=1326 audit(1.0:1): arch=c000003e syscall=12345";
	ck_assert_int_eq(sc_audit_parse_line(s, strlen(s) - 3, rec), SC_AUDIT_SECCOMP);
	ck_assert_uint_eq(rec->nr, 12);
	ck_assert_str_eq(rec->name, "brk");
	ck_assert_int_eq(sc_audit_parse_line(NULL, 0, rec), SC_AUDIT_FOREIGN);
}
END_TEST

/* comm and exe as views: in the line when quoted (with or without the copy), in comm[] and
 * exe[] when decoded from hex; (null) is no value; a NUL ends a quoted value as it ends the
 * copy. */
START_TEST(views)
{
	static const char line[] = "type=SECCOMP msg=audit(1700000000.001:7): pid=9 comm=\"app\" "
				   "exe=\"/usr/bin/app\" sig=0 arch=c000003e syscall=0 compat=0 "
				   "ip=0x1 code=0x7ffc0000";
	static const char hex[] = "type=SECCOMP msg=audit(1700000000.001:7): pid=9 comm=6170700A "
				  "exe=(null) sig=0 arch=c000003e syscall=0 code=0x7ffc0000";
	static const char nul[] = "audit: type=1326 audit(1.0:1): comm=\"a\0b\" exe=\"/x\" "
				  "arch=c000003e syscall=0";
	static const char odd[] = "type=SECCOMP msg=audit(1.0:1): pid=1 comm=6'1\0x\0y exe=\"/x\" "
				  "arch=c000003e syscall=0";

	ck_assert_int_eq(sc_audit_parse_line(line, strlen(line), rec), SC_AUDIT_SECCOMP);
	ck_assert_str_eq(rec->comm, "app");
	ck_assert_ptr_eq(rec->comm_v.s, strstr(line, "app\""));
	ck_assert_uint_eq(rec->comm_v.n, 3);
	ck_assert_ptr_eq(rec->exe_v.s, strstr(line, "/usr/bin/app"));
	ck_assert_uint_eq(rec->exe_v.n, 12);

	ck_assert_int_eq(sc_audit_parse_line_skip(line, strlen(line), SC_AUDIT_VIEWS_ONLY, rec),
			 SC_AUDIT_SECCOMP);
	ck_assert_str_eq(rec->comm, "");
	ck_assert_str_eq(rec->exe, "");
	ck_assert(audit_view_same(rec->comm_v, (struct sc_audit_view){ "app", 3 }));
	ck_assert(audit_view_same(rec->exe_v, (struct sc_audit_view){ "/usr/bin/app", 12 }));

	ck_assert_int_eq(sc_audit_parse_line_skip(hex, strlen(hex), SC_AUDIT_VIEWS_ONLY, rec),
			 SC_AUDIT_SECCOMP);
	ck_assert_ptr_eq(rec->comm_v.s, rec->comm);
	ck_assert_str_eq(rec->comm, "app\n");
	ck_assert_uint_eq(rec->comm_v.n, 4);
	ck_assert_uint_eq(rec->have & SC_AUDIT_HAVE_EXE, 0);
	ck_assert_uint_eq(rec->exe_v.n, 0);

	ck_assert_int_eq(sc_audit_parse_line(nul, sizeof(nul) - 1, rec), SC_AUDIT_SECCOMP);
	ck_assert_str_eq(rec->comm, "a");
	ck_assert(audit_view_same(rec->comm_v, (struct sc_audit_view){ "a", 1 }));
	ck_assert(audit_view_same(rec->exe_v, (struct sc_audit_view){ "/x", 2 }));
	/* Unquoted and not hex (kept as given), NUL inside: the same. */
	ck_assert_int_eq(sc_audit_parse_line_skip(odd, sizeof(odd) - 1, SC_AUDIT_VIEWS_ONLY, rec),
			 SC_AUDIT_SECCOMP);
	ck_assert(audit_view_same(rec->comm_v, (struct sc_audit_view){ "6'1", 3 }));
}
END_TEST

/* A pid's records repeat comm, exe, sig and arch byte for byte, and the parser takes their
 * result from the last record of that pid with the same bytes: every record must still be what
 * its own text says, whatever came before it (views into its own line, not an earlier one). */
START_TEST(repeated_fields)
{
	static const struct {
		const char *line;
		unsigned skip;
		const char *comm, *exe;
		uint32_t audit_arch, nr;
		int32_t sig;
		enum sc_audit_kind kind;
	} t[] = {
#define H "type=SECCOMP msg=audit(1700000000.001:7): auid=1 uid=0 gid=0 ses=1 pid=9 "
		{ H
		  "comm=\"app\" exe=\"/usr/bin/app\" sig=0 arch=c000003e syscall=1 code=0x7ffc0000",
		  SC_LOGS_PARSE_SKIP, "app", "/usr/bin/app", 0xc000003e, 1, 0, SC_AUDIT_SECCOMP },
		/* The same bytes again, then one byte changed in each field. */
		{ H
		  "comm=\"app\" exe=\"/usr/bin/app\" sig=0 arch=c000003e syscall=2 code=0x7ffc0000",
		  SC_LOGS_PARSE_SKIP, "app", "/usr/bin/app", 0xc000003e, 2, 0, SC_AUDIT_SECCOMP },
		{ H
		  "comm=\"apq\" exe=\"/usr/bin/app\" sig=0 arch=c000003e syscall=3 code=0x7ffc0000",
		  SC_LOGS_PARSE_SKIP, "apq", "/usr/bin/app", 0xc000003e, 3, 0, SC_AUDIT_SECCOMP },
		{ H
		  "comm=\"apq\" exe=\"/usr/bin/apq\" sig=0 arch=c000003e syscall=3 code=0x7ffc0000",
		  SC_LOGS_PARSE_SKIP, "apq", "/usr/bin/apq", 0xc000003e, 3, 0, SC_AUDIT_SECCOMP },
		{ H
		  "comm=\"apq\" exe=\"/usr/bin/apq\" sig=0 arch=40000003 syscall=4 code=0x7ffc0000",
		  SC_LOGS_PARSE_SKIP, "apq", "/usr/bin/apq", 0x40000003, 4, 0, SC_AUDIT_SECCOMP },
		/* Hex: decoded into the record, never taken from an earlier line. */
		{ H
		  "comm=617071 exe=\"/usr/bin/apq\" sig=0 arch=40000003 syscall=5 code=0x7ffc0000",
		  SC_LOGS_PARSE_SKIP, "apq", "/usr/bin/apq", 0x40000003, 5, 0, SC_AUDIT_SECCOMP },
		{ H
		  "comm=617071 exe=\"/usr/bin/apq\" sig=0 arch=40000003 syscall=6 code=0x7ffc0000",
		  SC_LOGS_PARSE_SKIP, "apq", "/usr/bin/apq", 0x40000003, 6, 0, SC_AUDIT_SECCOMP },
		/* sig= decoded when not skipped, and the skip is part of what is kept. */
		{ H "comm=\"app\" exe=\"/usr/bin/app\" sig=31 arch=c000003e syscall=7 "
		    "code=0x7ffc0000",
		  0, "app", "/usr/bin/app", 0xc000003e, 7, 31, SC_AUDIT_SECCOMP },
		{ H "comm=\"app\" exe=\"/usr/bin/app\" sig=31 arch=c000003e syscall=8 "
		    "code=0x7ffc0000",
		  SC_LOGS_PARSE_SKIP, "app", "/usr/bin/app", 0xc000003e, 8, 0, SC_AUDIT_SECCOMP },
		{ H "comm=\"app\" exe=\"/usr/bin/app\" sig=31 arch=c000003e syscall=9 "
		    "code=0x7ffc0000",
		  0, "app", "/usr/bin/app", 0xc000003e, 9, 31, SC_AUDIT_SECCOMP },
		/* The same fields, and the line ends after them: no syscall=. */
		{ H "comm=\"app\" exe=\"/usr/bin/app\" sig=31 arch=c000003e ", 0, "app",
		  "/usr/bin/app", 0xc000003e, 0, 31, SC_AUDIT_MALFORMED },
		{ H "comm=\"app\" exe=\"/usr/bin/app\" sig=31 arch=c000003e syscall=10", 0, "app",
		  "/usr/bin/app", 0xc000003e, 10, 31, SC_AUDIT_SECCOMP },
#undef H
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		/* Each line in a buffer of its own, the last one's freed: a view into it would
		 * show (under ASan) or hold other bytes. */
		char *line = strdup(t[i].line);
		size_t n = strlen(line);
		ck_assert_ptr_nonnull(line);
		ck_assert_int_eq(sc_audit_parse_line_skip(line, n, t[i].skip, rec), t[i].kind);
		ck_assert_msg(
			audit_view_same(rec->comm_v,
					(struct sc_audit_view){ t[i].comm, strlen(t[i].comm) }),
			"line %zu: comm", i);
		ck_assert_msg(audit_view_same(rec->exe_v,
					      (struct sc_audit_view){ t[i].exe, strlen(t[i].exe) }),
			      "line %zu: exe", i);
		ck_assert(rec->comm_v.s == rec->comm ||
			  (rec->comm_v.s >= line && rec->comm_v.s < line + n));
		ck_assert(rec->exe_v.s >= line && rec->exe_v.s < line + n);
		ck_assert_uint_eq(rec->audit_arch, t[i].audit_arch);
		ck_assert_uint_eq(
			rec->have & (SC_AUDIT_HAVE_COMM | SC_AUDIT_HAVE_EXE | SC_AUDIT_HAVE_ARCH),
			SC_AUDIT_HAVE_COMM | SC_AUDIT_HAVE_EXE | SC_AUDIT_HAVE_ARCH);
		if (t[i].kind == SC_AUDIT_SECCOMP)
			ck_assert_uint_eq(rec->nr, t[i].nr);
		if (!(t[i].skip & SC_AUDIT_HAVE_SIG)) {
			ck_assert_int_eq(rec->sig, t[i].sig);
			ck_assert(rec->have & SC_AUDIT_HAVE_SIG);
		} else {
			ck_assert(!(rec->have & SC_AUDIT_HAVE_SIG));
		}
		free(line);
	}

	/* code= too: the same bytes give the same code, any other byte another one. */
	static const struct {
		const char *tail;
		uint32_t code;
		bool have;
	} c[] = {
		{ "code=0x7ffc0000", 0x7ffc0000, true },   { "code=0x7ffc0000", 0x7ffc0000, true },
		{ "code=0x7ffc0001", 0x7ffc0001, true },   { "code=0x50001", 0x50001, true },
		{ "code=0x50001 extra=1", 0x50001, true }, { "code=0x50001x", 0, false },
		{ "code=0x500011234", 0, false },	   { "code=0x7ffc0001", 0x7ffc0001, true },
		{ "code=0x0000000000000001", 1, true },	   { "code=0x0000000000000001", 1, true },
		{ "code=0x0000000000000002", 2, true },
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char *line = NULL;
		ck_assert_int_ge(
			asprintf(&line,
				 "type=SECCOMP msg=audit(1700000000.001:7): auid=1 uid=0 gid=0 "
				 "ses=1 pid=9 comm=\"app\" "
				 "exe=\"/usr/bin/app\" sig=0 arch=c000003e syscall=1 compat=0 "
				 "ip=0x1 %s",
				 c[i].tail),
			0);
		ck_assert_int_eq(
			sc_audit_parse_line_skip(line, strlen(line), SC_LOGS_PARSE_SKIP, rec),
			SC_AUDIT_SECCOMP);
		ck_assert_msg(!!(rec->have & SC_AUDIT_HAVE_CODE) == c[i].have, "line %zu", i);
		if (c[i].have)
			ck_assert_msg(rec->code == c[i].code, "line %zu: code %x", i, rec->code);
		free(line);
	}
}
END_TEST

/* The record's fields from auid= to arch= are taken from the memo when their bytes are a
 * pid's last record's: the pid is looked for where the last record had it, so lines whose
 * first fields are longer or shorter, and pids that are digits of others, must each give the
 * fields they hold. */
START_TEST(repeated_heads)
{
	static const struct {
		const char *head;
		uint32_t pid;
	} t[] = {
		{ "auid=1 uid=0 gid=0 ses=1 pid=9 ", 9 },
		{ "auid=1 uid=0 gid=0 ses=1 pid=9 ", 9 },
		{ "auid=1 uid=0 gid=0 ses=1 pid=19 ", 19 },
		{ "auid=1 uid=0 gid=0 ses=1 pid=1 ", 1 },
		{ "auid=1 uid=0 gid=0 ses=1 pid=9 ", 9 },
		{ "auid=12 uid=0 gid=0 ses=1 pid=9 ", 9 },
		{ "auid=1 uid=0 gid=0 ses=1 pid=9 ", 9 },
		{ "auid=1 uid=0 gid=0 ses=1 subj=unconfined pid=9 ", 9 },
		{ "auid=1 uid=0 gid=0 ses=1 subj=unconfined pid=9 ", 9 },
		{ "auid=1 uid=0 gid=0 ses=1 subj=unconfined pid=99 ", 99 },
		{ "auid=1 uid=0 gid=0 ses=1 subj=unconfined pid=9 ", 9 },
		{ "auid=1 uid=0 gid=0 ses=1 pid=9 ", 9 },
		{ "auid=1 uid=0 gid=0 ses=1 pid=9x ", 0 },
		{ "auid=1 uid=0 gid=0 ses=1 pid=9 ", 9 },
		{ "auid=1 uid=0 gid=0 ses=1 pid= ", 0 },
		{ "auid=1 uid=0 gid=0 ses=1 pid=9 ", 9 },
		{ "auid=1 uid=0 gid=0 ses=1 pid=4294967296 ", 0 },
		{ "auid=1 uid=0 gid=0 ses=1 pid=4294967295 ", 4294967295u },
		{ "auid=1 uid=0 gid=0 ses=1 pid=4294967295 ", 4294967295u },
		{ "auid=1 uid=0 gid=0 ses=1 pid=9 ", 9 },
	};
	static const char *const comms[] = { "app", "app", "apq" };

	for (unsigned round = 0; round < 2; round++)
		for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			const char *comm = comms[(i + round) % 3];
			char *line = NULL, *alone;
			ck_assert_int_ge(
				asprintf(&line,
					 "type=SECCOMP msg=audit(1700000000.001:7): %s"
					 "comm=\"%s\" exe=\"/usr/bin/%s\" sig=0 arch=c000003e "
					 "syscall=%zu compat=0 ip=0x1 code=0x7ffc0000",
					 t[i].head, comm, comm, i),
				0);
			size_t n = strlen(line);
			ck_assert_int_eq(sc_audit_parse_line_skip(line, n, SC_LOGS_PARSE_SKIP, rec),
					 SC_AUDIT_SECCOMP);
			ck_assert_msg(!!(rec->have & SC_AUDIT_HAVE_PID) == !!t[i].pid,
				      "line %zu: pid", i);
			if (t[i].pid)
				ck_assert_msg(rec->pid == t[i].pid, "line %zu: pid %u", i,
					      rec->pid);
			ck_assert_msg(audit_view_same(rec->comm_v,
						      (struct sc_audit_view){ comm, strlen(comm) }),
				      "line %zu: comm", i);
			ck_assert(rec->comm_v.s >= line && rec->comm_v.s < line + n);
			ck_assert_uint_eq(rec->nr, i);
			/* The same record read from a buffer, and alone, parsed in full. */
			alone = malloc(n + 1);
			ck_assert_ptr_nonnull(alone);
			memcpy(alone, line, n);
			alone[n] = '\n';
			struct sc_audit_record *one = malloc(sizeof(*one));
			ck_assert_ptr_nonnull(one);
			ck_assert_uint_eq(
				sc_audit_parse_next(alone, n + 1, SC_LOGS_PARSE_SKIP, one), n + 1);
			const char *diff = audit_record_diff(rec, one);
			ck_assert_msg(!diff, "line %zu: %s differs", i, diff);
			(void)sc_audit_parse_line_skip(line, n, 0, one);
			ck_assert_msg(!!(one->have & SC_AUDIT_HAVE_PID) == !!t[i].pid &&
					      (!t[i].pid || one->pid == t[i].pid) &&
					      one->have & SC_AUDIT_HAVE_UID,
				      "line %zu: full parse", i);
			free(one);
			free(alone);
			free(line);
		}
}
END_TEST

/* The audit(<sec>.<ms>:<serial>) stamp: what the kernel writes is read in a few words, the rest
 * digit by digit; both as a plain reading of the grammar says, whatever byte is where. */
static bool stamp_reference(const char *s, uint64_t *ms, uint64_t *serial)
{
	uint64_t sec = 0, frac = 0;
	size_t n = 0, fn = 0, sn = 0;

	for (; s[n] >= '0' && s[n] <= '9'; n++)
		sec = sec * 10 + (uint64_t)(s[n] - '0');
	if (n == 0 || n > 19)
		return false;
	s += n;
	if (*s == '.') {
		for (s++; s[fn] >= '0' && s[fn] <= '9'; fn++)
			frac = frac * 10 + (uint64_t)(s[fn] - '0');
		if (fn == 0 || fn > 19)
			return false;
		s += fn;
	}
	if (*s++ != ':')
		return false;
	*serial = 0;
	for (; s[sn] >= '0' && s[sn] <= '9'; sn++)
		*serial = *serial * 10 + (uint64_t)(s[sn] - '0');
	if (sn == 0 || sn > 19 || s[sn] != ')')
		return false;
	for (; fn < 3; fn++)
		frac *= 10;
	for (; fn > 3; fn--)
		frac /= 10;
	if (sec > UINT64_MAX / 1000 - 1)
		return false;
	*ms = sec * 1000 + frac;
	return true;
}

START_TEST(stamps)
{
	static const char *const bases[] = {
		"1700000000.123:4567)",
		"1700000000.123:1)",
		"1700000000.123:1234567)",
		"1700000000.123:12345678)",
		"1700000000.999:99999999999999999)",
		"9999999999.000:0)",
		"123.5:6)",
		"1700000000.1234:5)",
		"17000000001.123:5)",
	};
	static const char repl[] = { '/', '0', '9', ':', '.', ')', 'a', ' ', 'x' };
	char stamp[64], line[256];

	for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++)
		for (size_t at = 0; at <= strlen(bases[b]); at++)
			for (size_t r = 0; r <= sizeof(repl); r++) {
				uint64_t ms = 0, serial = 0;
				snprintf(stamp, sizeof(stamp), "%s", bases[b]);
				if (r < sizeof(repl)) {
					if (at == strlen(bases[b]))
						continue;
					stamp[at] = repl[r];
				} else if (at > 0) {
					continue;
				}
				bool ok = stamp_reference(stamp, &ms, &serial);
				snprintf(line, sizeof(line),
					 "type=SECCOMP msg=audit(%s: pid=5 comm=\"a\" exe=\"/a\" "
					 "sig=0 arch=c000003e syscall=1 compat=0 ip=0x1 "
					 "code=0x7ffc0000",
					 stamp);
				(void)sc_audit_parse_line_skip(line, strlen(line),
							       SC_LOGS_PARSE_SKIP, rec);
				ck_assert_msg(!!(rec->have & SC_AUDIT_HAVE_TIME) == ok,
					      "%s: time %s", stamp, ok ? "missing" : "read");
				if (ok)
					ck_assert_msg(rec->time_ms == ms && rec->serial == serial,
						      "%s: %llu:%llu", stamp,
						      (unsigned long long)rec->time_ms,
						      (unsigned long long)rec->serial);
			}
}
END_TEST

/* sc_audit_parse_next() reads auditd's records straight from a buffer, without knowing where
 * each line ends: whatever the lines hold, each gives the record sc_audit_parse_line_skip()
 * gives for it alone, and the buffer is consumed line by line, never two lines as one. */
#define L(s)                     \
	{                        \
		s, sizeof(s) - 1 \
	}
#define A "auid=4294967295 uid=0 gid=0 ses=4294967295 " /* the kernel's first fields */
START_TEST(parse_next_equals_line)
{
	static const struct {
		const char *s;
		size_t n;
	} lines[] = {
		L("type=SECCOMP msg=audit(1700000000.001:1001): auid=4294967295 uid=0 gid=0 "
		  "ses=4294967295 subj=unconfined pid=1009 comm=\"redis-server\" "
		  "exe=\"/usr/bin/redis-server\" sig=0 arch=c000003e syscall=3 compat=0 "
		  "ip=0x7f414c343c code=0x7ffc0000"),
		L("type=SECCOMP msg=audit(1700000000.002:1002): auid=1000 uid=1001 gid=1002 ses=7 "
		  "pid=4242 comm=\"app\" exe=\"/usr/bin/app\" sig=31 arch=40000003 syscall=101 "
		  "compat=1 ip=0xf7f0 code=0x50001"),
		/* auditd's ENRICHED fields after the kernel's */
		L("type=SECCOMP msg=audit(1700000000.003:1003): auid=4294967295 uid=0 gid=0 "
		  "ses=4294967295 pid=7 comm=\"a\" exe=\"/a\" sig=0 arch=c000003e syscall=0 "
		  "compat=0 ip=0x1 code=0x7ffc0000\x1d"
		  "AUID=\"unset\" UID=\"root\" ARCH=x86_64 "
		  "SYSCALL=read"),
		/* a line that ends early, then one that goes on as if it had not */
		L("type=SECCOMP msg=audit(1700000000.004:1004): " A "pid=5"),
		L("comm=\"x\" exe=\"/y\" sig=0 arch=c000003e syscall=0 compat=0 ip=0x1 "
		  "code=0x7ffc0000"),
		L("type=SECCOMP msg=audit(1700000000.004:1004): auid=4294967295 uid=0 gid=0 "
		  "ses=4294967295"),
		L("subj=x pid=1 comm=\"a\" exe=\"/b\" sig=0 arch=c000003e syscall=0 compat=0 "
		  "ip=0x1 code=0x7ffc0000"),
		/* a line that ends inside a quoted value, one after a key, one after a '=' */
		L("type=SECCOMP msg=audit(1700000000.005:1005): " A "pid=5 comm=\"ab"),
		L("c\" exe=\"/y\" arch=c000003e syscall=0 code=0x7ffc0000"),
		L("type=SECCOMP msg=audit(1700000000.006:1006): " A "pid=5 comm="),
		L("type=SECCOMP msg=audit(1700000000.006:1006): " A
		  "pid=5 comm=\"a\" exe=\"/b\" sig"),
		L("type=SECCOMP msg=audit(1700000000.007:1007): " A
		  "pid=5 comm=\"a\" exe=\"/b\" sig=0 "
		  "arch=c000003e syscall="),
		L("type=SECCOMP msg=audit(1700000000.007:1007): " A
		  "pid=5 comm=\"a\" exe=\"/b\" sig=0 "
		  "arch=c000003e syscall=2 compat=0 ip=0x1 code=0x7ffc"),
		/* odd values: control bytes and a NUL in quotes, hex, (null), a CR, extra fields */
		L("type=SECCOMP msg=audit(1700000000.008:1008): " A
		  "pid=5 comm=\"a\tb\" exe=\"/b\x01\" "
		  "sig=0 arch=c000003e syscall=2 compat=0 ip=0x1 code=0x7ffc0000"),
		L("type=SECCOMP msg=audit(1700000000.008:1008): " A
		  "pid=5 comm=\"a\0b\" exe=\"/b\" "
		  "sig=0 arch=c000003e syscall=2 compat=0 ip=0x1 code=0x7ffc0000"),
		L("type=SECCOMP msg=audit(1700000000.009:1009): " A
		  "pid=5 comm=6170700A exe=(null) "
		  "sig=0 arch=c000003e syscall=2 compat=0 ip=0x1 code=0x7ffc0000\r"),
		L("type=SECCOMP msg=audit(1700000000.010:1010): " A "pid=99999999999 comm=\"a\" "
		  "exe=\"/b\" sig=-9 arch=C000003E syscall=4294967296 compat=0 ip=0x1 "
		  "code=0x7ffc0000 extra=1 audit_lost=3"),
		/* not auditd's raw seccomp records: the general parser */
		L("type=SECCOMP msg=audit(1700000000:x): " A "pid=5 arch=c000003e syscall=0"),
		L("type=SECCOMP msg=audit(1700000000.011:1011):"),
		L("type=AVC msg=audit(1700000000.012:1012): avc:  denied  { read } pid=5"),
		L("type=DAEMON_ROTATE msg=audit(1700000000.013:1013): op=rotate-logs lost=4"),
		L("Nov 14 22:13:00 node kernel: [1.0] audit: type=1326 audit(1700000000.014:1014): "
		  "pid=5 comm=\"k\" exe=\"/k\" sig=0 arch=c000003e syscall=0 code=0x7ffc0000"),
		/* the kernel's records, read straight from the buffer too: every source's prefix,
		 * the fields in the kernel's order and not, a line that ends before its stamp or
		 * inside it, another '(' or another type first */
		L("Nov 14 22:13:00 node1 kernel: [369128.000000] audit: type=1326 "
		  "audit(1700000000.015:1015): " A "pid=1009 comm=\"redis-server\" "
		  "exe=\"/usr/bin/redis-server\" sig=0 arch=c000003e syscall=3 compat=0 "
		  "ip=0x7f414c343c code=0x7ffc0000"),
		L("Nov 14 22:13:00 node1 kernel: [369128.000000] audit: type=1326 "
		  "audit(1700000000.015:1015): " A "pid=1009 comm=\"redis-server\" "
		  "exe=\"/usr/bin/redis-server\" sig=0 arch=c000003e syscall=4 compat=0 "
		  "ip=0x7f414c343c code=0x7ffc0000 extra=1"),
		L("6,1234,5678,-;audit: type=1326 audit(1700000000.016:1016): " A
		  "pid=5 comm=\"k\" exe=\"/k\" sig=0 arch=40000003 syscall=5 compat=1 ip=0x1 "
		  "code=0x50001"),
		L("[  12.345678] audit: type=1326 audit(1700000000.017:1017): " A
		  "pid=5 comm=6B0A exe=\"/k\" sig=0 arch=c000003e syscall=0 compat=0 ip=0x1 "
		  "code=0x7ffc0000"),
		L("<5>Nov 14 22:13:00 kernel: audit: type=1326 audit(1700000000.018:1018): " A
		  "pid=5 comm=\"k\" exe=\"/k\" arch=c000003e syscall=0 sig=0 code=0x7ffc0000"),
		L("<5>1 2023-11-14T22:13:00Z node kernel - - - audit: type=1326 "
		  "audit(1700000000.019:1019): pid=5 comm=\"k\" exe=\"/k\" arch=c000003e "
		  "syscall=0"),
		L("Nov 14 22:13:00 node kernel: audit: type=1326 audit(1700000000.020:1020"),
		L("): pid=5 comm=\"k\" exe=\"/k\" arch=c000003e syscall=0"),
		L("Nov 14 22:13:00 node kernel: audit: type=1326"),
		L(" audit(1700000000.021:1021): pid=5 comm=\"k\" exe=\"/k\" arch=c000003e "
		  "syscall=0"),
		L("Nov 14 22:13:00 node kernel: f(x) audit: type=1326 audit(1700000000.022:1022): "
		  "pid=5 comm=\"k\" exe=\"/k\" arch=c000003e syscall=0"),
		L("Nov 14 22:13:00 node kernel: audit: type=1300 audit(1700000000.023:1023): "
		  "arch=c000003e syscall=0 success=yes"),
		L("Nov 14 22:13:00 node kernel: audit: type=1326 audit(1700000000:x): pid=5 "
		  "arch=c000003e syscall=0"),
		L("Nov 14 22:13:00 node kernel: audit: type=1326 audit(1700000000.024:1024): " A
		  "pid=5 comm=\"k\" exe=\"/k\" sig=0 arch=c000003e syscall=0 compat=0 ip=0x1 "
		  "code=0x7ffc0000"),
		L("{\"MESSAGE\":\"audit: type=1326 audit(1700000000.025:1025): pid=5 "
		  "comm=\\\"k\\\" "
		  "arch=c000003e syscall=0\"}"),
		/* lines of 0 to 4 bytes before a kernel record: its '(' is past their '\n' */
		L("abcd"),
		L("Nov 14 22:13:00 node kernel: audit: type=1326 audit(1700000000.026:1026): " A
		  "pid=5 comm=\"k\" exe=\"/k\" sig=0 arch=c000003e syscall=0 compat=0 ip=0x1 "
		  "code=0x7ffc0000"),
		L("a"),
		L(""),
		L("Nov 14 22:13:00 node kernel: audit: type=1326 audit(1700000000.027:1027): " A
		  "pid=5 comm=\"k\" exe=\"/k\" sig=0 arch=c000003e syscall=0 compat=0 ip=0x1 "
		  "code=0x7ffc0000"),
		L("a(b"),
		L(""),
		L("kauditd_printk_skb: 12 callbacks suppressed"),
	};
	static const unsigned skips[] = { 0, SC_LOGS_PARSE_SKIP };
	struct sc_audit_record *one = malloc(sizeof(*one));
	size_t total = 0, off;
	char *buf;

	ck_assert_ptr_nonnull(one);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		total += lines[i].n + 1;
	buf = malloc(total);
	ck_assert_ptr_nonnull(buf);
	off = 0;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		memcpy(buf + off, lines[i].s, lines[i].n);
		off += lines[i].n;
		buf[off++] = '\n';
	}
	for (size_t k = 0; k < sizeof(skips) / sizeof(skips[0]); k++) {
		off = 0;
		for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
			/* Exactly the line alone, so a read past it is caught by ASan. */
			char *alone = malloc(lines[i].n + 1);
			const char *diff;
			ck_assert_ptr_nonnull(alone);
			memcpy(alone, lines[i].s, lines[i].n);
			(void)sc_audit_parse_line_skip(alone, lines[i].n, skips[k], one);
			ck_assert_uint_eq(
				sc_audit_parse_next(buf + off, total - off, skips[k], rec),
				lines[i].n + 1);
			diff = audit_record_diff(rec, one);
			ck_assert_msg(!diff, "line %zu, skip %x: %s differs", i, skips[k], diff);
			/* Without its '\n' a line is not whole: nothing is parsed. */
			ck_assert_uint_eq(sc_audit_parse_next(alone, lines[i].n, skips[k], rec), 0);
			free(alone);
			off += lines[i].n + 1;
		}
		ck_assert_uint_eq(off, total);
	}
	free(buf);
	free(one);
}
END_TEST
#undef A
#undef L

static int tmpfile_with(const char *data, size_t len)
{
	char path[] = "/tmp/test-audit.XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	unlink(path);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

START_TEST(reader_lines)
{
	struct sc_line_reader r;
	const char *line;
	size_t len;
	int fd = tmpfile_with("a\nbb\n\nccc", 9);

	ck_assert_int_eq(sc_line_reader_init(&r, fd, 0), 0);
	ck_assert_int_eq(sc_line_reader_next(&r, false, &line, &len), 1);
	ck_assert_uint_eq(len, 1);
	ck_assert_int_eq(line[0], 'a');
	ck_assert_int_eq(sc_line_reader_next(&r, false, &line, &len), 1);
	ck_assert_uint_eq(len, 2);
	ck_assert_int_eq(sc_line_reader_next(&r, false, &line, &len), 1);
	ck_assert_uint_eq(len, 0);
	/* "ccc" has no newline: held back without flush (a writer may be mid-line)... */
	ck_assert_int_eq(sc_line_reader_next(&r, false, &line, &len), 0);
	ck_assert_uint_eq(r.offset, 6);
	/* ...and completed when the rest arrives. */
	ck_assert_int_eq(pwrite(fd, "c\n", 2, 9), 2);
	ck_assert_int_eq(sc_line_reader_next(&r, false, &line, &len), 1);
	ck_assert_uint_eq(len, 4);
	ck_assert(memcmp(line, "cccc", 4) == 0);
	ck_assert_uint_eq(r.offset, 11);
	ck_assert_int_eq(sc_line_reader_next(&r, true, &line, &len), 0);
	sc_line_reader_done(&r);
	close(fd);

	fd = tmpfile_with("x\nlast", 6);
	ck_assert_int_eq(sc_line_reader_init(&r, fd, 0), 0);
	ck_assert_int_eq(sc_line_reader_next(&r, true, &line, &len), 1);
	ck_assert_int_eq(sc_line_reader_next(&r, true, &line, &len), 1);
	ck_assert_uint_eq(len, 4);
	ck_assert(memcmp(line, "last", 4) == 0);
	ck_assert_int_eq(sc_line_reader_next(&r, true, &line, &len), 0);
	sc_line_reader_done(&r);
	close(fd);
}
END_TEST

/* The bytes memchr() was asked to look at while counting: this test binary's memchr is the one
 * the library calls (it is linked in statically), so the reader's work is measured, not
 * timed. */
static bool memchr_counting;
static uint64_t memchr_bytes;

void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	if (memchr_counting)
		memchr_bytes += n;
	for (size_t i = 0; i < n; i++)
		if (p[i] == (unsigned char)c)
			return (void *)(p + i);
	return NULL;
}

/* A writer giving a long line to a pipe 64 KiB at a time, then "short\n". */
static pid_t pipe_writer(int fd, size_t line)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		static char piece[64 << 10];
		memset(piece, 'a', sizeof(piece));
		for (size_t done = 0; done < line;) {
			size_t n = line - done < sizeof(piece) ? line - done : sizeof(piece);
			ssize_t k = write(fd, piece, n);
			if (k <= 0)
				_exit(1);
			done += (size_t)k;
		}
		_exit(write(fd, "\nshort\n", 7) == 7 ? 0 : 1);
	}
	close(fd);
	return pid;
}

/* #16.11: a line arriving in pieces through a pipe is searched once: the bytes looked at stay
 * a small multiple of the line's, kept (under the limit) or skipped (over it); before, every
 * piece rescanned the whole line so far (1 GB: 42.7 s). */
START_TEST(reader_long_line_from_a_pipe_is_linear)
{
	static const struct {
		size_t line, max_line; /* max_line 0: the default (64 MiB) */
		bool kept;
	} t[] = {
		{ 8u << 20, 0, true },
		{ 8u << 20, 1u << 20, false },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct sc_line_reader r;
		const char *line;
		size_t len;
		int p[2], status;

		ck_assert_int_eq(pipe(p), 0);
		pid_t pid = pipe_writer(p[1], t[i].line);
		ck_assert_int_eq(sc_line_reader_init(&r, p[0], 0), 0);
		r.max_line = t[i].max_line;
		memchr_bytes = 0;
		memchr_counting = true;
		int k = sc_line_reader_next(&r, true, &line, &len);
		if (t[i].kept) {
			ck_assert_int_eq(k, 1);
			ck_assert_uint_eq(len, t[i].line);
			k = sc_line_reader_next(&r, true, &line, &len);
		}
		memchr_counting = false;
		ck_assert_int_eq(k, 1);
		ck_assert(len == 5 && memcmp(line, "short", 5) == 0);
		ck_assert_uint_eq(r.overlong, t[i].kept ? 0 : 1);
		ck_assert_msg(memchr_bytes <= 3 * t[i].line,
			      "case %zu: %llu bytes searched for a line of %zu", i,
			      (unsigned long long)memchr_bytes, t[i].line);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		sc_line_reader_done(&r);
		close(p[0]);
	}
}
END_TEST

/* A line far longer than the buffer, and one longer than the limit. */
START_TEST(reader_long_lines)
{
	size_t big = 3u << 20;
	char *data = malloc(big * 2 + 100);
	struct sc_line_reader r;
	const char *line;
	size_t len, o = 0;

	ck_assert_ptr_nonnull(data);
	size_t head =
		(size_t)sprintf(data, "audit: type=1326 audit(1.0:1): arch=c000003e syscall=0 x=");
	o += head;
	memset(data + o, 'y', big);
	o += big;
	data[o++] = '\n';
	memset(data + o, 'z', big); /* over the limit set below */
	o += big;
	data[o++] = '\n';
	o += (size_t)sprintf(data + o, "tail\n");
	int fd = tmpfile_with(data, o);
	/* A limit above the line: the buffer grows (1 -> 4 MiB) and the line is whole. */
	ck_assert_int_eq(sc_line_reader_init(&r, fd, 0), 0);
	r.max_line = 4u << 20;
	ck_assert_int_eq(sc_line_reader_next(&r, true, &line, &len), 1);
	ck_assert_uint_eq(len, head + big);
	ck_assert_int_eq(sc_audit_parse_line(line, len, rec), SC_AUDIT_SECCOMP);
	ck_assert_str_eq(rec->name, "read");
	sc_line_reader_done(&r);
	/* A limit below both long lines: they are skipped and counted, the rest is read. */
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	ck_assert_int_eq(sc_line_reader_init(&r, fd, 0), 0);
	r.max_line = 2u << 20;
	ck_assert_int_eq(sc_line_reader_next(&r, true, &line, &len), 1);
	ck_assert_uint_eq(len, 4);
	ck_assert(memcmp(line, "tail", 4) == 0);
	ck_assert_uint_eq(r.overlong, 2);
	ck_assert_uint_eq(r.offset, o);
	sc_line_reader_done(&r);
	close(fd);
	free(data);
}
END_TEST

/* Records straight from the reader's buffer, up to a limit as at an end of file; the lines
 * and offsets are those sc_line_reader_next() gives. */
START_TEST(reader_records_to_a_limit)
{
	static const char data[] =
		"type=SECCOMP msg=audit(1.001:1): pid=1 comm=\"a\" exe=\"/a\" arch=c000003e "
		"syscall=0 code=0x7ffc0000\n"
		"foreign\n"
		"type=SECCOMP msg=audit(1.002:2): pid=2 comm=\"b\" exe=\"/b\" arch=c000003e "
		"syscall=1 code=0x7ffc0000\n"
		"type=SECCOMP msg=audit(1.003:3): pid=3 comm=\"c\" exe=\"/c\" arch=c000003e "
		"syscall=2 code=0x7ffc0000";
	const char *third = strstr(data, "type=SECCOMP msg=audit(1.003");
	struct sc_line_reader r;
	int fd = tmpfile_with(data, sizeof(data) - 1);

	ck_assert_int_eq(sc_line_reader_init(&r, fd, 0), 0);
	r.limit = (uint64_t)(third - data);
	ck_assert_int_eq(sc_line_reader_next_record(&r, true, 0, rec), 1);
	ck_assert_int_eq(rec->kind, SC_AUDIT_SECCOMP);
	ck_assert_str_eq(rec->name, "read");
	ck_assert_int_eq(sc_line_reader_next_record(&r, true, 0, rec), 1);
	ck_assert_int_eq(rec->kind, SC_AUDIT_FOREIGN);
	ck_assert_int_eq(sc_line_reader_next_record(&r, true, 0, rec), 1);
	ck_assert_str_eq(rec->name, "write");
	ck_assert_uint_eq(rec->pid, 2);
	ck_assert_int_eq(sc_line_reader_next_record(&r, true, 0, rec), 0);
	ck_assert_uint_eq(r.offset, r.limit);
	/* From there to the end of the file: the last line has no '\n' and is flushed. */
	sc_line_reader_reset(&r, r.limit);
	r.limit = 0;
	ck_assert_int_eq(sc_line_reader_next_record(&r, true, 0, rec), 1);
	ck_assert_str_eq(rec->name, "open");
	ck_assert_int_eq(sc_line_reader_next_record(&r, true, 0, rec), 0);
	ck_assert_uint_eq(r.offset, sizeof(data) - 1);
	sc_line_reader_done(&r);
	close(fd);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("audit");
	TCase *tc = tcase_create("parser");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, seed_002_lines);
	tcase_add_test(tc, all_fields);
	tcase_add_test(tc, repeated_fields);
	tcase_add_test(tc, repeated_heads);
	tcase_add_test(tc, stamps);
	tcase_add_test(tc, skip_fields);
	tcase_add_test(tc, hex_fields_in_order);
	tcase_add_test(tc, abis);
	tcase_add_test(tc, codes);
	tcase_add_test(tc, hex_and_odd_strings);
	tcase_add_test(tc, auditd_enriched);
	tcase_add_test(tc, sources);
	tcase_add_test(tc, journal_json);
	tcase_add_test(tc, loss_messages);
	tcase_add_test(tc, loss_words_anywhere);
	tcase_add_test(tc, malformed_and_foreign);
	tcase_add_test(tc, reader_lines);
	tcase_add_test(tc, reader_long_lines);
	tcase_add_test(tc, reader_long_line_from_a_pipe_is_linear);
	tcase_add_test(tc, views);
	tcase_add_test(tc, parse_next_equals_line);
	tcase_add_test(tc, reader_records_to_a_limit);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tap_run(suite());
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Seccomp classic BPF disassembler: one instruction per line, with seccomp_data fields,
 * arch tokens, syscall numbers and return actions resolved. Also the action formatter. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "syscage/bpf.h"
#include "syscage/syscalls.h"
#include "macro.h"

const char *sc_bpf_action_str(uint32_t action, char *buf, size_t buf_len)
{
	uint32_t data = action & SECCOMP_RET_DATA;

	if (!buf || buf_len == 0)
		return buf;
	switch (action & SECCOMP_RET_ACTION_FULL) {
	case SECCOMP_RET_KILL_PROCESS:
		(void)snprintf(buf, buf_len, "SCMP_ACT_KILL_PROCESS");
		break;
	case SECCOMP_RET_KILL_THREAD:
		(void)snprintf(buf, buf_len, "SCMP_ACT_KILL_THREAD");
		break;
	case SECCOMP_RET_TRAP:
		if (data)
			(void)snprintf(buf, buf_len, "SCMP_ACT_TRAP(%u)", data);
		else
			(void)snprintf(buf, buf_len, "SCMP_ACT_TRAP");
		break;
	case SECCOMP_RET_ERRNO: {
		const char *name = data ? strerrorname_np((int)data) : NULL;

		if (name)
			(void)snprintf(buf, buf_len, "SCMP_ACT_ERRNO(%s)", name);
		else if (data > 4095)
			/* The kernel caps errno at MAX_ERRNO. */
			(void)snprintf(buf, buf_len, "SCMP_ACT_ERRNO(%u, capped to 4095)", data);
		else
			(void)snprintf(buf, buf_len, "SCMP_ACT_ERRNO(%u)", data);
		break;
	}
	case SECCOMP_RET_USER_NOTIF:
		(void)snprintf(buf, buf_len, "SCMP_ACT_NOTIFY");
		break;
	case SECCOMP_RET_TRACE:
		(void)snprintf(buf, buf_len, "SCMP_ACT_TRACE(%u)", data);
		break;
	case SECCOMP_RET_LOG:
		(void)snprintf(buf, buf_len, "SCMP_ACT_LOG");
		break;
	case SECCOMP_RET_ALLOW:
		(void)snprintf(buf, buf_len, "SCMP_ACT_ALLOW");
		break;
	default:
		/* __seccomp_filter treats every unknown action as KILL_PROCESS. */
		(void)snprintf(buf, buf_len, "unknown action 0x%08x (kills the process)", action);
		break;
	}
	return buf;
}

/* What the accumulator holds, as far as a linear reading can tell. */
enum acc {
	ACC_UNKNOWN,
	ACC_NR,
	ACC_ARCH,
	ACC_OTHER_FIELD,
};

static void field_name(uint32_t k, bool big_endian, char *buf, size_t buf_len, enum acc *acc)
{
	*acc = ACC_OTHER_FIELD;
	if (k == offsetof(struct seccomp_data, nr)) {
		(void)snprintf(buf, buf_len, "nr");
		*acc = ACC_NR;
	} else if (k == offsetof(struct seccomp_data, arch)) {
		(void)snprintf(buf, buf_len, "arch");
		*acc = ACC_ARCH;
	} else if (k == offsetof(struct seccomp_data, instruction_pointer) ||
		   k == offsetof(struct seccomp_data, instruction_pointer) + 4) {
		bool first = k == offsetof(struct seccomp_data, instruction_pointer);
		(void)snprintf(buf, buf_len, "ip.%s", first != big_endian ? "lo" : "hi");
	} else if (k >= offsetof(struct seccomp_data, args) && k < sizeof(struct seccomp_data) &&
		   (k & 3) == 0) {
		uint32_t off = k - (uint32_t)offsetof(struct seccomp_data, args);
		bool first = (off & 4) == 0;
		(void)snprintf(buf, buf_len, "args[%u].%s", off / 8,
			       first != big_endian ? "lo" : "hi");
	} else {
		(void)snprintf(buf, buf_len, "%u", k);
		*acc = ACC_UNKNOWN;
	}
}

static const char *alu_name(uint16_t op)
{
	switch (op) {
	case BPF_ADD:
		return "add";
	case BPF_SUB:
		return "sub";
	case BPF_MUL:
		return "mul";
	case BPF_DIV:
		return "div";
	case BPF_OR:
		return "or";
	case BPF_AND:
		return "and";
	case BPF_LSH:
		return "lsh";
	case BPF_RSH:
		return "rsh";
	case BPF_NEG:
		return "neg";
	case BPF_MOD:
		return "mod";
	case BPF_XOR:
		return "xor";
	}
	return NULL;
}

static const char *jmp_name(uint16_t op)
{
	switch (op) {
	case BPF_JA:
		return "ja";
	case BPF_JEQ:
		return "jeq";
	case BPF_JGT:
		return "jgt";
	case BPF_JGE:
		return "jge";
	case BPF_JSET:
		return "jset";
	}
	return NULL;
}

/* The syscall name of nr on 'arch'; x86_64 and x32 share a token, so x86_64 numbers with the
 * x32 bit are named from the x32 table, and say so. */
static void nr_note(enum sc_arch arch, uint32_t nr, char *buf, size_t buf_len)
{
	const char *n;

	if (arch < 0)
		return;
	n = sc_syscall_to_name(arch, nr);
	if (n) {
		(void)snprintf(buf, buf_len, "%s", n);
		return;
	}
	if (arch == SC_ARCH_X86_64 && (nr & SC_X32_SYSCALL_BIT)) {
		n = sc_syscall_to_name(SC_ARCH_X32, nr);
		if (n)
			(void)snprintf(buf, buf_len, "%s (x32)", n);
	}
}

/* What flows into an instruction: the arch proven by an arch compare on every path to it
 * (or -1) and what A holds. Jumps go forward, so one pass over the program computes it. */
struct flow {
	int8_t arch;
	uint8_t acc;
	bool reached;
};

static void flow_into(struct flow *flows, size_t len, size_t target, int arch, enum acc acc)
{
	struct flow *t;

	if (target >= len)
		return;
	t = &flows[target];
	if (!t->reached) {
		*t = (struct flow){ .arch = (int8_t)arch, .acc = (uint8_t)acc, .reached = true };
		return;
	}
	if (t->arch != arch)
		t->arch = -1;
	if (t->acc != acc)
		t->acc = ACC_UNKNOWN;
}

int sc_bpf_disasm(const struct sock_filter *insns, size_t len, enum sc_arch arch_hint, FILE *f)
{
	struct flow flows[SC_BPF_MAXINSNS];
	enum sc_arch last = arch_hint; /* the arch last compared, in program order */

	if (!f || (!insns && len > 0) || len > SC_BPF_MAXINSNS)
		return -EINVAL;
	if (last < 0 || !sc_arch_info(last))
		last = sc_arch_native();
	memset(flows, 0, len * sizeof(flows[0]));
	if (len > 0)
		flows[0] = (struct flow){ .arch = -1, .acc = ACC_UNKNOWN, .reached = true };

	for (size_t pc = 0; pc < len; pc++) {
		const struct sock_filter *in = &insns[pc];

		if (!flows[pc].reached)
			flows[pc].arch = -1;
		/* Name syscalls on the arch every path here has compared, else on the one
		 * compared last (unreachable code, merged paths). */
		enum sc_arch arch =
			flows[pc].reached && flows[pc].arch >= 0 ? flows[pc].arch : last;
		enum acc acc = flows[pc].reached ? (enum acc)flows[pc].acc : ACC_UNKNOWN;
		int arch_taken = flows[pc].reached ? flows[pc].arch : -1;
		const struct sc_arch_info *ai = sc_arch_info(arch);
		bool big_endian = ai ? ai->big_endian : false;
		char text[96], note[160] = "", field[32];
		uint16_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
		bool src_x = BPF_SRC(in->code) == BPF_X;
		bool known = true;

		text[0] = '\0';
		switch (cls) {
		case BPF_LD:
		case BPF_LDX: {
			const char *m = cls == BPF_LD ? "ld" : "ldx";
			enum acc newacc = ACC_UNKNOWN;

			if (in->code == (BPF_LD | BPF_W | BPF_ABS)) {
				field_name(in->k, big_endian, field, sizeof(field), &newacc);
				(void)snprintf(text, sizeof(text), "ld [%s]", field);
				if (newacc == ACC_UNKNOWN)
					(void)snprintf(note, sizeof(note),
						       "not a 32-bit field of seccomp_data");
			} else if (in->code == (cls | BPF_W | BPF_LEN)) {
				(void)snprintf(text, sizeof(text), "%s #len", m);
				(void)snprintf(note, sizeof(note), "= %zu",
					       sizeof(struct seccomp_data));
			} else if (in->code == (cls | BPF_IMM)) {
				(void)snprintf(text, sizeof(text), "%s #0x%x", m, in->k);
			} else if (in->code == (cls | BPF_MEM)) {
				(void)snprintf(text, sizeof(text), "%s M[%u]", m, in->k);
			} else
				known = false;
			if (cls == BPF_LD)
				acc = newacc;
			break;
		}
		case BPF_ST:
		case BPF_STX:
			if (in->code == cls)
				(void)snprintf(text, sizeof(text), "%s M[%u]",
					       cls == BPF_ST ? "st" : "stx", in->k);
			else
				known = false;
			break;
		case BPF_ALU: {
			const char *n = alu_name(op);

			if (!n)
				known = false;
			else if (op == BPF_NEG)
				(void)snprintf(text, sizeof(text), "neg");
			else if (src_x)
				(void)snprintf(text, sizeof(text), "%s x", n);
			else
				(void)snprintf(text, sizeof(text), "%s #0x%x", n, in->k);
			acc = ACC_UNKNOWN;
			break;
		}
		case BPF_JMP: {
			const char *n = jmp_name(op);

			if (!n) {
				known = false;
				break;
			}
			if (op == BPF_JA) {
				(void)snprintf(text, sizeof(text), "ja %zu", pc + 1 + in->k);
				break;
			}
			if (src_x)
				(void)snprintf(text, sizeof(text), "%s x, jt %zu, jf %zu", n,
					       pc + 1 + in->jt, pc + 1 + in->jf);
			else
				(void)snprintf(text, sizeof(text), "%s #0x%x, jt %zu, jf %zu", n,
					       in->k, pc + 1 + in->jt, pc + 1 + in->jf);
			if (src_x)
				break;
			if (acc == ACC_ARCH && op == BPF_JEQ) {
				enum sc_arch a = sc_arch_from_audit(in->k, 0);
				if (a >= 0) {
					last = a;
					arch_taken = a;
					(void)snprintf(note, sizeof(note), "%s",
						       sc_arch_info(a)->name);
				} else
					(void)snprintf(note, sizeof(note), "unknown arch token");
			} else if (acc == ACC_NR && (op == BPF_JSET || op == BPF_JGE) &&
				   in->k == SC_X32_SYSCALL_BIT) {
				(void)snprintf(note, sizeof(note), "x32 syscall bit");
			} else if (acc == ACC_NR) {
				/* Range compares (binary-search dispatch) say which way. */
				const char *rel = op == BPF_JGE ? ">= " : op == BPF_JGT ? "> " : "";
				char name[64] = "";

				nr_note(arch, in->k, name, sizeof(name));
				if (name[0] && op != BPF_JSET)
					(void)snprintf(note, sizeof(note), "%s%s", rel, name);
				else if (op == BPF_JGT || op == BPF_JGE) {
					if (arch == SC_ARCH_X86_64 && (in->k & SC_X32_SYSCALL_BIT))
						(void)snprintf(note, sizeof(note), "%sx32 nr %u",
							       rel, in->k & ~SC_X32_SYSCALL_BIT);
					else
						(void)snprintf(note, sizeof(note), "%snr %u", rel,
							       in->k);
				}
			}
			break;
		}
		case BPF_RET:
			if (in->code == (BPF_RET | BPF_K)) {
				(void)snprintf(text, sizeof(text), "ret #0x%08x", in->k);
				(void)sc_bpf_action_str(in->k, note, sizeof(note));
			} else if (in->code == (BPF_RET | BPF_A))
				(void)snprintf(text, sizeof(text), "ret a");
			else
				known = false;
			break;
		case BPF_MISC:
			if (in->code == (BPF_MISC | BPF_TAX))
				(void)snprintf(text, sizeof(text), "tax");
			else if (in->code == (BPF_MISC | BPF_TXA)) {
				(void)snprintf(text, sizeof(text), "txa");
				acc = ACC_UNKNOWN;
			} else
				known = false;
			break;
		}
		if (!known) {
			(void)snprintf(text, sizeof(text), ".insn 0x%04x, %u, %u, 0x%08x", in->code,
				       in->jt, in->jf, in->k);
			(void)snprintf(note, sizeof(note), "not a seccomp instruction");
		} else if (!sc_bpf_code_allowed(in->code))
			(void)snprintf(note, sizeof(note), "not allowed in seccomp filters");
		/* Where this instruction leads, and what flows there. */
		if (cls == BPF_JMP && known && op == BPF_JA) {
			if (in->k < len - pc - 1)
				flow_into(flows, len, pc + 1 + in->k, flows[pc].arch, acc);
		} else if (cls == BPF_JMP && known) {
			flow_into(flows, len, pc + 1 + in->jt, arch_taken, acc);
			flow_into(flows, len, pc + 1 + in->jf, flows[pc].arch, acc);
		} else if (cls != BPF_RET) {
			flow_into(flows, len, pc + 1, flows[pc].arch, acc);
		}
		if (note[0])
			fprintf(f, "%04zu: %-40s ; %s\n", pc, text, note);
		else
			fprintf(f, "%04zu: %s\n", pc, text);
	}
	if (fflush(f) != 0 || ferror(f))
		return -EIO;
	return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libbpf's messages, kept instead of printed (the library never prints): the last warning or
 * error libbpf said, to be quoted when loading a program fails. libbpf has one callback per
 * process; both loaders (record-bpf.c, record-node.c) use this one. Only with SC_HAVE_BPF. */
#pragma once

/* Route libbpf's messages here and forget the last one kept. */
void sc_libbpf_log_start(void);

/* The last message libbpf said since sc_libbpf_log_start(), without its newline ("" if none). */
const char *sc_libbpf_log_last(void);

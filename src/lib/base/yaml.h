/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libfyaml set-up shared by the modules that parse YAML/JSON (internal to libsyscage). */
#pragma once

#include <libfyaml.h>
#include <stdbool.h>
#include <stddef.h>

#include "syscage/diag.h"

/* A diagnostic sink that never prints (libfyaml writes to stderr by default; the library must
 * not): errors only, kept for sc_yaml_first_error when 'collect'. NULL on ENOMEM. */
struct fy_diag *sc_yaml_quiet_diag(bool collect);

/* libfyaml 0.8 (Debian 12) corrupts its indentation stack on some malformed input ("? a:",
 * a tab, ":" is seven bytes of it): destroying that parser then writes through a NULL
 * pointer, and fy_document_build_from_string() crashes the same way inside. A parser that
 * reported an error is therefore not destroyed, only left (a few KiB per bad input, instead
 * of a crash on a bad policy); one that did not is destroyed. */
void sc_yaml_parser_destroy(struct fy_parser *fyp);

/* A parser in JSON mode ('json') or YAML mode with 'buf' as its input, its errors collected
 * on *ret_diag (errors only, as sc_yaml_quiet_diag). Creating a parser costs libfyaml about as
 * much as parsing a policy of a few hundred bytes, so each thread keeps one per mode for its
 * next parse (fy_parser_reset: the same events, marks and errors as a new parser; tested).
 * NULL on ENOMEM. Give it back with sc_yaml_parser_close. */
struct fy_parser *sc_yaml_parser_open(const char *buf, size_t len, bool json,
				      struct fy_diag **ret_diag);

/* Done with a parser from sc_yaml_parser_open. 'finished': its stream was read to its end
 * with no error; then it is reset (it keeps no reference to the input) and kept for this
 * thread's next parse in its mode. Any other (an error, a parse stopped midway, a diag that
 * holds an error) goes as sc_yaml_parser_destroy has it, with its diag. A thread's kept
 * parsers are freed when it exits. */
void sc_yaml_parser_close(struct fy_parser *fyp, struct fy_diag *diag, bool json, bool finished);

/* A scalar token's text, as fy_token_get_text() gives it, with 'buf' (len) the parser's input:
 * one on one line without an escape ('' or a backslash's) is its bytes there, taken as they
 * are (libfyaml formats the text of a plain scalar that ends its line into a new buffer:
 * 1,500 instructions, six times in each of 10,000 policies). Valid while the parse and 'buf'
 * are. */
const char *sc_yaml_scalar_text(struct fy_token *t, const char *buf, size_t len, size_t *ret_len);

/* The same with the marks given (a scalar event's, which bind's tree keeps): what is between
 * them when they hold one line without an escape, else fy_token_get_text()'s. */
const char *sc_yaml_scalar_at(struct fy_token *t, const struct fy_mark *s, const struct fy_mark *e,
			      const char *buf, size_t len, size_t *ret_len);

/* fy_document_build_from_string() for untrusted input: the text is parsed by events first
 * and only built when that found no error (errors go to cfg->diag as usual). NULL on any
 * error. */
struct fy_document *sc_yaml_build_document(const struct fy_parse_cfg *cfg, const char *buf,
					   size_t len);

/* The first error collected on 'diag': its location (0:0 when libfyaml gave none) and message
 * (valid while 'diag' lives). Returns false when there is none. */
bool sc_yaml_first_error(struct fy_diag *diag, struct sc_loc *loc, const char **msg);

/* Is 'buf' text libfyaml may see: valid UTF-8 without NUL? libfyaml 0.8 ends a stream
 * silently at an invalid byte in a comment (the rest of a manifest vanishes) and hangs on one
 * in a directive, so every reader checks first. When not, the position and why. */
bool sc_yaml_text_valid(const char *buf, size_t len, struct sc_loc *ret_loc, const char **ret_why);

/* The same check for a file read from 'fd' (to its end, a chunk at a time, for readers that
 * stream to libfyaml): 1 valid, 0 not, or -errno. The caller rewinds. */
int sc_yaml_fd_text_valid(int fd);

/* Is the line that ends just before 'at' (a line's start, after the first) a document marker
 * alone: "---", then blanks or a comment at most? There kubectl's YAMLReader cuts a stream
 * into documents, each then read alone by sigs.k8s.io/yaml. */
bool sc_yaml_after_marker_line(const char *buf, size_t at);

/* The text to parse as Kubernetes reads it: kubectl drops a byte order mark (U+FEFF) starting
 * a file (JSON stays JSON), and one starting a document's text right after its "---" line is
 * at the start of the stream go-yaml reads that document from (kubectl cuts the stream at
 * those lines first), where it is dropped too: files joined with cat, one saved with a mark.
 * libfyaml reads a mark only at the stream's start. *buf and *len are moved past a mark at
 * the start; when *boms (the marks after the first byte, as counted by the caller) is not 0,
 * they become a copy without those after a "---" line (lines stay where they were; free
 * *ret_copy) and *boms the number of marks left in it. 0 or -ENOMEM. */
int sc_yaml_drop_boms(const char **buf, size_t *len, unsigned *boms, char **ret_copy);

/* 's' (of 'len' bytes) with each byte order mark in it written "<U+FEFF>", for a message (an
 * invisible character inside a quoted name). NULL on ENOMEM. */
char *sc_yaml_marks_shown(const char *s, size_t len);

/* The line of the first byte order mark in 'buf', or 0 when it has none. */
unsigned sc_yaml_first_bom_line(const char *buf, size_t len);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Read every profile format: OCI/Docker JSON, SPO SeccompProfile YAML, KubeArmorSeccompPolicy
 * YAML. libfyaml does all parsing. */
#pragma once

#include <stdio.h>

#include "profile.h"

/* The largest profile or policy file any reader accepts (docker-default is about 20 KiB). */
#define SC_PROFILE_MAX_INPUT (16u << 20)

/* Read one profile from a buffer; the format is detected from content (kind/apiVersion for
 * YAML documents, else OCI). 'file' names the source in diagnostics (may be NULL) and is the
 * directory base for SPO baseProfileName look-ups (sibling files, depth limit 8, cycles
 * detected). On error returns -EINVAL (syntax/semantic: details in 'd'), -ENOMEM, ...;
 * nothing is returned on error. Warnings may be added on success. */
int sc_profile_read_buffer(const char *buf, size_t len, const char *file, struct sc_diags *d,
			   struct sc_profile **ret);
/* Read from a path ("-" = stdin). */
int sc_profile_read_file(const char *path, struct sc_diags *d, struct sc_profile **ret);

/* Read every profile/policy document from a buffer (multi-document YAML). Returns the number
 * read into *ret (an owned array of owned profiles). */
int sc_profile_read_all(const char *buf, size_t len, const char *file, struct sc_diags *d,
			struct sc_profile ***ret, size_t *ret_n);

/* Read every document of 'path' ("-" = stdin) and merge them with sc_profile_merge (deny wins)
 * into one profile; a file of one document is returned as read. A file with no profile or
 * policy in it is an error. Errors (also "cannot read") go to 'd' with the file name. */
int sc_profile_read_file_merged(const char *path, struct sc_diags *d, struct sc_profile **ret);

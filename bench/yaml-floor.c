/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* yaml-floor FILE...: libfyaml parsing FILEs (every event of every document) and nothing else:
 * the floor of bench/k8s.sh, what any reader of the same YAML with libfyaml pays. */
#include <libfyaml.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	unsigned long events = 0;

	for (int i = 1; i < argc; i++) {
		struct fy_parse_cfg cfg = { .flags = FYPCF_QUIET };
		struct fy_parser *p = fy_parser_create(&cfg);
		struct fy_event *e;

		if (!p || fy_parser_set_input_file(p, argv[i]) != 0) {
			fprintf(stderr, "yaml-floor: cannot read %s\n", argv[i]);
			return 1;
		}
		while ((e = fy_parser_parse(p)) != NULL) {
			events++;
			fy_parser_event_free(p, e);
		}
		if (fy_parser_get_stream_error(p)) {
			fprintf(stderr, "yaml-floor: %s does not parse\n", argv[i]);
			return 1;
		}
		fy_parser_destroy(p);
	}
	printf("%lu events\n", events);
	return 0;
}

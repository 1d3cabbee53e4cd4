/* dump_read_fuzz.c — libFuzzer harness: the readers of `revlens restore` (a dump
 * directory is untrusted input: it may have been copied, truncated or altered). The
 * first byte picks the reader: even, the rest is a collection file (dump_scan_file,
 * through fmemopen); odd, the rest is manifest.json (dump_manifest_parse). Each must
 * give the same answer twice; a file that scans must be exactly its documents (their
 * bytes add up to the input, each at least 5 bytes); a manifest that parses lists
 * 64-hex-digit checksums.
 *
 * The readers are in the CLI's dumpfile.c, not in librevlens.a (which fuzz/run links
 * each harness with), so that source is compiled into the harness. */
#include "cli/dumpfile.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int scan(const uint8_t *data, size_t size, struct dump_scan *out, char *err, size_t errlen)
{
	FILE *f;
	int rc;

	/* fmemopen refuses an empty buffer: an empty file is read from /dev/null */
	f = size > 0 ? fmemopen((void *)data, size, "rb") : fopen("/dev/null", "rb");
	if (f == NULL)
		abort();
	rc = dump_scan_file(f, out, err, errlen);
	fclose(f);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err1[256], err2[256];

	if (size < 1)
		return 0;
	if ((data[0] & 1) == 0) {
		struct dump_scan a, b;
		int ra = scan(data + 1, size - 1, &a, err1, sizeof(err1));
		int rb = scan(data + 1, size - 1, &b, err2, sizeof(err2));

		if (ra != rb)
			abort();
		if (ra == 0) {
			if (memcmp(&a, &b, sizeof(a)) != 0 || a.bytes != size - 1 ||
			    a.documents * 5 > a.bytes || strlen(a.sha256) != 64)
				abort();
		} else if (strcmp(err1, err2) != 0 || strncmp(err1, "offset ", 7) != 0) {
			abort();
		}
	} else {
		struct dump_manifest a, b;
		int ra = dump_manifest_parse((const char *)data + 1, size - 1, &a, err1, sizeof(err1));
		int rb = dump_manifest_parse((const char *)data + 1, size - 1, &b, err2, sizeof(err2));

		if (ra != rb || (ra == 0 && memcmp(&a, &b, sizeof(a)) != 0) ||
		    (ra != 0 && strcmp(err1, err2) != 0))
			abort();
		for (int k = 0; ra == 0 && k < DUMP_NCOLLS; k++)
			if (a.c[k].present && !dump_is_hex64(a.c[k].sha256))
				abort();
	}
	return 0;
}

/* libFuzzer target: lib/cmdline.c's cmdline_next() over arbitrary bytes.
 * The input is cut at its first NUL (the tokenizer sees C strings) and
 * tokenized to the end; every step must stay inside the string, make
 * progress, and leave NUL-terminated tokens inside their buffers. */
#include "kx.h"
#include <kernel/cmdline.h>
#include <kernel/errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAIL(...)                                                                         \
	do {                                                                              \
		fprintf(stderr, "fuzz_cmdline: " __VA_ARGS__);                            \
		fputc('\n', stderr);                                                      \
		abort();                                                                  \
	} while (0)

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size heap copy, so ASan catches any read past the NUL. */
	char *s = malloc(size + 1);
	const char *pos, *end;
	size_t steps = 0;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	end = s + strlen(s);
	pos = s;

	for (;;) {
		struct cmdline_token tok;
		const char *before = pos;
		int rc;

		memset(&tok, 0xa5, sizeof(tok));
		rc = cmdline_next(&pos, &tok);
		if (pos < before || pos > end)
			FAIL("position %td outside [%td, %td]", pos - s, before - s, end - s);
		if (rc == 0) {
			for (const char *p = before; p < end; p++)
				if (!is_space(*p))
					FAIL("end reported with a word left at offset %td", p - s);
			if (pos != end)
				FAIL("end reported at %td, not at the string's end %td", pos - s,
				     end - s);
			break;
		}
		if (pos == before)
			FAIL("rc %d without progress at offset %td", rc, pos - s);
		if (++steps > size + 1)
			FAIL("more tokens than input bytes");
		if (rc != 1 && rc != -E2BIG && rc != -EINVAL)
			FAIL("unexpected return value %d", rc);
		if (!memchr(tok.key, '\0', sizeof(tok.key)))
			FAIL("key not NUL-terminated inside its buffer (rc %d)", rc);
		if (!memchr(tok.val, '\0', sizeof(tok.val)))
			FAIL("value not NUL-terminated inside its buffer (rc %d)", rc);
		if (rc == 1) {
			size_t kl = strlen(tok.key), vl = strlen(tok.val);

			if (kl == 0)
				FAIL("empty key returned as a token");
			if (!tok.has_val && vl)
				FAIL("value \"%s\" without '='", tok.val);
			/* Quotes only group; they never reach a token. */
			if (strchr(tok.key, '"') || strchr(tok.val, '"'))
				FAIL("quote character in a token");
			/* The token's text comes from the consumed word. */
			if (kl + vl > (size_t)(pos - before))
				FAIL("token longer than the word it came from");
		}
	}
	free(s);
	return 0;
}

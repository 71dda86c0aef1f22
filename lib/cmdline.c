/* Command-line tokenizer. Input is untrusted (boot loader, xl config), so
 * every length is bounded and every malformed word is reported, not fatal. */
#include <kernel/cmdline.h>
#include <kernel/errno.h>
#include <kernel/string.h>

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Copy one part of a word (key or value) up to a terminator, handling
 * quotes. Returns 0, -E2BIG or -EINVAL; *src is left at the terminator. */
static int copy_part(const char **src, char *dst, size_t cap, bool stop_at_eq)
{
	const char *s = *src;
	size_t n = 0;
	bool quoted = false, too_long = false;

	for (; *s; s++) {
		if (*s == '"') {
			quoted = !quoted;
			continue;
		}
		if (!quoted && (is_space(*s) || (stop_at_eq && *s == '=')))
			break;
		if (n + 1 < cap)
			dst[n++] = *s;
		else
			too_long = true;
	}
	dst[n] = '\0';
	*src = s;
	if (quoted)
		return -EINVAL;
	return too_long ? -E2BIG : 0;
}

int cmdline_next(const char **pos, struct cmdline_token *tok)
{
	const char *s = *pos;
	int rc, rc2 = 0;

	while (*s && is_space(*s))
		s++;
	if (!*s) {
		*pos = s;
		return 0;
	}
	tok->has_val = false;
	tok->val[0] = '\0';
	rc = copy_part(&s, tok->key, sizeof(tok->key), true);
	if (*s == '=') {
		s++;
		tok->has_val = true;
		rc2 = copy_part(&s, tok->val, sizeof(tok->val), false);
	}
	/* On error skip to the end of this word so parsing can resume. */
	if (rc || rc2)
		while (*s && !is_space(*s))
			s++;
	*pos = s;
	if (rc == -EINVAL || rc2 == -EINVAL)
		return -EINVAL;
	if (rc || rc2)
		return -E2BIG;
	if (!tok->key[0])
		return -EINVAL;
	return 1;
}

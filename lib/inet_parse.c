/* Parsing and formatting of IPv4 addresses and the stack's configuration
 * strings (the ip= option, the vif's xenstore "ip" key). Pure code: the
 * strings come from the command line or the backend and are untrusted. */
#include <net/net_parse.h>
#include <net/inet.h>
#include <kernel/errno.h>

/* A decimal number 0..max of at most max_digits digits at *s; no sign and
 * no leading zero (so that "010" cannot be read as octal by someone and
 * decimal by us). Octets and prefix lengths. */
static int parse_small_decimal(const char **s, int max_digits, u32 max, u32 *v)
{
	const char *p = *s;
	u32 n = 0;
	int digits = 0;

	while (*p >= '0' && *p <= '9') {
		if (digits == 1 && n == 0)
			return -EINVAL;
		n = n * 10 + (u32)(*p - '0');
		if (++digits > max_digits || n > max)
			return -EINVAL;
		p++;
	}
	if (!digits)
		return -EINVAL;
	*v = n;
	*s = p;
	return 0;
}

static int parse_octet(const char **s, u32 *v)
{
	return parse_small_decimal(s, 3, 255, v);
}

/* Address at *s, stopping at the first byte that is not part of it. */
static int parse_addr_prefix(const char **s, u32 *addr)
{
	u32 a = 0, v;

	for (int i = 0; i < 4; i++) {
		if (i && *(*s)++ != '.')
			return -EINVAL;
		if (parse_octet(s, &v))
			return -EINVAL;
		a = a << 8 | v;
	}
	*addr = a;
	return 0;
}

int inet_parse_addr(const char *s, u32 *addr)
{
	u32 a;

	if (!s || parse_addr_prefix(&s, &a) || *s)
		return -EINVAL;
	*addr = a;
	return 0;
}

char *inet_format_addr(u32 addr, char *buf)
{
	char *p = buf;

	for (int i = 3; i >= 0; i--) {
		u32 v = (addr >> (i * 8)) & 0xff;

		if (v >= 100)
			*p++ = (char)('0' + v / 100);
		if (v >= 10)
			*p++ = (char)('0' + v / 10 % 10);
		*p++ = (char)('0' + v % 10);
		if (i)
			*p++ = '.';
	}
	*p = 0;
	return buf;
}

u32 inet_prefix_mask(u8 prefix)
{
	if (prefix == 0)
		return 0;
	if (prefix >= 32)
		return 0xffffffffU;
	return ~((1U << (32 - prefix)) - 1);
}

int inet_mask_prefix(u32 mask)
{
	u32 inv = ~mask;

	/* Contiguous: the inverted mask is 2^k - 1. */
	if (inv & (inv + 1))
		return -EINVAL;
	/* No popcount builtin: the kernel links without libgcc. */
	int zeros = 0;

	while (inv) {
		zeros++;
		inv >>= 1;
	}
	return 32 - zeros;
}

bool inet_addr_is_unicast(u32 addr)
{
	u8 first = (u8)(addr >> 24);

	return first != 0 && first != 127 && first < 224;
}

/* "/n" after an address, n 0..32, no leading zero. */
static int parse_plen(const char **s, u8 *prefix)
{
	u32 n;

	if (parse_small_decimal(s, 2, 32, &n))
		return -EINVAL;
	*prefix = (u8)n;
	return 0;
}

static int parse_addr_plen(const char **s, u32 *addr, u8 *prefix, u8 def_prefix)
{
	if (parse_addr_prefix(s, addr))
		return -EINVAL;
	if (**s == '/') {
		(*s)++;
		return parse_plen(s, prefix);
	}
	*prefix = def_prefix;
	return 0;
}

int inet_parse_prefix(const char *s, u32 *addr, u8 *prefix, u8 def_prefix)
{
	if (!s || def_prefix > 32 || parse_addr_plen(&s, addr, prefix, def_prefix) || *s)
		return -EINVAL;
	return 0;
}

static bool word_is(const char *s, const char *w)
{
	while (*w && *s == *w) {
		s++;
		w++;
	}
	return !*w && !*s;
}

/* A host address within its subnet: not the network or (for prefixes
 * below 31) the broadcast address. */
static bool host_addr_ok(u32 addr, u8 prefix)
{
	u32 mask = inet_prefix_mask(prefix);

	if (!inet_addr_is_unicast(addr))
		return false;
	if (prefix >= 31)
		return true;
	return (addr & ~mask) != 0 && (addr & ~mask) != ~mask;
}

int inet_parse_ipcfg(const char *s, struct inet_cfg *out)
{
	const char *colon = NULL;
	u32 i;

	if (!s)
		return -EINVAL;
	out->dev[0] = 0;
	out->dhcp = out->off = false;
	out->addr = out->gw = 0;
	out->prefix = 0;
	for (i = 0; s[i]; i++) {
		if (s[i] == ':') {
			colon = s + i;
			break;
		}
	}
	if (colon) {
		u32 n = (u32)(colon - s);

		if (n == 0 || n >= INET_CFG_DEV_MAX)
			return -EINVAL;
		for (i = 0; i < n; i++) {
			char c = s[i];

			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
				return -EINVAL;
			out->dev[i] = c;
		}
		out->dev[n] = 0;
		s = colon + 1;
	}
	if (word_is(s, "dhcp")) {
		out->dhcp = true;
		return 0;
	}
	if (word_is(s, "off") || word_is(s, "none")) {
		out->off = true;
		return 0;
	}
	if (parse_addr_plen(&s, &out->addr, &out->prefix, 24))
		return -EINVAL;
	if (!host_addr_ok(out->addr, out->prefix))
		return -EINVAL;
	while (*s == ',') {
		s++;
		if (s[0] == 'g' && s[1] == 'w' && s[2] == '=') {
			s += 3;
			if (out->gw || parse_addr_prefix(&s, &out->gw))
				return -EINVAL;
			if (!inet_addr_is_unicast(out->gw) || out->gw == out->addr ||
			    ((out->gw ^ out->addr) & inet_prefix_mask(out->prefix)))
				return -EINVAL;
		} else {
			return -EINVAL;
		}
	}
	return *s ? -EINVAL : 0;
}

int inet_parse_hint(const char *s, u32 *addr, u8 *prefix)
{
	if (!s)
		return -EINVAL;
	while (*s == ' ')
		s++;
	if (parse_addr_plen(&s, addr, prefix, 24))
		return -EINVAL;
	/* Further addresses (xl allows a list) are ignored, but the first
	 * must end at a separator. */
	if (*s && *s != ' ')
		return -EINVAL;
	if (!host_addr_ok(*addr, *prefix))
		return -EINVAL;
	return 0;
}

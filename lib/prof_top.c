/* The profiler's report (include/kernel/prof.h): group samples by
 * function and keep the largest groups. Pure code, host-tested; runs in
 * the monitor's thread with sampling stopped, so it may take its time,
 * but it sorts in place with a heap sort (no recursion, no allocation):
 * the sample buffer is the only memory it has. */
#include <kernel/prof.h>

static void sift_down(unsigned long *a, unsigned int root, unsigned int n)
{
	for (;;) {
		unsigned int child = 2 * root + 1;
		unsigned long t;

		if (child >= n)
			return;
		if (child + 1 < n && a[child + 1] > a[child])
			child++;
		if (a[root] >= a[child])
			return;
		t = a[root];
		a[root] = a[child];
		a[child] = t;
		root = child;
	}
}

static void heap_sort(unsigned long *a, unsigned int n)
{
	for (unsigned int i = n / 2; i-- > 0;)
		sift_down(a, i, n);
	for (unsigned int end = n; end > 1;) {
		unsigned long t = a[0];

		end--;
		a[0] = a[end];
		a[end] = t;
		sift_down(a, 0, end);
	}
}

/* Insert (addr, count) into top[0..*used), kept in descending count order
 * with at most max entries. The runs arrive in ascending address order,
 * so a new entry goes after every entry with the same count. */
static void keep(struct prof_entry *top, unsigned int *used, unsigned int max, unsigned long addr,
		 unsigned int count)
{
	unsigned int pos = *used;

	while (pos > 0 && top[pos - 1].count < count)
		pos--;
	if (pos >= max)
		return;
	if (*used < max)
		(*used)++;
	for (unsigned int i = *used - 1; i > pos; i--)
		top[i] = top[i - 1];
	top[pos].addr = addr;
	top[pos].count = count;
}

unsigned int prof_top(unsigned long *samples, unsigned int n,
		      unsigned long (*lookup)(unsigned long ip), struct prof_entry *top,
		      unsigned int max)
{
	unsigned int used = 0;

	if (!max)
		return 0;
	for (unsigned int i = 0; i < n; i++)
		samples[i] = lookup(samples[i]);
	heap_sort(samples, n);
	for (unsigned int i = 0; i < n;) {
		unsigned int j = i + 1;

		while (j < n && samples[j] == samples[i])
			j++;
		keep(top, &used, max, samples[i], j - i);
		i = j;
	}
	return used;
}

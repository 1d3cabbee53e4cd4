/* arena.c — bump allocator and arena-backed byte buffer. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"

struct arena_block {
	struct arena_block *next;
	size_t size;    /* usable bytes after the header */
	size_t used;
	_Alignas(16) unsigned char data[];
};

#define ALIGN16(n) (((n) + 15u) & ~(size_t)15u)

void arena_init(struct arena *a, size_t block_size, size_t limit)
{
	a->head = NULL;
	a->block_size = block_size ? block_size : 16384;
	a->limit = limit;
	a->total = 0;
}

void *arena_alloc(struct arena *a, size_t n)
{
	struct arena_block *b = a->head;
	size_t need = ALIGN16(n ? n : 1);
	void *p;

	if (need < n)
		return NULL;
	if (b == NULL || b->size - b->used < need) {
		size_t size = need > a->block_size ? need : a->block_size;
		if (size > SIZE_MAX - sizeof(*b))
			return NULL;
		if (a->limit && a->total + size > a->limit)
			return NULL;
		b = malloc(sizeof(*b) + size);
		if (b == NULL)
			return NULL;
		b->size = size;
		b->used = 0;
		b->next = a->head;
		a->head = b;
		a->total += size;
	}
	p = b->data + b->used;
	b->used += need;
	return p;
}

void *arena_calloc(struct arena *a, size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size)
		return NULL;
	p = arena_alloc(a, n * size);
	if (p != NULL)
		memset(p, 0, n * size);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	if (p != NULL) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (p = arena_alloc(a, (size_t)n + 1)) == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void arena_reset(struct arena *a)
{
	struct arena_block *b = a->head;

	if (b == NULL)
		return;
	while (b->next != NULL) {
		struct arena_block *next = b->next;
		a->total -= b->size;
		free(b);
		b = next;
	}
	/* Keep the oldest block only when it has the default size: a request
	 * whose first allocation was huge must not pin that memory for life. */
	if (b->size != a->block_size) {
		free(b);
		a->head = NULL;
		a->total = 0;
		return;
	}
	b->used = 0;
	a->head = b;
}

void arena_free(struct arena *a)
{
	struct arena_block *b = a->head;

	while (b != NULL) {
		struct arena_block *next = b->next;
		free(b);
		b = next;
	}
	a->head = NULL;
	a->total = 0;
}

void buf_init(struct buf *b, struct arena *a)
{
	b->arena = a;
	b->data = NULL;
	b->len = b->cap = 0;
	b->failed = 0;
}

static int grow(struct buf *b, size_t extra)
{
	size_t cap;
	char *d;

	if (b->failed)
		return -1;
	if (b->len + extra + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + extra + 1) {
		if (cap > SIZE_MAX / 2) {
			b->failed = 1;
			return -1;
		}
		cap *= 2;
	}
	d = arena_alloc(b->arena, cap);
	if (d == NULL) {
		b->failed = 1;
		return -1;
	}
	if (b->len)
		memcpy(d, b->data, b->len);
	b->data = d;
	b->cap = cap;
	return 0;
}

void buf_append(struct buf *b, const char *s, size_t n)
{
	if (grow(b, n) == -1)
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	size_t room = b->cap > b->len ? b->cap - b->len : 0;
	va_list copy;
	int n;

	/* Usually fits: format once into the free space, again only to grow. */
	va_copy(copy, ap);
	n = room ? vsnprintf(b->data + b->len, room, fmt, copy) : vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0) {
		if (b->data)
			b->data[b->len] = '\0';
		return;
	}
	if ((size_t)n >= room) {
		if (grow(b, (size_t)n) == -1) {
			if (b->data)
				b->data[b->len] = '\0';
			return;
		}
		vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	}
	b->len += (size_t)n;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

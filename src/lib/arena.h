/* arena.h — a bump allocator for request-scoped memory.
 *
 * Everything a request allocates comes from its arena and is released at once
 * by arena_reset() (keeps the first block for the next request) or
 * arena_free(). Allocations are 16-byte aligned; a failed allocation returns
 * NULL and leaves the arena usable.
 */
#ifndef REVLENS_ARENA_H
#define REVLENS_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena_block;

struct arena {
	struct arena_block *head;   /* newest block first */
	size_t block_size;          /* default size of a new block, bytes */
	size_t limit;               /* most bytes this arena may hold; 0 = unlimited */
	size_t total;               /* bytes held in blocks now */
};

void arena_init(struct arena *a, size_t block_size, size_t limit);
void *arena_alloc(struct arena *a, size_t n);
void *arena_calloc(struct arena *a, size_t n, size_t size);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
__attribute__((format(printf, 2, 3)))
char *arena_printf(struct arena *a, const char *fmt, ...);
/* Free every block but the oldest, which is kept for reuse if it has the
 * default block size. */
void arena_reset(struct arena *a);
void arena_free(struct arena *a);

/* A growable byte buffer whose storage lives in an arena. */
struct buf {
	struct arena *arena;
	char *data;     /* NUL-terminated when non-NULL */
	size_t len;
	size_t cap;
	int failed;     /* an append ran out of memory; the content is truncated */
};

void buf_init(struct buf *b, struct arena *a);
void buf_append(struct buf *b, const char *s, size_t n);
void buf_puts(struct buf *b, const char *s);
__attribute__((format(printf, 2, 3)))
void buf_printf(struct buf *b, const char *fmt, ...);
__attribute__((format(printf, 2, 0)))
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);

#endif

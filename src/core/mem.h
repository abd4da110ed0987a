/* Aligned allocation with overflow-checked sizes. */
#ifndef VANISH_CORE_MEM_H
#define VANISH_CORE_MEM_H

#include <stddef.h>
#include <stdint.h>

#define VNI_ALIGN 64

/* a*b into *out; returns 0, or -1 on size_t overflow. */
static inline int vni_mul_size(size_t a, size_t b, size_t *out)
{
    if (b && a > SIZE_MAX / b)
        return -1;
    *out = a * b;
    return 0;
}

/* 64-byte aligned malloc of n*size bytes; NULL on overflow or failure. Free with vni_free. */
void *vni_malloc_array(size_t n, size_t size);
/* Same, zero-filled. */
void *vni_calloc_array(size_t n, size_t size);
void vni_free(void *p);
/* Free *p and set it to NULL. */
void vni_freep(void *pp);

#endif

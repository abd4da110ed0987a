#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

void *vni_malloc_array(size_t n, size_t size)
{
    size_t bytes;
    if (vni_mul_size(n, size, &bytes) || bytes > SIZE_MAX - VNI_ALIGN)
        return NULL;
    /* aligned_alloc wants a multiple of the alignment */
    bytes = (bytes + VNI_ALIGN - 1) & ~(size_t)(VNI_ALIGN - 1);
    return aligned_alloc(VNI_ALIGN, bytes ? bytes : VNI_ALIGN);
}

void *vni_calloc_array(size_t n, size_t size)
{
    void *p = vni_malloc_array(n, size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

void vni_free(void *p)
{
    free(p);
}

void vni_freep(void *pp)
{
    void **p = pp;
    free(*p);
    *p = NULL;
}

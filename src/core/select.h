/* Order statistics. */
#ifndef VANISH_CORE_SELECT_H
#define VANISH_CORE_SELECT_H

#include <stddef.h>

/* The k-th smallest of v[0..n) (0 <= k < n), by Hoare's selection; v is reordered. */
float vni_select_f32(float *v, int n, int k);

#endif

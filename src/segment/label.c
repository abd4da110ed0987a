/* Numbering the pieces of a mask: the 8-connected components of the set pixels of a grid, by a
 * breadth-first fill from each pixel not yet reached, in raster order. Shared by the steps that
 * judge a mask's pieces one by one (pieces.c, prune.c, caption.c, straight.c). */
#include "segment/session.h"

#include <string.h>

int vni_seg_label_pieces(const uint8_t *set, int w, int h, int *lab, int *queue)
{
    int n = 0, tail = 0;
    memset(lab, 0, sizeof(int) * (size_t)w * h);
    for (int i = 0; i < w * h; i++) {
        if (lab[i] || !set[i])
            continue;
        int head = tail;
        lab[i] = ++n;
        queue[tail++] = i;
        while (head < tail) {
            const int j = queue[head++], x = j % w, y = j / w;
            for (int qy = VNI_MAX(y - 1, 0); qy <= VNI_MIN(y + 1, h - 1); qy++)
                for (int qx = VNI_MAX(x - 1, 0); qx <= VNI_MIN(x + 1, w - 1); qx++) {
                    const int q = qy * w + qx;
                    if (set[q] && !lab[q]) {
                        lab[q] = n;
                        queue[tail++] = q;
                    }
                }
        }
    }
    return n;
}

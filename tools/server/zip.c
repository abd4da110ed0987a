/*
 * A minimal zip writer: files stored without compression (PNG masks do not compress further),
 * local headers, central directory, end record (PKWARE APPNOTE 6.3, sections 4.3 and 4.4).
 * Sizes stay below 4 GiB (no zip64): larger archives fail with -EFBIG.
 */
#include "srv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), bytewise with a table built per call. */
typedef struct Crc {
    uint32_t table[256];
} Crc;

static void crc_init(Crc *c)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t r = i;
        for (int k = 0; k < 8; k++)
            r = r & 1 ? 0xEDB88320u ^ (r >> 1) : r >> 1;
        c->table[i] = r;
    }
}

static uint32_t crc_update(const Crc *c, uint32_t crc, const uint8_t *p, size_t n)
{
    crc = ~crc;
    while (n--)
        crc = c->table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v & 0xffff);
    put16(p + 2, v >> 16);
}

/* One entry's header: local (sig 0x04034b50, 30 bytes) or central (0x02014b50, 46 bytes). */
static size_t header(uint8_t *h, int central, uint32_t crc, uint32_t size, size_t name_len,
                     uint32_t offset)
{
    uint8_t *p = h;
    memset(h, 0, 46);
    put32(p, central ? 0x02014b50u : 0x04034b50u);
    p += 4;
    if (central) {
        put16(p, 20); /* made by: version 2.0 */
        p += 2;
    }
    put16(p, 20);     /* version needed */
    put16(p + 2, 0);  /* flags */
    put16(p + 4, 0);  /* method: stored */
    put16(p + 6, 0);  /* time */
    put16(p + 8, 0x21); /* date: 1980-01-01 */
    put32(p + 10, crc);
    put32(p + 14, size);
    put32(p + 18, size);
    put16(p + 22, (unsigned)name_len);
    if (!central)
        return 30;
    put32(p + 36, offset); /* local header offset, byte 42 */
    return 46;
}

/* Read a whole small file. */
static int slurp(const char *path, uint8_t **data, size_t *size)
{
    FILE *f = fopen(path, "rb");
    long n;
    if (!f)
        return -errno;
    if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || n > 0x7fffffffL || fseek(f, 0, SEEK_SET)) {
        fclose(f);
        return -EIO;
    }
    *data = malloc((size_t)n + 1);
    if (!*data || fread(*data, 1, (size_t)n, f) != (size_t)n) {
        free(*data);
        *data = NULL;
        fclose(f);
        return -EIO;
    }
    fclose(f);
    *size = (size_t)n;
    return 0;
}

typedef struct Entry {
    uint32_t crc, size, offset;
} Entry;

/* Write the central directory and the end record. */
static int finish(FILE *f, const Entry *e, char *const *names, size_t n, uint64_t offset)
{
    uint8_t h[46], end[22] = {0};
    uint64_t start = offset;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(names[i]);
        size_t hl = header(h, 1, e[i].crc, e[i].size, len, e[i].offset);
        if (fwrite(h, 1, hl, f) != hl || fwrite(names[i], 1, len, f) != len)
            return -EIO;
        offset += hl + len;
    }
    if (offset > 0xffffffffu || n > 0xffff)
        return -EFBIG;
    put32(end, 0x06054b50u);
    put16(end + 8, (unsigned)n);
    put16(end + 10, (unsigned)n);
    put32(end + 12, (uint32_t)(offset - start));
    put32(end + 16, (uint32_t)start);
    return fwrite(end, 1, sizeof(end), f) == sizeof(end) ? 0 : -EIO;
}

int srv_zip_write(const char *zip_path, char *const *paths, char *const *names, size_t n)
{
    Crc crc;
    Entry *e = calloc(n ? n : 1, sizeof(*e));
    FILE *f = fopen(zip_path, "wb");
    uint64_t offset = 0;
    int ret = 0;
    crc_init(&crc);
    if (!e || !f) {
        ret = !e ? -ENOMEM : -errno;
        goto fail;
    }
    for (size_t i = 0; i < n && ret >= 0; i++) {
        uint8_t *data = NULL, h[46];
        size_t size = 0, len = strlen(names[i]), hl;
        if ((ret = slurp(paths[i], &data, &size)) < 0)
            break;
        if (offset + size + 30 + len > 0xffffffffu)
            ret = -EFBIG;
        e[i] = (Entry){crc_update(&crc, 0, data, size), (uint32_t)size, (uint32_t)offset};
        hl = header(h, 0, e[i].crc, e[i].size, len, 0);
        if (ret >= 0 && (fwrite(h, 1, hl, f) != hl || fwrite(names[i], 1, len, f) != len ||
                         fwrite(data, 1, size, f) != size))
            ret = -EIO;
        offset += hl + len + size;
        free(data);
    }
    if (ret >= 0)
        ret = finish(f, e, names, n, offset);
fail:
    if (f && fclose(f) && ret >= 0)
        ret = -EIO;
    if (ret < 0)
        remove(zip_path);
    free(e);
    return ret;
}

#include "core/internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const VnOption *vn_option_find(const VnOption *table, const char *name)
{
    if (!table || !name)
        return NULL;
    for (; table->name; table++)
        if (!strcmp(table->name, name))
            return table;
    return NULL;
}

static int parse_bool(const char *v, int *out)
{
    if (!strcasecmp(v, "1") || !strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on"))
        *out = 1;
    else if (!strcasecmp(v, "0") || !strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcasecmp(v, "off"))
        *out = 0;
    else
        return -EINVAL;
    return 0;
}

static int parse_choice(const VnOption *o, const char *v, int *out)
{
    for (int i = 0; o->choices && o->choices[i]; i++)
        if (!strcasecmp(o->choices[i], v)) {
            *out = i;
            return 0;
        }
    return -EINVAL;
}

int vn_option_set(const VnOption *table, void *s, const char *name, const char *value)
{
    const VnOption *o = vn_option_find(table, name);
    char *end;
    double d;
    int i, ret;
    if (!s || !value)
        return -EINVAL;
    if (!o)
        return -ENOENT;
    switch (o->type) {
    case VN_OPT_BOOL:
        if ((ret = parse_bool(value, &i)) < 0)
            return ret;
        *(int *)((char *)s + o->offset) = i;
        return 0;
    case VN_OPT_CHOICE:
        if ((ret = parse_choice(o, value, &i)) < 0)
            return ret;
        *(int *)((char *)s + o->offset) = i;
        return 0;
    case VN_OPT_INT:
    case VN_OPT_FLOAT:
        errno = 0;
        d = strtod(value, &end);
        if (end == value || *end || errno || !isfinite(d))
            return -EINVAL;
        if (o->type == VN_OPT_INT && d != floor(d))
            return -EINVAL;
        if (d < o->min || d > o->max)
            return -ERANGE;
        if (o->type == VN_OPT_INT)
            *(int *)((char *)s + o->offset) = (int)d;
        else
            *(float *)((char *)s + o->offset) = (float)d;
        return 0;
    default:
        return -EINVAL;
    }
}

void vn_option_format(const VnOption *o, const void *s, char *buf, size_t size)
{
    const char *p = (const char *)s + o->offset;
    if (!size)
        return;
    switch (o->type) {
    case VN_OPT_FLOAT: snprintf(buf, size, "%g", *(const float *)p); break;
    case VN_OPT_BOOL: snprintf(buf, size, "%s", *(const int *)p ? "true" : "false"); break;
    case VN_OPT_CHOICE: snprintf(buf, size, "%s", o->choices[*(const int *)p]); break;
    default: snprintf(buf, size, "%d", *(const int *)p); break;
    }
}

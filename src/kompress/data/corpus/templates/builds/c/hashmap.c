#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "$P.h"

static unsigned long ${P}_hash(const char *s)
{
    unsigned long h = 5381;
    int c;
    while ((c = *s++) != 0)
        h = h * 33 + (unsigned long)c;
    return h;
}

int ${P}_put(struct $T *m, const char *key, int value)
{
    if (m->count * 2 >= m->cap)
        return -1;
    size_t i = ${P}_hash(key) % m->cap;
    while (m->slots[i].used && strcmp(m->slots[i].key, key) != 0)
        i = (i + 1) % m->cap;
    if (!m->slots[i].used)
        m->count++;
    m->slots[i].key = key;
    m->slots[i].value = value;
    m->slots[i].used = 1;
    return 0;
}

int ${P}_get(const struct $T *m, const char *key, int *out)
{
    size_t i = ${P}_hash(key) % m->cap;
    while (m->slots[i].used) {
        if (strcmp(m->slots[i].key, key) == 0) {
            *out = m->slots[i].value;
            return 1;
        }
        i = (i + 1) % m->cap;
    }
    return 0;
}

int ${P}_demo(int argc, char **argv)
{
    struct $T m = {0};
    m.cap = 64;
    m.slots = calloc(m.cap, sizeof *m.slots);
    for (int i = 1; i < argc; i++)
        ${P}_put(&m, argv[i], i);
    int value = 0;
    int found = ${P}_get(&m, "$N", &value);
    printf("found=%d value=%d count=%zu\n", found, value, m.count);
    free(m.slots);
    return 0;
}

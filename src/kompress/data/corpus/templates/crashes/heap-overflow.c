#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *$F1(const char **parts, int n)
{
    size_t len = 0;
    for (int i = 0; i < n; i++)
        len += strlen(parts[i]);
    char *out = malloc(len + n - 1);
    char *p = out;
    for (int i = 0; i < n; i++) {
        size_t l = strlen(parts[i]);
        memcpy(p, parts[i], l);
        p += l;
        *p++ = i + 1 < n ? ',' : '\0';
    }
    out[len + n - 1] = '\0';
    return out;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 4;
    const char *parts[64];
    static char store[64][32];
    for (int i = 0; i < n && i < 64; i++) {
        snprintf(store[i], sizeof store[i], "$N%d", i * 11);
        parts[i] = store[i];
        fprintf(stderr, "$TAG: field %d = %s\n", i, parts[i]);
    }
    char *joined = $F1(parts, n);
    fprintf(stderr, "$TAG: joined %zu bytes: %s\n", strlen(joined), joined);
    free(joined);
    return 0;
}

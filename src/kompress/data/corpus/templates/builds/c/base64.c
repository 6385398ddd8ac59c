#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "$P.h"

static const char ${P}_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int ${P}_encode(const unsigned char *in, size_t n, struct $T *enc)
{
    enc->cap = 4 * ((n + 2) / 3) + 1;
    enc->out = malloc(enc->cap);
    if (enc->out == NULL)
        return -1;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = in[i] << 16;
        if (i + 1 < n)
            v |= in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        enc->out[o++] = ${P}_alphabet[(v >> 18) & 63];
        enc->out[o++] = ${P}_alphabet[(v >> 12) & 63];
        enc->out[o++] = i + 1 < n ? ${P}_alphabet[(v >> 6) & 63] : '=';
        enc->out[o++] = i + 2 < n ? ${P}_alphabet[v & 63] : '=';
    }
    enc->out[o] = '\0';
    enc->len = o;
    return 0;
}

int ${P}_demo(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        struct $T enc;
        if (${P}_encode((const unsigned char *)argv[i], strlen(argv[i]), &enc) != 0)
            return 1;
        printf("%s -> %s (%zu)\n", argv[i], enc.out, enc.len);
        free(enc.out);
    }
    return 0;
}

#include <stdio.h>
#include <stdlib.h>
#include "$P.h"

int ${P}_init(struct $T *b, size_t nbits)
{
    b->nbits = nbits;
    b->words = calloc((nbits + 63) / 64, sizeof(uint64_t));
    return b->words ? 0 : -1;
}

void ${P}_set(struct $T *b, size_t i)
{
    b->words[i / 64] |= (uint64_t)1 << (i % 64);
}

int ${P}_test(const struct $T *b, size_t i)
{
    return (b->words[i / 64] >> (i % 64)) & 1;
}

size_t ${P}_count(const struct $T *b)
{
    size_t total = 0;
    for (size_t i = 0; i < (b->nbits + 63) / 64; i++)
        total += (size_t)__builtin_popcountll(b->words[i]);
    return total;
}

int ${P}_demo(int argc, char **argv)
{
    struct $T b;
    int n = argc > 1 ? atoi(argv[1]) : 100;
    if (${P}_init(&b, n) != 0)
        return 1;
    for (int i = 0; i < n; i += 3)
        ${P}_set(&b, i);
    printf("%zu of %d bits set, bit 9 is %d\n", ${P}_count(&b), n, ${P}_test(&b, 9));
    free(b.words);
    return 0;
}

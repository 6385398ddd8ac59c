#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int $F1(const char *s, int mul)
{
    int h = 7;
    for (; *s; s++)
        h = h * mul + *s;
    return h;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int mul = argc > 1 ? atoi(argv[1]) : 31;
    for (int i = 2; i < argc; i++) {
        printf("$TAG: hashing key %d/%d '%s'\n", i - 1, argc - 2, argv[i]);
        int h = $F1(argv[i], mul);
        printf("$TAG: bucket %d\n", h % 64);
    }
    return 0;
}

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>

static const char *defaults[] = { "$N.host=localhost", "$N.port=8080", "$N.mode=$ADJ" };

static void $F1(char *s)
{
    for (; *s; s++)
        *s = (char)toupper((unsigned char)*s);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int n = argc > 1 ? atoi(argv[1]) : 3;
    char buf[64];
    for (int i = 0; i < n; i++) {
        snprintf(buf, sizeof buf, "$N.opt%d=%d", i, i * 4);
        $F1(buf);
        printf("$TAG: option %s\n", buf);
    }
    for (int i = 0; i < 3; i++) {
        printf("$TAG: normalising default %s\n", defaults[i]);
        $F1((char *)defaults[i]);
    }
    return 0;
}

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct $S {
    int version;
    char user[16];
    char host[16];
};

static void $F1(struct $S *h, const char *line)
{
    char field[16];
    const char *at = strchr(line, '@');
    size_t n = at ? (size_t)(at - line) : strlen(line);
    memcpy(field, line, n);
    field[n] = '\0';
    snprintf(h->user, sizeof h->user, "%s", field);
    snprintf(h->host, sizeof h->host, "%s", at ? at + 1 : "localhost");
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        struct $S h = { .version = 2 };
        fprintf(stderr, "$TAG: $VERB header %d: '%s'\n", i, argv[i]);
        $F1(&h, argv[i]);
        fprintf(stderr, "$TAG: user=%s host=%s\n", h.user, h.host);
    }
    return 0;
}

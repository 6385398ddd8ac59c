#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "$P.h"

const char *${P}_next(const char *p, struct $T *tok)
{
    while (*p && isspace((unsigned char)*p))
        p++;
    tok->start = p;
    if (*p == '\0') {
        tok->kind = TOK_END;
        tok->len = 0;
        return p;
    }
    if (isdigit((unsigned char)*p)) {
        while (isdigit((unsigned char)*p))
            p++;
        tok->kind = TOK_NUMBER;
    } else if (isalpha((unsigned char)*p)) {
        while (isalnum((unsigned char)*p) || *p == '_')
            p++;
        tok->kind = TOK_WORD;
    } else {
        p++;
        tok->kind = TOK_PUNCT;
    }
    tok->len = (size_t)(p - tok->start);
    return p;
}

int ${P}_count(const char *text, enum ${T}_kind kind)
{
    struct $T tok;
    int count = 0;
    const char *p = text;
    do {
        p = ${P}_next(p, &tok);
        if (tok.kind == kind)
            count++;
    } while (tok.kind != TOK_END);
    return count;
}

int ${P}_demo(int argc, char **argv)
{
    int words = 0;
    for (int i = 1; i < argc; i++) {
        words += ${P}_count(argv[i], TOK_WORD);
        printf("%s: %zu bytes\n", argv[i], strlen(argv[i]));
    }
    printf("%d words\n", words);
    return 0;
}

#include <stddef.h>

enum ${T}_kind { TOK_WORD, TOK_NUMBER, TOK_PUNCT, TOK_END };

struct $T {
    enum ${T}_kind kind;
    const char *start;
    size_t len;
};

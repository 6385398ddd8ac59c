#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "$P.h"

static char *${P}_trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return s;
}

int ${P}_load(FILE *in, struct ${T}_set *set)
{
    char line[256];
    int lineno = 0;
    while (fgets(line, sizeof line, in) != NULL) {
        lineno++;
        char *p = ${P}_trim(line);
        if (*p == '#' || *p == '\0')
            continue;
        char *eq = strchr(p, '=');
        if (eq == NULL) {
            fprintf(stderr, "line %d: missing '='\n", lineno);
            return -lineno;
        }
        *eq = '\0';
        struct $T *e = &set->entries[set->count++];
        snprintf(e->key, sizeof e->key, "%s", ${P}_trim(p));
        snprintf(e->value, sizeof e->value, "%s", ${P}_trim(eq + 1));
    }
    return set->count;
}

const char *${P}_lookup(const struct ${T}_set *set, const char *key)
{
    for (int i = 0; i < set->count; i++)
        if (strcmp(set->entries[i].key, key) == 0)
            return set->entries[i].value;
    return NULL;
}

int ${P}_demo(int argc, char **argv)
{
    static struct ${T}_set set;
    int n = ${P}_load(stdin, &set);
    printf("loaded %d keys\n", n);
    for (int i = 1; i < argc; i++) {
        const char *v = ${P}_lookup(&set, argv[i]);
        printf("%s = %s\n", argv[i], v ? v : "(unset)");
    }
    return 0;
}

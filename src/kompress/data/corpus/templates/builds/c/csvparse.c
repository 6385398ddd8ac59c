#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "$P.h"

int ${P}_split(char *line, struct $T *row, char sep)
{
    int n = 0;
    char *start = line;
    for (char *p = line; ; p++) {
        if (*p == sep || *p == '\0' || *p == '\n') {
            int end = *p == '\0' || *p == '\n';
            *p = '\0';
            if (n < ${T}_MAX_FIELDS)
                row->fields[n++] = start;
            if (end)
                break;
            start = p + 1;
        }
    }
    row->nfields = n;
    return n;
}

long ${P}_sum_column(FILE *in, int column, char sep)
{
    char buf[1024];
    struct $T row = {0};
    long total = 0;
    while (fgets(buf, sizeof buf, in) != NULL) {
        row.line++;
        if (${P}_split(buf, &row, sep) <= column)
            continue;
        total += strtol(row.fields[column], NULL, 10);
    }
    return total;
}

int ${P}_demo(int argc, char **argv)
{
    int column = argc > 1 ? atoi(argv[1]) : 0;
    long total = ${P}_sum_column(stdin, column, ',');
    printf("column %d total %ld\n", column, total);
    return 0;
}

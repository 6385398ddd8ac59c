#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum op { OP_PUSH, OP_ADD, OP_MUL, OP_DUP, OP_PRINT, OP_HALT };

static long stack[256];
static int sp;

static void $F1(const unsigned char *code, int len)
{
    for (int pc = 0; pc < len; pc++) {
        switch (code[pc]) {
        case OP_PUSH: stack[sp++] = code[++pc]; break;
        case OP_ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case OP_MUL: sp--; stack[sp - 1] *= stack[sp]; break;
        case OP_DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case OP_PRINT: printf("$TAG pc=%03d top=%ld depth=%d\n", pc, stack[sp - 1], sp); break;
        case OP_HALT: return;
        default:
            fprintf(stderr, "$TAG: bad opcode 0x%02x at pc=%d\n", code[pc], pc);
            __builtin_trap();
        }
    }
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int n = argc > 1 ? atoi(argv[1]) : 10;
    int bad_at = argc > 2 ? atoi(argv[2]) : n / 2;
    unsigned char code[1024];
    int len = 0;
    for (int i = 0; i < n; i++) {
        code[len++] = OP_PUSH; code[len++] = (unsigned char)(i * 3 + 1);
        code[len++] = i % 2 ? OP_ADD : OP_DUP;
        code[len++] = OP_PRINT;
        if (i == bad_at)
            code[len++] = (unsigned char)(0x40 + i % 64);
    }
    code[len++] = OP_HALT;
    printf("$TAG: $VERB %d instructions\n", len);
    $F1(code, len);
    return 0;
}

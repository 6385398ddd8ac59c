#include "$P.h"

int main(int argc, char **argv)
{
    return ${P}_demo(argc, argv);
}

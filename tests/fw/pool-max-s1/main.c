/* pool-max's program with stride 1 (cnn.h). */
#include "cnn.h"
#include "../pool-max/main.c"

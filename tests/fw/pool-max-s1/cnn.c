/* pool-max's layer with stride 1 (cnn.h). */
#include "cnn.h"
#include "../pool-max/cnn.c"

#include "../pool-max/weights.h"

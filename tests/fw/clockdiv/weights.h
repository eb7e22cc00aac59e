/* The test layer is a passthrough (pooling only): no kernels, no bias. */
#ifndef TEST_WEIGHTS_H
#define TEST_WEIGHTS_H
#endif

/* Self-made test program for max78sim register traces: the layer is a
 * passthrough (pooling only), so there are no weights. */

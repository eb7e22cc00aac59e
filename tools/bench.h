/* `max78sim bench` (bench.c). */
#ifndef M78_BENCH_CMD_H
#define M78_BENCH_CMD_H
int m78cli_cmd_bench(int argc, char **argv);
#endif

/*
 * The newlib system calls: stdout and stderr go to the UART0 console,
 * stdin reads as end of file, the heap grows from the end of .bss towards
 * the stack's reserved area (max78000.ld), and _exit ends the program
 * through semihosting.  Anything else fails with errno set, as newlib's
 * stubs do.
 */
#include <errno.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>
#include "bsp.h"

#undef errno
extern int errno;

extern char __HeapBase[], __HeapLimit[];

int _write(int fd, const char *buf, int len);
int _read(int fd, char *buf, int len);
int _close(int fd);
int _fstat(int fd, struct stat *st);
int _isatty(int fd);
int _lseek(int fd, int off, int whence);
void *_sbrk(ptrdiff_t incr);
int _kill(int pid, int sig);
int _getpid(void);
void _exit(int status) __attribute__((noreturn));

int _write(int fd, const char *buf, int len)
{
  if (fd != 1 && fd != 2) {
    errno = EBADF;
    return -1;
  }
  m78bsp_console_write(buf, len);
  return len;
}

int _read(int fd, char *buf, int len)
{
  (void)fd;
  (void)buf;
  (void)len;
  return 0;
}

int _close(int fd)
{
  (void)fd;
  errno = EBADF;
  return -1;
}

int _fstat(int fd, struct stat *st)
{
  (void)fd;
  st->st_mode = S_IFCHR;
  return 0;
}

/* A terminal: newlib then line-buffers stdout, as on the board. */
int _isatty(int fd)
{
  return fd >= 0 && fd <= 2;
}

int _lseek(int fd, int off, int whence)
{
  (void)fd;
  (void)off;
  (void)whence;
  return 0;
}

void *_sbrk(ptrdiff_t incr)
{
  static char *brk = __HeapBase;
  char *prev = brk;

  if (incr > __HeapLimit - brk || incr < __HeapBase - brk) {
    errno = ENOMEM;
    return (void *)-1;
  }
  brk += incr;
  return prev;
}

int _kill(int pid, int sig)
{
  (void)pid;
  (void)sig;
  errno = EINVAL;
  return -1;
}

int _getpid(void)
{
  return 1;
}

void _exit(int status)
{
  m78bsp_exit(status);
}

/*
 * MSDK return codes (shim subset).  Drivers return E_NO_ERROR (0) on
 * success and a negative code otherwise.
 */
#ifndef M78_SHIM_MXC_ERRORS_H
#define M78_SHIM_MXC_ERRORS_H

#define E_NO_ERROR 0
#define E_SUCCESS 0
#define E_NULL_PTR -1
#define E_NO_DEVICE -2
#define E_BAD_PARAM -3
#define E_INVALID -4
#define E_UNINITIALIZED -5
#define E_BUSY -6
#define E_BAD_STATE -7
#define E_UNKNOWN -8
#define E_COMM_ERR -9
#define E_TIME_OUT -10
#define E_NO_RESPONSE -11
#define E_OVERFLOW -12
#define E_UNDERFLOW -13
#define E_NONE_AVAIL -14
#define E_SHUTDOWN -15
#define E_ABORT -16
#define E_NOT_SUPPORTED -17
#define E_FAIL -255

#endif

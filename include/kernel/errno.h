#ifndef KERNEL_ERRNO_H
#define KERNEL_ERRNO_H

/* Values follow the usual Linux/Xen numbering so Xen's error codes map 1:1. */
#define EPERM 1
#define ENOENT 2
#define ESRCH 3
#define EINTR 4
#define EIO 5
#define ENXIO 6
#define E2BIG 7
#define EBADF 9
#define EAGAIN 11
#define ENOMEM 12
#define EACCES 13
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define ENODEV 19
#define EISDIR 21
#define EINVAL 22
#define ENOSPC 28
#define EROFS 30
#define ERANGE 34
#define ENOSYS 38
#define ENOTEMPTY 39
#define ENODATA 61
#define EPROTO 71
#define EOVERFLOW 75
#define EBADMSG 74
#define EOPNOTSUPP 95
#define ETIMEDOUT 110
#define EISCONN 106

/* Networking (Linux's numbers). */
#define EPIPE 32
#define EMSGSIZE 90
#define EPROTONOSUPPORT 93
#define EADDRINUSE 98
#define EADDRNOTAVAIL 99
#define ENETDOWN 100
#define ENETUNREACH 101
#define ECONNABORTED 103
#define ECONNRESET 104
#define ENOBUFS 105
#define ENOTCONN 107
#define ESHUTDOWN 108
#define ECONNREFUSED 111
#define EHOSTUNREACH 113
#define EALREADY 114
#define EINPROGRESS 115

#endif

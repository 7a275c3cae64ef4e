#ifndef CSYSTEMD_SHIM_H
#define CSYSTEMD_SHIM_H
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#include <sys/uio.h>

/* sd_journal_sendv is also a macro that adds CODE_* fields; callers add those fields themselves,
   so this wrapper makes the plain function reachable under a stable name. */
static inline int CSystemd_journal_sendv(const struct iovec *iov, int n) {
    return sd_journal_sendv(iov, n);
}
#endif

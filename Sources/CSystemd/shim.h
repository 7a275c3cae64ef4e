#ifndef CSYSTEMD_SHIM_H
#define CSYSTEMD_SHIM_H
/* Without this, sd-journal.h turns sd_journal_sendv into a macro that appends CODE_FILE/CODE_LINE/CODE_FUNC
   of the line that calls it, which here would be this header. cratefeed sends the Swift call site's own
   CODE_* fields instead. */
#define SD_JOURNAL_SUPPRESS_LOCATION 1
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#include <sys/uio.h>

/* The plain sd_journal_sendv under a stable, prefixed name: the caller supplies every field, CODE_* included.
   Returns 0 or a negative errno. */
static inline int CSystemd_journal_sendv(const struct iovec *iov, int n) {
    return sd_journal_sendv(iov, n);
}
#endif

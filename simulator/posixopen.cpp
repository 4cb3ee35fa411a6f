// open(2) with flags from <fcntl.h>, in a file of its own: <fcntl.h> declares
// the tee(2) system call, ::tee, which clashes with teescope's namespace tee,
// so no teescope header may be included here.
#include <fcntl.h>

namespace teescope_posix {

int openForReading(const char *path)
{
    // Non-blocking: opening a FIFO must not wait for a writer. Regular files
    // ignore the flag.
    return ::open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
}

} // namespace teescope_posix

#include "simulator/fileio.h"

#include "core/text.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include <array>
#include <atomic>
#include <csignal>
#include <sys/stat.h>
#include <unistd.h>

namespace teescope_posix {
int openForReading(const char *path); // posixopen.cpp
}

namespace tee::sim {

namespace {

// Paths are the user's own words and long ones are still useful whole: a
// generous limit, still one line.
constexpr size_t kPathChars = 160;

std::string shown(const std::string &path)
{
    return printable(path, kPathChars);
}

std::string fileKind(mode_t mode)
{
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    if (S_ISSOCK(mode))
        return "a socket";
    return "not a regular file";
}

std::string errnoText(int err)
{
    switch (err) {
    case ENOENT:
        return "no such file";
    case EACCES:
    case EPERM:
        return "permission denied";
    case ENOTDIR:
        return "a component of the path is not a directory";
    case ELOOP:
        return "too many levels of symbolic links";
    case ENAMETOOLONG:
        return "file name too long";
    case ENOSPC:
        return "no space left on the device";
    case EROFS:
        return "read-only file system";
    default:
        return std::strerror(err);
    }
}

std::string sizeLimit(int64_t bytes)
{
    if (bytes % (1024 * 1024) == 0)
        return std::to_string(bytes / (1024 * 1024)) + " MiB";
    return std::to_string(bytes) + " bytes";
}

std::string dirName(const std::string &path)
{
    const size_t slash = path.find_last_of('/');
    if (slash == std::string::npos)
        return ".";
    if (slash == 0)
        return "/";
    return path.substr(0, slash);
}

std::string baseName(const std::string &path)
{
    const size_t slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string realPath(const std::string &path)
{
    char buf[PATH_MAX];
    if (!::realpath(path.c_str(), buf))
        return {};
    return buf;
}

bool writeAll(int fd, const std::string &contents)
{
    const char *p = contents.data();
    size_t left = contents.size();
    while (left > 0) {
        const ssize_t n = ::write(fd, p, left);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        p += n;
        left -= size_t(n);
    }
    return true;
}

mode_t defaultFileMode()
{
    static const mode_t mode = [] {
        const mode_t mask = ::umask(0);
        ::umask(mask);
        return mode_t(0666 & ~mask);
    }();
    return mode;
}

// A temporary name beside `target` that does not exist now. The caller
// creates it with O_EXCL or link(), which fail rather than reuse a name.
std::string tempName(const std::string &target, const char *tag)
{
    std::string name = dirName(target) + "/." + baseName(target) + tag + "XXXXXX";
    const int fd = ::mkstemp(name.data());
    if (fd < 0)
        return {};
    ::close(fd);
    ::unlink(name.c_str());
    return name;
}

} // namespace

bool readRegularFile(const std::string &path, int64_t maxBytes, const char *what, std::string &out,
                     std::string *error)
{
    const auto failed = [&](const std::string &why) {
        if (error)
            *error = (path.empty() ? std::string("\"\"") : shown(path)) + ": cannot read: " + why;
        return false;
    };
    if (path.empty())
        return failed("empty file name");
    const int fd = teescope_posix::openForReading(path.c_str());
    if (fd < 0)
        return failed(errnoText(errno));
    struct Closer
    {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st
    {};
    if (::fstat(fd, &st) != 0)
        return failed(errnoText(errno));
    if (S_ISDIR(st.st_mode))
        return failed("is a directory");
    if (!S_ISREG(st.st_mode))
        return failed("not a regular file (" + fileKind(st.st_mode) + ")");
    if (st.st_size > maxBytes)
        return failed("file is " + std::to_string(st.st_size) + " bytes, larger than the " +
                      sizeLimit(maxBytes) + " limit for a " + what);
    std::string data;
    data.resize(size_t(st.st_size) + 1);
    size_t got = 0;
    for (;;) {
        if (got == data.size()) {
            if (int64_t(got) > maxBytes)
                return failed("file grew past the " + sizeLimit(maxBytes) + " limit for a " + what +
                              " while it was read");
            data.resize(std::min<size_t>(size_t(maxBytes) + 1, data.size() * 2));
        }
        const ssize_t n = ::read(fd, data.data() + got, data.size() - got);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return failed(errnoText(errno));
        }
        if (n == 0)
            break;
        got += size_t(n);
    }
    data.resize(got);
    out = std::move(data);
    return true;
}

FileIdentity fileIdentity(const std::string &path)
{
    FileIdentity id;
    struct stat st
    {};
    if (!path.empty() && ::stat(path.c_str(), &st) == 0) {
        id.exists = true;
        id.device = uint64_t(st.st_dev);
        id.inode = uint64_t(st.st_ino);
        id.canonical = realPath(path);
        return id;
    }
    const std::string dir = realPath(dirName(path));
    id.canonical = (dir.empty() ? dirName(path) : dir) + "/" + baseName(path);
    return id;
}

// `path` with its symbolic links followed (a dangling one too), so that an
// output written through a link replaces the file it points at, as a shell
// redirection would, and not the link itself. A loop, or more than 40
// links, stops where it is (writing there then fails with ELOOP's cause).
std::string followLinks(std::string path)
{
    for (int hops = 0; hops < 40; ++hops) {
        struct stat st
        {};
        if (::lstat(path.c_str(), &st) != 0 || !S_ISLNK(st.st_mode))
            return path;
        std::string to(size_t(st.st_size > 0 ? st.st_size : 4096) + 1, '\0');
        const ssize_t n = ::readlink(path.c_str(), to.data(), to.size());
        if (n <= 0 || size_t(n) >= to.size())
            return path;
        to.resize(size_t(n));
        path = to.front() == '/' ? to : dirName(path) + "/" + to;
    }
    return path;
}

size_t OutputFiles::add(std::string option, std::string path)
{
    std::string target = path == "-" ? path : followLinks(path);
    m_files.push_back({std::move(option), std::move(path), std::move(target), {}});
    return m_files.size() - 1;
}

void OutputFiles::set(size_t index, std::string contents)
{
    m_files.at(index).contents = std::move(contents);
}

bool OutputFiles::check(const std::vector<std::string> &inputs, std::string *error) const
{
    std::vector<FileIdentity> ids;
    const File *stdoutFile = nullptr;
    for (const File &f : m_files) {
        const auto failed = [&](const std::string &why) {
            if (error)
                *error = f.option + ": " + (f.path.empty() ? std::string("\"\"") : shown(f.path)) +
                         ": " + why;
            return false;
        };
        if (f.path.empty())
            return failed("empty file name");
        if (f.path == "-") {
            if (stdoutFile)
                return failed("standard output is already " + stdoutFile->option +
                              "'s (at most one output can be -)");
            stdoutFile = &f;
            ids.push_back({}); // keeps ids parallel to m_files
            continue;
        }
        if (f.path.back() == '/')
            return failed("cannot write: names a directory");
        if (struct stat ls{}; ::lstat(f.target.c_str(), &ls) == 0 && S_ISLNK(ls.st_mode))
            return failed("cannot write: too many levels of symbolic links");
        struct stat st
        {};
        if (::stat(f.target.c_str(), &st) == 0) {
            if (S_ISDIR(st.st_mode))
                return failed("cannot write: is a directory");
            if (!S_ISREG(st.st_mode))
                return failed("cannot write: not a regular file (" + fileKind(st.st_mode) + ")");
        }
        const std::string dir = dirName(f.target);
        struct stat ds
        {};
        if (::stat(dir.c_str(), &ds) != 0)
            return failed("cannot write: directory " + shown(dir) + " does not exist");
        if (!S_ISDIR(ds.st_mode))
            return failed("cannot write: " + shown(dir) + " is not a directory");
        if (::access(dir.c_str(), W_OK | X_OK) != 0)
            return failed("cannot write: directory " + shown(dir) + ": " + errnoText(errno));
        const FileIdentity id = fileIdentity(f.target);
        for (const std::string &input : inputs) {
            const FileIdentity in = fileIdentity(input);
            if (in.exists && id.exists && in.device == id.device && in.inode == id.inode)
                return failed("is the input file " + shown(input) +
                              " (refusing to overwrite an input)");
        }
        for (size_t j = 0; j < ids.size(); ++j) {
            if (m_files[j].path == "-")
                continue;
            const bool same = ids[j].exists || id.exists
                                  ? ids[j].exists && id.exists && ids[j].device == id.device &&
                                        ids[j].inode == id.inode
                                  : ids[j].canonical == id.canonical;
            if (same)
                return failed("is the same file as " + m_files[j].option + " " +
                              shown(m_files[j].path) + " (each output needs its own file)");
        }
        ids.push_back(id);
    }
    return true;
}

namespace {
// The signals that end a command from outside (Ctrl+C, kill, timeout, a
// closed terminal) wait while outputs are committed: a command killed while
// it wrote left its temporary file behind (40 MB of a capture, an export
// audit). They are caught process-wide (any thread may take a signal sent
// to the process: the app has several), noted, and raised again with the
// previous disposition once the outputs are all in place, or all rolled
// back; the commit itself is bounded (no reads, one fsync a file).
std::atomic<int> g_deferredSignal{0};
extern "C" void noteDeferredSignal(int sig)
{
    g_deferredSignal.store(sig);
}

class TerminationDeferred
{
public:
    TerminationDeferred()
    {
        g_deferredSignal.store(0);
        struct sigaction act
        {};
        act.sa_handler = noteDeferredSignal;
        sigemptyset(&act.sa_mask);
        act.sa_flags = SA_RESTART;
        for (size_t i = 0; i < kSignals.size(); ++i)
            m_saved[i] = ::sigaction(kSignals[i], &act, &m_previous[i]) == 0;
    }
    ~TerminationDeferred()
    {
        for (size_t i = 0; i < kSignals.size(); ++i)
            if (m_saved[i])
                ::sigaction(kSignals[i], &m_previous[i], nullptr);
        if (const int sig = g_deferredSignal.exchange(0))
            ::raise(sig); // (as it would have been handled: dies, or the caller's handler)
    }
    TerminationDeferred(const TerminationDeferred &) = delete;
    TerminationDeferred &operator=(const TerminationDeferred &) = delete;

private:
    static constexpr std::array<int, 4> kSignals{SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    std::array<struct sigaction, 4> m_previous{};
    std::array<bool, 4> m_saved{};
};
} // namespace

bool OutputFiles::commit(std::string *error)
{
    const TerminationDeferred deferred;
    struct Staged
    {
        std::string temp;   // written, not yet renamed
        std::string backup; // hard link to the previous target, if any
        bool renamed = false;
    };
    std::vector<Staged> staged(m_files.size());
    const auto rollback = [&] {
        for (size_t i = 0; i < staged.size(); ++i) {
            Staged &s = staged[i];
            if (s.renamed) {
                if (!s.backup.empty())
                    ::rename(s.backup.c_str(), m_files[i].target.c_str());
                else
                    ::unlink(m_files[i].target.c_str());
                s.backup.clear();
            } else if (!s.temp.empty()) {
                ::unlink(s.temp.c_str());
            }
            if (!s.backup.empty())
                ::unlink(s.backup.c_str());
        }
    };
    const auto failed = [&](size_t i, const std::string &why) {
        const int saved = errno;
        rollback();
        if (error)
            *error = m_files[i].option + ": " + shown(m_files[i].path) + ": cannot write: " + why;
        errno = saved;
        return false;
    };

    // 1. Every output to a temporary file beside its target.
    for (size_t i = 0; i < m_files.size(); ++i) {
        const File &f = m_files[i];
        if (f.path == "-")
            continue; // standard output: the caller prints it
        struct stat st
        {};
        const bool exists = ::stat(f.target.c_str(), &st) == 0 && S_ISREG(st.st_mode);
        const mode_t mode = exists ? mode_t(st.st_mode & 07777) : defaultFileMode();
        std::string temp = dirName(f.target) + "/." + baseName(f.target) + ".tmp-XXXXXX";
        const int fd = ::mkstemp(temp.data());
        if (fd < 0) // (the temporary file: /proc/version exists, but /proc takes no new file)
            return failed(i, "cannot create a file in " + shown(dirName(f.target)) + ": " +
                                 errnoText(errno));
        staged[i].temp = temp;
        const bool ok = writeAll(fd, f.contents) && ::fchmod(fd, mode) == 0 && ::fsync(fd) == 0;
        const int err = errno;
        ::close(fd);
        if (!ok)
            return failed(i, errnoText(err));
    }
    // 2. Hard-link backups of the targets that exist, so a failed rename
    //    later can put them back.
    for (size_t i = 0; i < m_files.size(); ++i) {
        if (m_files[i].path == "-")
            continue;
        struct stat st
        {};
        if (::lstat(m_files[i].target.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        std::string backup = tempName(m_files[i].target, ".bak-");
        if (!backup.empty() && ::link(m_files[i].target.c_str(), backup.c_str()) == 0)
            staged[i].backup = std::move(backup);
    }
    // 3. Rename into place.
    for (size_t i = 0; i < m_files.size(); ++i) {
        if (m_files[i].path == "-")
            continue;
        if (::rename(staged[i].temp.c_str(), m_files[i].target.c_str()) != 0)
            return failed(i, errnoText(errno));
        staged[i].renamed = true;
    }
    for (Staged &s : staged)
        if (!s.backup.empty())
            ::unlink(s.backup.c_str());
    return true;
}

bool OutputFiles::hasStdout() const
{
    return std::any_of(m_files.begin(), m_files.end(), [](const File &f) { return f.path == "-"; });
}

const std::string &OutputFiles::stdoutContents() const
{
    static const std::string none;
    for (const File &f : m_files)
        if (f.path == "-")
            return f.contents;
    return none;
}

bool writeFileAtomically(const std::string &path, const std::string &contents, std::string *error)
{
    OutputFiles out;
    out.add("output", path);
    out.set(0, contents);
    std::string why;
    if (!out.check({}, &why) || !out.commit(&why)) {
        if (error) // "PATH: cannot write: why", as before
            *error = why.substr(why.find(": ") + 2);
        return false;
    }
    return true;
}

} // namespace tee::sim

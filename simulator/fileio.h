// Files teescope reads and writes on a user's behalf, made safe against what
// a file name can be: a FIFO that never ends, /dev/zero, a directory, the
// input itself given as an output, two outputs on one file, a directory that
// does not exist. One bounded reader for every input (scenarios, captures),
// and one all-or-nothing writer for every command's outputs (docs/cli.md,
// "Files").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tee::sim {

// Reads a whole regular file of at most `maxBytes`. A FIFO, a device, a
// socket or a directory is refused before anything is read (the file is
// opened non-blocking and checked with fstat, so a FIFO cannot hang the
// open); the size is checked before reading. Errors are one sentence that
// starts with the (printable) path: "PATH: cannot read: not a regular file
// (a FIFO)". `what` names the kind of file in the size message ("scenario",
// "capture").
bool readRegularFile(const std::string &path, int64_t maxBytes, const char *what, std::string &out,
                     std::string *error);

// The identity of a path for "is this the same file?": device and inode of
// what it names when it exists, otherwise its canonical directory and name.
// Symbolic links, "./" and ".." are resolved either way.
struct FileIdentity
{
    bool exists = false;
    uint64_t device = 0;
    uint64_t inode = 0;
    std::string canonical; // when it does not exist: realpath(dir) + "/" + name
    bool operator==(const FileIdentity &) const = default;
};
FileIdentity fileIdentity(const std::string &path);

// A command's outputs, written all or none.
//   OutputFiles out;
//   out.add("--capture", path); ...           // 1. name them
//   if (!out.check(inputs, &error)) ...       // 2. before any work: refuse
//                                             //    conflicts and unwritable
//                                             //    places, nothing touched
//   out.set(0, text); ...                     // 3. contents
//   if (!out.commit(&error)) ...              // 4. all written to temporary
//                                             //    files, then renamed; on
//                                             //    any failure every target
//                                             //    is as it was before
class OutputFiles
{
public:
    // `option` names the output in messages ("--capture").
    size_t add(std::string option, std::string path);
    bool empty() const { return m_files.empty(); }

    // Refuses (false, one-line `error` naming the option and the file): an
    // empty name, a directory, an existing file that is not a regular file,
    // a missing or unwritable directory, an output that is the same file as
    // one of `inputs` or as another output, and a second "-" (standard
    // output, which commit() leaves to the caller).
    bool check(const std::vector<std::string> &inputs, std::string *error) const;

    void set(size_t index, std::string contents);

    // The contents of the output named "-" (standard output), for the caller
    // to print once commit() succeeded; empty when there is none.
    bool hasStdout() const;
    const std::string &stdoutContents() const;

    // Writes every output to a temporary file beside its target, then renames
    // them into place. If a write or a rename fails, the temporary files are
    // removed and every target already replaced is put back as it was
    // (restored from a hard-link backup, or removed when it did not exist).
    bool commit(std::string *error);

private:
    struct File
    {
        std::string option;
        std::string path;   // as given (messages name it)
        std::string target; // where it is written: `path` with symbolic links followed
        std::string contents;
    };
    std::vector<File> m_files;
};

// Writes one file atomically (OutputFiles with one output).
bool writeFileAtomically(const std::string &path, const std::string &contents, std::string *error);

} // namespace tee::sim

// A std::vector whose copy assignment costs a few instructions when both
// sides are empty. Exploration copies States all the time (a successor is
// its parent's copy, simulator/explore.cpp), and most of a State's small
// vectors are empty in most states: a thread outside a syscall has no
// syscall arguments, an idle QTEE reply no ids. std::vector's assignment is
// an out-of-line call of about 30 instructions even then; copying a Thread
// made 11 such calls. Everything else is std::vector's own (it is one, and
// converts to one), so the engine reads and writes it as it did.
#pragma once

#include <initializer_list>
#include <utility>
#include <vector>

namespace tee {

template <class T>
class CopyVector : public std::vector<T>
{
    using Base = std::vector<T>;

public:
    using Base::Base;
    CopyVector() = default;
    CopyVector(const CopyVector &) = default;
    CopyVector(CopyVector &&) noexcept = default;
    CopyVector(const Base &v)
        : Base(v)
    {}
    CopyVector(Base &&v) noexcept
        : Base(std::move(v))
    {}
    ~CopyVector() = default;
    [[gnu::always_inline]] CopyVector &operator=(const CopyVector &o)
    {
        if (o.empty()) [[likely]] {
            this->clear(); // (keeps the capacity, as the library's assignment does)
            return *this;
        }
        Base::operator=(o);
        return *this;
    }
    CopyVector &operator=(CopyVector &&o) noexcept
    {
        Base::operator=(std::move(o));
        return *this;
    }
    CopyVector &operator=(const Base &o)
    {
        Base::operator=(o);
        return *this;
    }
    CopyVector &operator=(Base &&o) noexcept
    {
        Base::operator=(std::move(o));
        return *this;
    }
    CopyVector &operator=(std::initializer_list<T> l)
    {
        Base::operator=(l);
        return *this;
    }
};

} // namespace tee

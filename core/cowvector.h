// A vector whose elements are shared between copies until one is written
// (copy-on-write, per element). State keeps its threads in one: a step
// writes one or two threads, so copying a State for each successor, as
// exploration does (simulator/explore.cpp), copies pointers for the others
// instead of their registers, syscalls and oics, and an element that no
// copy wrote is still the same object, which lets the explorer reuse what
// it computed from it (docs/performance.md).
//
// Reading is the const interface (operator[], iteration); writing asks for
// it by name (mut()), so a loop that only reads never unshares anything and
// the compiler finds every write. The counts are atomic: exploration's
// workers share the elements of the initial state.
#pragma once

#include <atomic>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <utility>
#include <vector>

namespace tee {

template <class T>
class CowVector
{
    struct Node
    {
        explicit Node(const T &v)
            : value(v)
        {}
        explicit Node(T &&v)
            : value(std::move(v))
        {}
        std::atomic<uint32_t> refs{1};
        T value;
    };
    static void retain(Node *n) { n->refs.fetch_add(1, std::memory_order_relaxed); }
    static void release(Node *n)
    {
        if (n->refs.fetch_sub(1, std::memory_order_acq_rel) == 1)
            recycle(n);
    }
    // Elements let go are kept (a few per thread) and copied into, which
    // reuses their vectors' memory: exploration copies and drops one or
    // two threads per successor, and allocating the copies was 5% of it.
    static constexpr size_t kSpare = 64;
    struct Spares
    {
        std::vector<Node *> nodes;
        bool *alive;
        explicit Spares(bool *a)
            : alive(a)
        {
            *alive = true;
        }
        ~Spares()
        {
            *alive = false; // elements let go after this (static States) are deleted
            for (Node *n : nodes)
                delete n;
        }
    };
    static Spares *spares()
    {
        thread_local bool alive = false; // trivial: readable until the thread ends
        thread_local Spares s(&alive);
        return alive ? &s : nullptr;
    }
    static void recycle(Node *n)
    {
        Spares *s = spares();
        if (s && s->nodes.size() < kSpare)
            s->nodes.push_back(n);
        else
            delete n;
    }
    static Node *copyOf(const T &v)
    {
        Spares *sp = spares();
        if (!sp || sp->nodes.empty())
            return new Node(v);
        Spares &s = *sp;
        Node *n = s.nodes.back();
        s.nodes.pop_back();
        n->value = v;
        n->refs.store(1, std::memory_order_relaxed);
        return n;
    }

public:
    CowVector() = default;
    CowVector(const CowVector &o)
        : m_nodes(o.m_nodes)
    {
        for (Node *n : m_nodes)
            retain(n);
    }
    CowVector(CowVector &&o) noexcept
        : m_nodes(std::move(o.m_nodes))
    {
        o.m_nodes.clear();
    }
    CowVector &operator=(const CowVector &o)
    {
        if (this == &o)
            return *this;
        for (Node *n : o.m_nodes)
            retain(n);
        for (Node *n : m_nodes)
            release(n);
        m_nodes = o.m_nodes;
        return *this;
    }
    CowVector &operator=(CowVector &&o) noexcept
    {
        if (this == &o)
            return *this;
        for (Node *n : m_nodes)
            release(n);
        m_nodes = std::move(o.m_nodes);
        o.m_nodes.clear();
        return *this;
    }
    ~CowVector()
    {
        for (Node *n : m_nodes)
            release(n);
    }

    size_t size() const { return m_nodes.size(); }
    bool empty() const { return m_nodes.empty(); }
    const T &operator[](size_t i) const { return m_nodes[i]->value; }
    const T &back() const { return m_nodes.back()->value; }
    void push_back(T v) { m_nodes.push_back(new Node(std::move(v))); }
    void clear()
    {
        for (Node *n : m_nodes)
            release(n);
        m_nodes.clear();
    }

    // Element i, for writing: a copy of it first when another vector
    // shares it. The reference stays valid until this vector is copied
    // into, moved from or cleared.
    T &mut(size_t i)
    {
        Node *&n = m_nodes[i];
        if (n->refs.load(std::memory_order_acquire) != 1) {
            Node *copy = copyOf(n->value);
            release(n);
            n = copy;
        }
        return n->value;
    }

    // Element i's identity: equal for two vectors (or two moments of one)
    // exactly when neither wrote it in between. Hold() keeps the element
    // alive, so that the identity is not reused by another one.
    class Held
    {
    public:
        Held() = default;
        Held(const Held &o)
            : m_node(o.m_node)
        {
            if (m_node)
                retain(m_node);
        }
        Held &operator=(const Held &o)
        {
            if (o.m_node)
                retain(o.m_node);
            if (m_node)
                release(m_node);
            m_node = o.m_node;
            return *this;
        }
        ~Held()
        {
            if (m_node)
                release(m_node);
        }
        const void *identity() const { return m_node; }
        const T &value() const { return m_node->value; }

    private:
        friend class CowVector;
        explicit Held(Node *n)
            : m_node(n)
        {
            retain(n);
        }
        Node *m_node = nullptr;
    };
    const void *identity(size_t i) const { return m_nodes[i]; }
    Held hold(size_t i) const { return Held(m_nodes[i]); }

    class const_iterator
    {
    public:
        using iterator_category = std::random_access_iterator_tag;
        using value_type = T;
        using difference_type = std::ptrdiff_t;
        using pointer = const T *;
        using reference = const T &;
        const_iterator() = default;
        const T &operator*() const { return (*m_at)->value; }
        const T *operator->() const { return &(*m_at)->value; }
        const_iterator &operator++()
        {
            ++m_at;
            return *this;
        }
        const_iterator operator++(int)
        {
            const_iterator old = *this;
            ++m_at;
            return old;
        }
        const_iterator &operator--()
        {
            --m_at;
            return *this;
        }
        const_iterator &operator+=(difference_type d)
        {
            m_at += d;
            return *this;
        }
        const_iterator operator+(difference_type d) const { return const_iterator(m_at + d); }
        difference_type operator-(const const_iterator &o) const { return m_at - o.m_at; }
        const T &operator[](difference_type d) const { return m_at[d]->value; }
        bool operator==(const const_iterator &o) const = default;
        auto operator<=>(const const_iterator &o) const = default;

    private:
        friend class CowVector;
        explicit const_iterator(Node *const *at)
            : m_at(at)
        {}
        Node *const *m_at = nullptr;
    };
    const_iterator begin() const { return const_iterator(m_nodes.data()); }
    const_iterator end() const { return const_iterator(m_nodes.data() + m_nodes.size()); }

    bool operator==(const CowVector &o) const
    {
        if (m_nodes.size() != o.m_nodes.size())
            return false;
        for (size_t i = 0; i < m_nodes.size(); ++i)
            if (m_nodes[i] != o.m_nodes[i] && !(m_nodes[i]->value == o.m_nodes[i]->value))
                return false;
        return true;
    }

private:
    std::vector<Node *> m_nodes;
};

} // namespace tee

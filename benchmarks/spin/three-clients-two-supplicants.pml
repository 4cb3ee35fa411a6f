/*
 * SPIN twin of resources/scenarios/three-clients-two-supplicants.json
 * (teescope issue 11): the request machinery of the merged QCOMTEE design
 * (spec §2.5, §2.6, §3.3-§3.5, §3.7, §7 cases 1, 2, 4-6, 16-18) with one
 * Promela transition per teescope engine step.
 *
 * Actors, as in the scenario (one process, "app", sharing one fd):
 *   s1      open, open_service, register user object 7 with QTEE (QTEE keeps
 *           it as held:listener), then serve 3 requests and exit
 *   s2      wait for "fd" (s1's open), serve 1 request and exit
 *   c1..c3  wait for "fd" and "svc" (s1's open and open_service), invoke the
 *           service object (op 2: QTEE calls the listener back, op 3, no
 *           arguments by default), then exit. They do not wait for s1's
 *           registration (op 1): before QTEE holds the listener, its callback
 *           names a NULL id (-EINVAL, nothing queued)
 *   killer  the scenario's {"kill": "app", "when": "any"}: once, at any
 *           point while app is alive; every thread of app gets the signal
 *   worker  qcomtee_wq: the RELEASE of the service object after app exits
 *
 * Every d_step is one teescope step (one explore transition) with the same
 * guard, so that the two state spaces have the same shape; what the twin
 * leaves out is in README.md ("What the twin abstracts").
 *
 * The scenario's {"do": "wait", "for": ...} is no step of its own: the thread
 * is not runnable until the variables are set, and then takes its next step.
 * So it is no statement here either, but a conjunct of the guard of the
 * thread's first step (`fd` in s2's RECV, `fd && svc` in the clients'
 * invoke). A SIGKILL ends the wait: "exit (killed)" needs no variable.
 *
 * Knobs (spin -DNAME=VALUE):
 *   NIB, NOB    IB / OB arguments of the callback (default 0, the
 *               scenario's): RECV marshals each one, SEND unmarshals each OB,
 *               one step each, holding reqs_lock
 *   HANDOFF     the kernel's mutex: T1 takes and releases reqs_lock, and
 *               mutex_unlock hands the lock to the first waiter, which then
 *               runs its step holding it, SIGKILL or not (mutex_lock is not
 *               killable). Without it the twin does what the engine does:
 *               T1 waits for the lock but neither takes nor releases it, and
 *               a woken waiter may leave (exit on SIGKILL, or sleep on req_c
 *               again) without taking it; either way the threads behind it
 *               on the wait list are never woken (README.md, "A lost
 *               wake-up"). The scenario's callback has no arguments, so the
 *               lock is never held across steps and both give the same
 *               state space
 *   NOKILL      no kill
 */

#ifndef NIB
#define NIB 0
#endif
#ifndef NOB
#define NOB 0
#endif
#define NARGS (NIB + NOB)

#define NC 3                /* client threads c1..c3: thread numbers 1..3 */
#define S1 4                /* supplicants: thread numbers 4 and 5 */
#define S2 5
#define S1_COUNT 3          /* serve counts */
#define S2_COUNT 1

/* request states (spec §2.5). FREE: no request (never queued, or freed). */
#define FREE        0
#define QUEUED      1
#define PROCESSING  2
#define PROCESSED   3
#define PLACEHOLDER 4       /* T8: the request is freed, empty_ureq keeps its id */
#define PH 7                /* the reqs_idr entry of empty_ureq */

/* ---- app's context (struct qcomtee_context_data) ------------------------- */
unsigned lockOwner : 3;     /* reqs_lock: 0 free, else the thread 1..5 */
unsigned lwq0 : 3; unsigned lwq1 : 3; unsigned lwq2 : 3; unsigned lwq3 : 3;
unsigned nlw : 3;           /* the mutex's wait list (FIFO) and its length */
unsigned waiting : 6;       /* bit t: thread t sleeps on reqs_lock */
unsigned reqc : 2;          /* req_c: a counting completion */
unsigned list0 : 2; unsigned list1 : 2; unsigned list2 : 2;   /* reqs_list (clients), FIFO */
unsigned nlist : 2;
unsigned idr0 : 3; unsigned idr1 : 3; unsigned idr2 : 3;      /* reqs_idr: 0 free, client, PH */
bit released;               /* close_context ran */

/* ---- one request slot per client (a client has at most one request) ----- */
unsigned rstate1 : 3; unsigned rstate2 : 3; unsigned rstate3 : 3;
unsigned rid1 : 2; unsigned rid2 : 2; unsigned rid3 : 2;      /* request id (idr slot) */
unsigned rseq1 : 2; unsigned rseq2 : 2; unsigned rseq3 : 2;   /* enqueue order among live requests (I9) */
unsigned rto1 : 3; unsigned rto2 : 3; unsigned rto3 : 3;      /* the supplicant RECV gave it to */
bit done1; bit done2; bit done3;            /* its completion fired */
bit freed1; bit freed2; bit freed3;         /* the client's dispatch returned: args gone (I12) */

/* ---- user space and QTEE --------------------------------------------------- */
bit fd;                     /* app's variable "fd" (s1's open) */
bit svc;                    /* app's variable "svc" (s1's open_service) */
bit listener;               /* QTEE holds user object 7 as held:listener */
bit killed;                 /* SIGKILL delivered to app */
bit exited;                 /* app's last thread exited */
unsigned live : 3 = 5;      /* app's live threads */
bit wq;                     /* release work queued: the service object */
unsigned asleep : 2;        /* supplicants asleep on req_c (for the stuck check) */
bit xdone;                  /* the last thread's close_context is over */

hidden byte i, c, got;      /* scratch of one d_step: not in the state vector */

/* the slots are bit-fields (no arrays of them): accessors */
#define RSTATE(c) (c == 1 -> rstate1 : (c == 2 -> rstate2 : rstate3))
#define RID(c)    (c == 1 -> rid1 : (c == 2 -> rid2 : rid3))
#define RSEQ(c)   (c == 1 -> rseq1 : (c == 2 -> rseq2 : rseq3))
#define RTO(c)    (c == 1 -> rto1 : (c == 2 -> rto2 : rto3))
#define DONE(c)   (c == 1 -> done1 : (c == 2 -> done2 : done3))
#define FREED(c)  (c == 1 -> freed1 : (c == 2 -> freed2 : freed3))
#define IDR(x)    (x == 0 -> idr0 : (x == 1 -> idr1 : idr2))
#define LIST(x)   (x == 0 -> list0 : (x == 1 -> list1 : list2))

inline setRstate(c, v) { if :: c == 1 -> rstate1 = v :: c == 2 -> rstate2 = v :: else -> rstate3 = v fi }
inline setRid(c, v)    { if :: c == 1 -> rid1 = v :: c == 2 -> rid2 = v :: else -> rid3 = v fi }
inline setRseq(c, v)   { if :: c == 1 -> rseq1 = v :: c == 2 -> rseq2 = v :: else -> rseq3 = v fi }
inline setRto(c, v)    { if :: c == 1 -> rto1 = v :: c == 2 -> rto2 = v :: else -> rto3 = v fi }
inline setDone(c, v)   { if :: c == 1 -> done1 = v :: c == 2 -> done2 = v :: else -> done3 = v fi }
inline setFreed(c, v)  { if :: c == 1 -> freed1 = v :: c == 2 -> freed2 = v :: else -> freed3 = v fi }
inline setIdr(x, v)    { if :: x == 0 -> idr0 = v :: x == 1 -> idr1 = v :: else -> idr2 = v fi }
inline setList(x, v)   { if :: x == 0 -> list0 = v :: x == 1 -> list1 = v :: else -> list2 = v fi }

/* the request is freed (T7, T9, T10): its slot back to "no request". The
 * enqueue order is kept as a rank among live requests (teescope renumbers
 * its enqueue sequence numbers the same way in its canonical state). */
inline freeSlot(c) {
    if :: rseq1 > RSEQ(c) -> rseq1-- :: else fi;
    if :: rseq2 > RSEQ(c) -> rseq2-- :: else fi;
    if :: rseq3 > RSEQ(c) -> rseq3-- :: else fi;
    setRstate(c, FREE); setRid(c, 0); setRseq(c, 0); setRto(c, 0);
    setDone(c, 0); setFreed(c, 0)
}

/* ---- reqs_lock: a mutex with a FIFO wait list ------------------------------
 * As in the engine: a thread whose next step needs the lock while another
 * thread holds it takes a step that puts it to sleep on the wait list;
 * mutex_unlock wakes the first waiter, which takes the lock in its next step
 * unless another thread is faster (then it waits again). */
#define HELD_BY_OTHER(t) (lockOwner != 0 && lockOwner != t)
#define WAITING(t) ((waiting >> t) & 1)
#define CAN_LOCK(t) (!WAITING(t) && !HELD_BY_OTHER(t))
#define MUST_WAIT(t) (!WAITING(t) && HELD_BY_OTHER(t))
#define OWNS(t) (lockOwner == t)
#ifdef HANDOFF
#define ENQ_LOCK lockOwner = me
#define ENQ_UNLOCK unlock()
#else
#define ENQ_LOCK skip
#define ENQ_UNLOCK skip
#endif

inline lockWait(t) {
    if :: nlw == 0 -> lwq0 = t :: nlw == 1 -> lwq1 = t :: nlw == 2 -> lwq2 = t :: else -> lwq3 = t fi;
    nlw++;
    waiting = waiting | (1 << t)
}
inline unlock() {
    lockOwner = 0;
    if
    :: nlw > 0 ->
        waiting = waiting & ~(1 << lwq0);
#ifdef HANDOFF
        lockOwner = lwq0;   /* handed over: the waiter holds it when it runs */
#endif
        lwq0 = lwq1; lwq1 = lwq2; lwq2 = lwq3; lwq3 = 0; nlw--
    :: else
    fi
}

/* I8 (spec §8): every reqs_list entry is QUEUED or PROCESSING and has its
 * id in reqs_idr; the placeholder is never on the list; every reqs_idr
 * entry is a live request with that id, or the placeholder. */
inline checkQueue() {
    i = 0;
    do
    :: i < nlist ->
        c = LIST(i);
        assert(RSTATE(c) == QUEUED || RSTATE(c) == PROCESSING);
        assert(IDR(RID(c)) == c);
        i++
    :: else -> break
    od;
    i = 0;
    do
    :: i < NC ->
        c = IDR(i);
        assert(c == 0 || c == PH ||
               (RID(c) == i && (RSTATE(c) == QUEUED || RSTATE(c) == PROCESSING)));
        i++
    :: else -> break
    od
}

/* ureq_select under reqs_lock: the first QUEUED request in list order; T2.
 * `got` is its client, 0 if nothing is QUEUED. */
inline ureqSelect(me) {
    got = 0; i = 0;
    do
    :: i < nlist && got == 0 ->
        if :: RSTATE(LIST(i)) == QUEUED -> got = LIST(i) :: else fi;
        i++
    :: else -> break
    od;
    if
    :: got != 0 ->
        c = 1;          /* I9: nothing QUEUED was enqueued before it */
        do
        :: c <= NC -> assert(!(RSTATE(c) == QUEUED && RSEQ(c) < RSEQ(got))); c++
        :: else -> break
        od;
        setRstate(got, PROCESSING); setRto(got, me);
        curid = RID(got); seen = 1
    :: else
    fi
}

/* list_del of client c's request */
inline unlist(c) {
    i = 0;
    do
    :: i < nlist && LIST(i) != c -> i++
    :: else -> break
    od;
    assert(i < nlist);
    do
    :: i + 1 < nlist -> got = LIST(i + 1); setList(i, got); i++
    :: else -> break
    od;
    nlist--;
    setList(nlist, 0)
}

/* A thread exits (do_exit). The last one of app drops the fd and runs
 * close_context (spec §3.7) in three more steps: X_FILES, X_CLOSE, X_PUT. */
#define P_DONE   15
#define X_FILES  14
#define X_CLOSE  13
#define X_PUT    12
inline threadExit() {
    live--;
    if
    :: live == 0 && fd -> exited = 1; ph = X_FILES
    :: live == 0 && !fd -> exited = 1; xdone = 1; ph = P_DONE   /* no file: do_exit ends here */
    :: else -> ph = P_DONE
    fi
}
/* the last thread's steps: exit_files, close_context, put the QTEE objects */
#define TEARDOWN \
    :: d_step { ph == X_FILES -> ph = X_CLOSE } \
    :: d_step { ph == X_CLOSE && CAN_LOCK(me) -> \
            lockOwner = me; \
            released = 1;   /* qcomtee_requests_destroy: reqs_list is empty here (every client took its request off) */ \
            assert(nlist == 0); \
            unlock(); \
            ph = X_PUT } \
    :: d_step { ph == X_PUT -> if :: svc -> wq = 1 :: else fi; xdone = 1; ph = P_DONE }

/* ---- clients: qcomtee_user_object_dispatch (spec §3.3) ------------------- */
#define C_INV    1      /* user: wait for fd and svc, then OBJECT_INVOKE svc op 2 */
#define C_CB     2      /* QTEE callback to the listener: enqueue (T1), sleep */
#define C_CBBAD  3      /* QTEE callback to a NULL id (listener not held yet): -EINVAL, nothing queued */
#define C_WAIT   4      /* killable wait on the request's completion */
#define C_KILL   5      /* the wait was interrupted: under reqs_lock T7, T8 or T11 */
#define C_RESP   6      /* callback response SMC; notify frees the request (T10) */
#define C_RET    7      /* QTEE returns 0 */
#define C_EXIT   8      /* user: exit */

#define me (_pid + 1)    /* the thread number: c1..c3 are 1..3, s1 and s2 are 4 and 5 */

active [NC] proctype client()
{
    unsigned ph : 4 = C_INV;
end:
    do
    /* user-space steps: a pending SIGKILL is "exit (killed)", also while
     * the client still waits for fd and svc */
    :: d_step { (ph == C_INV || ph == C_EXIT) && killed -> threadExit() }
    :: d_step { ph == C_EXIT && !killed -> threadExit() }
    /* {"do": "wait", "for": ["fd", "svc"]}: runnable once s1 set both */
    :: d_step { ph == C_INV && !killed && fd && svc ->
            if
            :: listener -> ph = C_CB
            :: else -> ph = C_CBBAD     /* before s1's op 1: held:listener resolves to NULL */
            fi }
    :: d_step { ph == C_CB && MUST_WAIT(me) -> lockWait(me) }
    :: d_step { ph == C_CB && CAN_LOCK(me) ->
            /* The engine waits for reqs_lock here but does not take it (no
             * lock or unlock event): it wakes nobody. With HANDOFF it takes
             * and releases it, as ureq_enqueue does. */
            ENQ_LOCK;
            assert(!released);
            i = 0;              /* T1: the lowest free id, appended to reqs_list */
            do
            :: i < NC && IDR(i) != 0 -> i++
            :: else -> break
            od;
            assert(i < NC);
            c = 1;              /* I10: no live request and no placeholder holds that id */
            do
            :: c <= NC ->
                assert(c == me || RSTATE(c) == FREE || RSTATE(c) == PROCESSED || RID(c) != i);
                c++
            :: else -> break
            od;
            setIdr(i, me); setRid(me, i);
            setList(nlist, me); nlist++;
            setRseq(me, 1 + (rseq1 != 0) + (rseq2 != 0) + (rseq3 != 0));
            setRstate(me, QUEUED);
            checkQueue();
            ENQ_UNLOCK;
            reqc++;             /* complete(&req_c), after the lock */
            ph = C_WAIT }
    :: d_step { ph == C_CBBAD -> ph = C_RESP }
    /* the wait ends: the completion wins over a pending signal */
    :: d_step { ph == C_WAIT && DONE(me) ->
            assert(RSTATE(me) == PROCESSED);
            setFreed(me, 1);
            ph = C_RESP }
    :: d_step { ph == C_WAIT && !DONE(me) && killed -> ph = C_KILL }
    :: d_step { ph == C_KILL && MUST_WAIT(me) -> lockWait(me) }
    :: d_step { ph == C_KILL && CAN_LOCK(me) ->
            if
            :: RSTATE(me) == PROCESSING ->          /* T8: empty_ureq keeps the id */
                unlist(me); got = RID(me); setIdr(got, PH); setRstate(me, PLACEHOLDER)
            :: RSTATE(me) == QUEUED ->              /* T7: the supplicants never see it */
                unlist(me); got = RID(me); setIdr(got, 0); freeSlot(me)
            :: RSTATE(me) == PROCESSED -> skip       /* T11: the supplicant was first */
            fi;
            checkQueue();
            unlock();
            setFreed(me, 1);
            ph = C_RESP }
    :: d_step { ph == C_RESP ->
            /* I13: the request ended PROCESSED, removed, or as the placeholder */
            assert(RSTATE(me) == FREE || RSTATE(me) == PROCESSED || RSTATE(me) == PLACEHOLDER);
            if :: RSTATE(me) == PROCESSED -> freeSlot(me) :: else fi;
            ph = C_RET }
    :: d_step { ph == C_RET -> ph = C_EXIT }
    TEARDOWN
    od
}

/* ---- supplicants: SUPPL_RECV (spec §3.4), SUPPL_SEND (§3.5) ---------------- */
#define S_OPEN   1      /* s1, user: open /dev/tee */
#define S_OSVC   2      /* s1, user: OBJECT_INVOKE ROOT op 32 (open_service) */
#define S_OSVCR  3      /*     QTEE returns 0 */
#define S_REG    4      /* s1, user: OBJECT_INVOKE svc op 1, user object 7: QTEE holds it */
#define S_REGR   5      /*     QTEE returns 0 */
#define S_RECV   6      /* user: SUPPL_RECV (s2 waits for fd first) */
#define S_RWAIT  7      /* asleep on req_c (interruptible) */
#define S_MARSH  8      /* RECV marshals argument k, holding reqs_lock */
#define S_SEND   9      /* user: SUPPL_SEND */
#define S_UNMAR 10      /* SEND unmarshals output k, holding reqs_lock */
#define S_EXIT  11      /* user: exit */

active [2] proctype supplicant()
{
    unsigned ph : 4 = (me == S1 -> S_OPEN : S_RECV);
    unsigned k : 2;                             /* argument being (un)marshalled */
    unsigned cur : 2;                           /* the request being (un)marshalled */
    unsigned curid : 2;                         /* serve's R_REQID: the last id RECV gave */
    bit seen;                                   /* serve's R_OBJ/R_OP: something was received */
    unsigned served : 2;                        /* serve's R_SERVED */
end:
    do
    /* user-space steps: a pending SIGKILL is "exit (killed)" */
    :: d_step { (ph == S_OPEN || ph == S_OSVC || ph == S_REG || ph == S_RECV ||
                 ph == S_SEND || ph == S_EXIT) && killed && !WAITING(me) && !OWNS(me) ->
            curid = 0; seen = 0; served = 0; threadExit() }
    :: d_step { ph == S_EXIT && !killed -> curid = 0; seen = 0; served = 0; threadExit() }
    :: d_step { ph == S_OPEN && !killed -> fd = 1; ph = S_OSVC }
    :: d_step { ph == S_OSVC && !killed -> ph = S_OSVCR }
    :: d_step { ph == S_OSVCR -> svc = 1; ph = S_REG }
    :: d_step { ph == S_REG && !killed -> listener = 1; ph = S_REGR }
    :: d_step { ph == S_REGR -> ph = S_RECV }
    /* SUPPL_RECV: `fd` is s2's {"do": "wait", "for": "fd"} (s1 has it set
     * by then); a SIGKILL ends the wait by the "exit (killed)" above */
    :: d_step { ((ph == S_RECV && !killed && fd) || (ph == S_RWAIT && reqc > 0) ||
                 (ph == S_SEND && !killed)) && MUST_WAIT(me) -> lockWait(me) }
    :: d_step { ((ph == S_RECV && (!killed || OWNS(me)) && fd) ||
                 (ph == S_RWAIT && (reqc > 0 || OWNS(me)))) && CAN_LOCK(me) ->
            if :: ph == S_RWAIT && reqc > 0 -> reqc-- :: else fi;   /* woken by req_c */
            if :: ph == S_RWAIT -> asleep-- :: else fi;
            lockOwner = me;
            ureqSelect(me);
            checkQueue();
            if
            :: got == 0 -> unlock(); ph = S_RWAIT; asleep++   /* sleep (a spurious wake-up sleeps again) */
            :: got != 0 && NARGS == 0 -> unlock(); ph = S_SEND  /* RECV returns the request */
            :: got != 0 && NARGS > 0 -> cur = got; k = 0; ph = S_MARSH
            fi }
    /* the fatal signal ends the sleep on req_c: -ERESTARTSYS ends the loop */
    :: d_step { ph == S_RWAIT && reqc == 0 && killed && !WAITING(me) && !OWNS(me) ->
            asleep--; ph = S_EXIT }
    :: d_step { ph == S_MARSH ->
            assert(!FREED(cur) && RSTATE(cur) == PROCESSING);   /* I12: the args are still there */
            k++;
            if :: k == NARGS -> unlock(); cur = 0; k = 0; ph = S_SEND :: else fi }
    :: d_step { ph == S_SEND && (!killed || OWNS(me)) && CAN_LOCK(me) ->
            lockOwner = me;
            c = IDR(curid);
            if
            :: c == PH ->                               /* T9: SEND gets -EINVAL, the id is free */
                setIdr(curid, 0);
                i = 1;
                do
                :: i <= NC && !(RSTATE(i) == PLACEHOLDER && RID(i) == curid) -> i++
                :: else -> break
                od;
                assert(i <= NC);
                freeSlot(i);
                unlock(); got = 1
            :: c != PH ->
                /* I11: the request this supplicant received, not yet answered */
                assert(c != 0 && RSTATE(c) == PROCESSING && RTO(c) == me);
                unlist(c); setIdr(curid, 0);            /* T5 */
                setRstate(c, PROCESSED);
                if
                :: NOB == 0 -> setDone(c, 1); unlock(); got = 1   /* complete(&ureq->c) */
                :: else -> cur = c; k = 0; ph = S_UNMAR; got = 0
                fi
            fi;
            checkQueue();
            if
            :: got == 1 ->                              /* SEND returns: one more served */
                served++;
                if
                :: (me == S1 && served == S1_COUNT) || (me == S2 && served == S2_COUNT) ->
                    served = 0; ph = S_EXIT
                :: else -> ph = S_RECV
                fi
            :: else
            fi }
    :: d_step { ph == S_UNMAR ->
            assert(!FREED(cur));                        /* I12: writing the client's outputs */
            k++;
            if
            :: k == NOB ->
                setDone(cur, 1); unlock(); cur = 0; k = 0;
                served++;
                if
                :: (me == S1 && served == S1_COUNT) || (me == S2 && served == S2_COUNT) ->
                    served = 0; ph = S_EXIT
                :: else -> ph = S_RECV
                fi
            :: else
            fi }
    TEARDOWN
    od
}

/* ---- qcomtee_wq (spec §2.8): RELEASE of the service object ------------------ */
active proctype worker()
{
    bit busy;
end:
    do
    :: d_step { wq && !busy -> busy = 1 }    /* RELEASE SMC */
    /* QTEE returns 0 and gives the listener back (async release): user
     * object 7's RELEASE notification is dropped (released, §7 case 10); the
     * context data goes, and with it the placeholder (idr_destroy) */
    :: d_step { busy ->
            c = 1;
            do
            :: c <= NC -> if :: RSTATE(c) == PLACEHOLDER -> freeSlot(c) :: else fi; c++
            :: else -> break
            od;
            idr0 = 0; idr1 = 0; idr2 = 0;
            busy = 0; wq = 0 }
    od
}

/* ---- {"kill": "app", "when": "any"} ------------------------------------------- */
active proctype killer()
{
end:
#ifdef NOKILL
    false;
#endif
    d_step { !killed && !exited -> killed = 1 }
}

/* ---- teescope's "stuck" verdict: nothing can move and some thread is not
 * idle. Idle: exited, a supplicant asleep on req_c (not on reqs_lock), the
 * worker with nothing queued. Global variables only: a remote reference
 * (client[0]:ph) would turn SPIN's partial-order reduction off. -------------- */
active proctype watchdog()
{
end:
    timeout -> assert(live == asleep && nlw == 0 && lockOwner == 0 && !wq && (!exited || xdone))
}

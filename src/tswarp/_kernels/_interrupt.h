/* Long kernels that stop on Ctrl-C.
 *
 * Python runs a signal's handler only when the running C code returns, so a kernel of several
 * seconds used to ignore Ctrl-C until its end. Around a long call from the main thread (the
 * only one where Python runs handlers), tswarp_watch_signals() puts a handler in front of
 * Python's own for SIGINT, SIGTERM and SIGHUP, those that Python handles (neither ignored nor
 * left to their default action): it raises a flag, then calls Python's handler, which records
 * the signal as usual. The kernels poll the flag once per block of rows, strip or chunk of
 * steps, and return early when it is up; the wrapper discards their result and lets Python run
 * the handler (KeyboardInterrupt). Other calls poll a flag that nothing raises.
 *
 * Every extension module that includes this header has its own copy of the state: a module
 * watches only while one of its kernels runs in the main thread, so that two watches never
 * overlap. Without POSIX signals (Windows), nothing is watched.
 */
#ifndef TSWARP_INTERRUPT_H
#define TSWARP_INTERRUPT_H

#include <signal.h>
#include <string.h>

/* Written by a signal handler and read by the kernels' threads: volatile, an int (the
 * sig_atomic_t of every POSIX platform). */
typedef volatile int tswarp_flag;

static tswarp_flag tswarp_raised = 0; /* the flag of a watched call */
static tswarp_flag tswarp_never = 0;  /* the flag of the other calls: never raised */

static inline int tswarp_stopped(const tswarp_flag *flag) { return *flag != 0; }

static inline const tswarp_flag *tswarp_unwatched(void) { return &tswarp_never; }

#if defined(_WIN32)

static inline const tswarp_flag *tswarp_watch_signals(void) { return &tswarp_never; }

static inline int tswarp_unwatch_signals(const tswarp_flag *flag)
{
    (void)flag;
    return 0;
}

#else

#define TSWARP_WATCHED 3
static const int tswarp_watched[TSWARP_WATCHED] = {SIGINT, SIGTERM, SIGHUP};
static struct sigaction tswarp_previous[TSWARP_WATCHED];
static int tswarp_replaced[TSWARP_WATCHED];

static void tswarp_on_signal(int signum, siginfo_t *info, void *context)
{
    tswarp_raised = 1;
    for (int k = 0; k < TSWARP_WATCHED; k++) {
        const struct sigaction *previous = &tswarp_previous[k];
        if (tswarp_watched[k] != signum)
            continue;
        if (previous->sa_flags & SA_SIGINFO)
            previous->sa_sigaction(signum, info, context);
        else
            previous->sa_handler(signum);
    }
}

/* Whether a handler is a function (Python's), not SIG_DFL or SIG_IGN. */
static inline int tswarp_is_function(const struct sigaction *action)
{
    return (action->sa_flags & SA_SIGINFO) ||
           (action->sa_handler != SIG_DFL && action->sa_handler != SIG_IGN);
}

/* Put the handler in front of Python's; returns the flag the kernel polls. */
static const tswarp_flag *tswarp_watch_signals(void)
{
    struct sigaction action;
    int watching = 0;
    memset(&action, 0, sizeof(action));
    action.sa_sigaction = tswarp_on_signal;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    tswarp_raised = 0;
    for (int k = 0; k < TSWARP_WATCHED; k++) {
        tswarp_replaced[k] = sigaction(tswarp_watched[k], NULL, &tswarp_previous[k]) == 0 &&
                             tswarp_is_function(&tswarp_previous[k]) &&
                             sigaction(tswarp_watched[k], &action, NULL) == 0;
        watching |= tswarp_replaced[k];
    }
    return watching ? &tswarp_raised : &tswarp_never;
}

/* Give the signals back to Python's handlers; returns whether the flag was raised. */
static int tswarp_unwatch_signals(const tswarp_flag *flag)
{
    for (int k = 0; k < TSWARP_WATCHED; k++)
        if (tswarp_replaced[k])
            sigaction(tswarp_watched[k], &tswarp_previous[k], NULL);
    memset(tswarp_replaced, 0, sizeof(tswarp_replaced));
    return tswarp_stopped(flag);
}

#endif
#endif

/* Seconds on the monotonic clock: durations, deadlines and rates, never dates. */
#ifndef WQ_CLOCK_H
#define WQ_CLOCK_H

double clock_now(void);

#endif

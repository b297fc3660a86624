//! Clocks and sleeping: clock_gettime, clock_getres, gettimeofday, time, getcpu (vDSO first), nanosleep.

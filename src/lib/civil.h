/* civil.h — proleptic Gregorian dates as day counts (Howard Hinnant's algorithms,
 * exact for every date): day 0 is 1970-01-01. No time zones here. */
#ifndef REVLENS_CIVIL_H
#define REVLENS_CIVIL_H

/* Days since 1970-01-01 of y-m-d (m 1..12, d 1..31; out-of-range days roll over). */
long civil_days(int y, int m, int d);
/* The date of day z. */
void civil_date(long z, int *y, int *m, int *d);

#endif

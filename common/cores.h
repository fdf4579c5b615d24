/* The cores this machine has online, for the work that splits itself over threads (the
 * column engine's load and scan, a fresh table's cells). */
#ifndef WQ_CORES_H
#define WQ_CORES_H

/* The cores online, from 1 to most (1 when the system does not say). */
int cores(int most);

#endif

/* The cores this process may run on, for the work that splits itself over threads (the
 * column engine's load and scan, a fresh table's cells, the rebuild's builders). */
#ifndef WQ_CORES_H
#define WQ_CORES_H

/* The cores of the process's affinity (else the cores online), from 1 to most (1 when the
 * system does not say). */
int cores(int most);

#endif

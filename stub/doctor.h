/* `boxcar doctor` / --boxcar-doctor: can this host run boxcar files? One
 * line per check (OK, WARN or FAIL) with the fix; exit 0 unless a FAIL. */
#ifndef BOXCAR_DOCTOR_H
#define BOXCAR_DOCTOR_H

int doctor(void);

#endif

/* `boxcar doctor` / --boxcar-doctor: can this host run boxcar files? One
 * line per check (OK, WARN or FAIL) with the fix; exit 0 unless a FAIL. */
#ifndef BOXCAR_DOCTOR_H
#define BOXCAR_DOCTOR_H

/* Who asks: a packed file (its own path is the one an AppArmor profile
 * names) or the `boxcar` tool (whose path is not the files'). */
enum doctor_who { DOCTOR_FILE, DOCTOR_TOOL };
/* p: the packed file's payload (NULL for the tool, or when it cannot be
 * read): the read-only cache's line says which of its layers it holds. */
struct payload;
int doctor(enum doctor_who who, const struct payload *p);

#endif

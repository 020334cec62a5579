#ifndef BOXCAR_VERSION
#define BOXCAR_VERSION "0.1.0"
#endif

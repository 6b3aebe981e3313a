#include "soxr-lsr.h"

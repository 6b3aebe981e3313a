#include "vona/status.h"

const char *vona_status_str(vona_status status)
{
    switch (status) {
    case VONA_OK: return "ok";
    case VONA_E_INVALID_ARG: return "invalid argument";
    case VONA_E_NOMEM: return "out of memory";
    case VONA_E_LIMIT: return "limit exceeded";
    case VONA_E_CORRUPT: return "corrupt input";
    case VONA_E_UNSUPPORTED: return "unsupported input";
    case VONA_E_STATE: return "invalid state";
    case VONA_E_CODEC: return "codec error";
    case VONA_E_INCOMPLETE: return "incomplete input";
    case VONA_E_FULL: return "destination full";
    }
    return "unknown status";
}

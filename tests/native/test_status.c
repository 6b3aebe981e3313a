/* Plain-C smoke test: the status table and build facts. */
#include <stdio.h>
#include <string.h>

#include "vona/build_info.h"
#include "vona/status.h"

int main(void)
{
    if (strcmp(vona_status_str(VONA_OK), "ok") != 0) return 1;
    if (strcmp(vona_status_str(VONA_E_LIMIT), "limit exceeded") != 0) return 1;
    if (strncmp(vona_opus_version(), "libopus", 7) != 0) return 1;
    printf("simd=%s flags=%s\n", vona_simd_path(), vona_build_flags());
    return 0;
}

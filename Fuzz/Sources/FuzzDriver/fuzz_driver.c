// SwiftPM links an executable target with `--defsym main=<Target>_main`, so each target defines
// that symbol (in Swift) and calls this, which hands over to libFuzzer's driver.
#include <stddef.h>
#include <stdint.h>
#include "fuzz_driver.h"

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int fuzz_driver_run(int argc, char **argv) {
    return LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput);
}

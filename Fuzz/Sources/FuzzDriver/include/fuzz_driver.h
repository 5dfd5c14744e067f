#ifndef FUZZ_DRIVER_H
#define FUZZ_DRIVER_H

/// Runs libFuzzer's driver on the target's LLVMFuzzerTestOneInput with the program's arguments.
int fuzz_driver_run(int argc, char **argv);

#endif

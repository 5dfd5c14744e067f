#include "termguard.h"
void tg_placeholder(void) {}

#pragma once
void tg_placeholder(void);

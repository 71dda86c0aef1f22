#ifndef ASM_SERIAL_H
#define ASM_SERIAL_H
int serial_init(void);
#endif

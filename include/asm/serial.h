#ifndef ASM_SERIAL_H
#define ASM_SERIAL_H
#include <kernel/types.h>

int serial_init(void);
/* For the serial self-test: is COM1 the console, bytes waiting in the
 * output ring, its size, and bytes written synchronously because it was
 * full. */
bool serial_console_active(void);
/* While held, the idle loop's drains leave the ring alone (only a full
 * ring and console_flush() write it). */
void serial_hold_drain(bool hold);
size_t serial_tx_queued(void);
size_t serial_tx_ring_size(void);
unsigned long serial_tx_sync_bytes(void);
#endif

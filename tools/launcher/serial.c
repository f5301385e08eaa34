// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's console: a 16550A UART at 0x3f8, IRQ 4, as on every PC, so
 * that a stock kernel's "console=ttyS0" finds it with no driver of ours.
 * What the guest transmits goes to our stdout; it never receives.
 *
 * Two details decide whether a Linux console works on an emulated UART:
 *
 *  - The driver probes the chip before trusting it: it writes the
 *    interrupt-enable and scratch registers and reads them back, and puts
 *    the chip in loopback to see the modem-status lines follow the
 *    modem-control ones.  So those registers keep what is written.
 *  - Kernel messages are written by polling the line status register,
 *    but what userspace writes to the console goes through the tty layer,
 *    which sends a byte and waits for the "transmitter empty" interrupt.
 *    Our transmitter is always empty at once, so that interrupt is raised
 *    whenever the guest enables it and after every byte it sends, and
 *    reading the interrupt-identification register acknowledges it.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "launcher.h"

#define COM1		0x3f8
#define COM1_IRQ	4

/* Registers, by offset (DLAB: the divisor latch replaces 0 and 1). */
#define THR	0	/* out: transmit; in: receive buffer */
#define IER	1
#define IIR	2	/* in: interrupt identification; out: FIFO control */
#define LCR	3
#define MCR	4
#define LSR	5
#define MSR	6
#define SCR	7

#define IER_THRI	0x02	/* interrupt when the transmitter is empty */
#define IIR_NONE	0x01
#define IIR_THRI	0x02
#define IIR_FIFO	0xc0	/* FIFOs enabled: a 16550A */
#define LCR_DLAB	0x80
#define MCR_LOOP	0x10
#define LSR_EMPTY	0x60	/* transmit holding register and shifter empty */

struct uart {
	uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
	bool thri_pending;	/* "transmitter empty" not yet acknowledged */
	int line;		/* IRQ 4 as last set */
};

static struct uart com1;

static void update_irq(struct vm *vm, struct uart *u)
{
	int level = (u->ier & IER_THRI) && u->thri_pending;

	if (level != u->line) {
		u->line = level;
		vm_irq_line(vm, COM1_IRQ, level);
	}
}

/* In loopback, the modem-status lines are the modem-control ones. */
static uint8_t msr(const struct uart *u)
{
	uint8_t m = u->mcr;

	if (!(u->mcr & MCR_LOOP))
		return 0xb0;		/* carrier, data set ready, clear to send */
	return (m & 0x02) << 3 |	/* RTS -> CTS */
	       (m & 0x01) << 5 |	/* DTR -> DSR */
	       (m & 0x04) << 4 |	/* OUT1 -> RI */
	       (m & 0x08) << 4;		/* OUT2 -> DCD */
}

static uint8_t uart_in(struct uart *u, unsigned int reg)
{
	bool dlab = u->lcr & LCR_DLAB;
	uint8_t fifo = u->fcr & 1 ? IIR_FIFO : 0;

	switch (reg) {
	case THR:
		return dlab ? u->dll : 0;
	case IER:
		return dlab ? u->dlm : u->ier;
	case IIR:
		if ((u->ier & IER_THRI) && u->thri_pending) {
			u->thri_pending = false;	/* read: acknowledged */
			return IIR_THRI | fifo;
		}
		return IIR_NONE | fifo;
	case LCR:
		return u->lcr;
	case MCR:
		return u->mcr;
	case LSR:
		return LSR_EMPTY;
	case MSR:
		return msr(u);
	default:
		return u->scr;
	}
}

static void uart_out(struct uart *u, unsigned int reg, uint8_t v)
{
	bool dlab = u->lcr & LCR_DLAB;

	switch (reg) {
	case THR:
		if (dlab) {
			u->dll = v;
			break;
		}
		if (!(u->mcr & MCR_LOOP) && write(STDOUT_FILENO, &v, 1) < 0)
			break;
		u->thri_pending = true;		/* sent at once: empty again */
		break;
	case IER:
		if (dlab) {
			u->dlm = v;
			break;
		}
		/* Enabling the interrupt with the transmitter empty raises it. */
		if ((v & IER_THRI) && !(u->ier & IER_THRI))
			u->thri_pending = true;
		u->ier = v & 0x0f;
		break;
	case IIR:
		u->fcr = v;
		break;
	case LCR:
		u->lcr = v;
		break;
	case MCR:
		u->mcr = v & 0x1f;
		break;
	case SCR:
		u->scr = v;
		break;
	default:
		break;			/* LSR and MSR are read-only */
	}
}

static void com1_io(struct vm *vm, uint16_t port, bool out, uint8_t *data,
		    unsigned int len, void *opaque)
{
	struct uart *u = opaque;
	unsigned int reg = port - COM1;

	/* The UART's registers are bytes; wider accesses touch the first. */
	if (out) {
		uart_out(u, reg, data[0]);
	} else {
		memset(data, 0, len);
		data[0] = uart_in(u, reg);
	}
	update_irq(vm, u);
}

int serial_init(struct vm *vm)
{
	memset(&com1, 0, sizeof(com1));
	return vm_add_io(vm, COM1, 8, com1_io, &com1);
}

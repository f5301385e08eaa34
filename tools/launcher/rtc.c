// SPDX-License-Identifier: GPL-2.0
/*
 * The PC's real-time clock (an MC146818 behind ports 0x70 and 0x71), read
 * only: the guest takes the date from it at boot.  Without one, Linux
 * waits seconds for an "update in progress" bit that never clears (an
 * absent port reads as all ones) and then calls the clock broken.  So:
 * the host's time in UTC, in BCD and 24-hour mode, never updating, and
 * the battery good.  Writes of the time are ignored, as is the NVRAM.
 */
#include <string.h>
#include <time.h>

#include "launcher.h"

#define RTC_INDEX	0x70
#define RTC_DATA	0x71

static uint8_t rtc_index;

static uint8_t bcd(int v)
{
	return (v / 10) << 4 | v % 10;
}

static uint8_t rtc_reg(unsigned int reg)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	switch (reg) {
	case 0x00: return bcd(tm.tm_sec);
	case 0x02: return bcd(tm.tm_min);
	case 0x04: return bcd(tm.tm_hour);
	case 0x06: return tm.tm_wday + 1;
	case 0x07: return bcd(tm.tm_mday);
	case 0x08: return bcd(tm.tm_mon + 1);
	case 0x09: return bcd(tm.tm_year % 100);
	case 0x32: return bcd(tm.tm_year / 100 + 19);	/* century */
	case 0x0a: return 0x26;	/* 32.768 kHz base, no update in progress */
	case 0x0b: return 0x02;	/* 24-hour, BCD, no interrupts */
	case 0x0d: return 0x80;	/* battery good: time valid */
	default: return 0;
	}
}

static void rtc_io(struct vm *vm, uint16_t port, bool out, uint8_t *data,
		   unsigned int len, void *opaque)
{
	(void)vm;
	(void)opaque;
	if (port == RTC_INDEX) {
		if (out)
			rtc_index = data[0] & 0x7f;	/* bit 7: NMI mask */
		else
			memset(data, 0xff, len);
		return;
	}
	if (!out) {
		memset(data, 0, len);
		data[0] = rtc_reg(rtc_index);
	}
}

int rtc_init(struct vm *vm)
{
	return vm_add_io(vm, RTC_INDEX, 2, rtc_io, NULL);
}

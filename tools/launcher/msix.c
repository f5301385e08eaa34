// SPDX-License-Identifier: GPL-2.0
/*
 * MSI-X: how a queue interrupts the guest without us.
 *
 * The guest writes, per vector, a message (an address and a data word:
 * which CPU, which interrupt vector) into a table in the device's BAR.
 * We hand each unmasked vector's message to KVM as a GSI route, and tie
 * each queue's call eventfd to that GSI with an irqfd.  From then on vhx
 * signals the eventfd and KVM delivers the interrupt: this process is not
 * involved, and not even woken.
 *
 * Masking is where interrupts get lost if one is careless.  A masked
 * vector must not interrupt, but what arrives meanwhile must be delivered
 * once it is unmasked.  So masking takes the irqfd away (KVM stops reading
 * the eventfd, whose counter keeps what vhx signals), the pending-bit
 * array shows a vector pending while its eventfd is readable, and
 * unmasking gives the irqfd back: KVM then finds the eventfd readable and
 * injects at once.  Nothing is read, so nothing can be dropped.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "launcher.h"
#include "msix.h"
#include "pci.h"

#define FIRST_MSI_GSI	24	/* 0..23: the I/O APIC's pins (and the PIC's) */
#define MAX_MSI_ROUTES	256

#define CTRL_MASKED	1u	/* vector control: bit 0 masks */

/* Every device's MSI routes: KVM takes the routing table whole. */
static struct {
	bool used;
	uint32_t addr_lo, addr_hi, data;
} routes[MAX_MSI_ROUTES];
static unsigned int next_gsi = FIRST_MSI_GSI;

static bool vec_live(const struct msix *m, unsigned int v)
{
	return m->enabled && !m->fmask && v < m->nvec &&
	       !(m->vec[v][MSIX_CTRL] & CTRL_MASKED);
}

/* The whole table: KVM's defaults for the interrupt pins, then the MSIs. */
static int set_routing(struct vm *vm)
{
	struct kvm_irq_routing *r;
	struct kvm_irq_routing_entry *e;
	unsigned int i, n = 0;
	int ret;

	r = calloc(1, sizeof(*r) + (24 + 16 + MAX_MSI_ROUTES) * sizeof(*e));
	if (!r)
		return -1;
	e = r->entries;
	for (i = 0; i < 24; i++) {
		e[n++] = (struct kvm_irq_routing_entry){ .gsi = i,
			.type = KVM_IRQ_ROUTING_IRQCHIP,
			.u.irqchip = { KVM_IRQCHIP_IOAPIC, i } };
		if (i < 16 && i != 2)
			e[n++] = (struct kvm_irq_routing_entry){ .gsi = i,
				.type = KVM_IRQ_ROUTING_IRQCHIP,
				.u.irqchip = { i < 8 ? KVM_IRQCHIP_PIC_MASTER :
					       KVM_IRQCHIP_PIC_SLAVE, i % 8 } };
	}
	for (i = 0; i < MAX_MSI_ROUTES; i++) {
		if (!routes[i].used)
			continue;
		e[n++] = (struct kvm_irq_routing_entry){
			.gsi = FIRST_MSI_GSI + i, .type = KVM_IRQ_ROUTING_MSI,
			.u.msi = { routes[i].addr_lo, routes[i].addr_hi,
				   routes[i].data } };
	}
	r->nr = n;
	ret = ioctl(vm->fd, KVM_SET_GSI_ROUTING, r);
	if (ret)
		err("KVM_SET_GSI_ROUTING: %s", strerror(errno));
	free(r);
	return ret;
}

static int irqfd(struct vm *vm, int fd, unsigned int gsi, bool on)
{
	struct kvm_irqfd f = { .fd = fd, .gsi = gsi,
			       .flags = on ? 0 : KVM_IRQFD_FLAG_DEASSIGN };

	if (ioctl(vm->fd, KVM_IRQFD, &f)) {
		err("KVM_IRQFD (%s, gsi %u): %s", on ? "assign" : "deassign",
		    gsi, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Bring KVM in line with the table: a route for each live vector, and an
 * irqfd for each eventfd whose vector is live.
 */
static int msix_update(struct msix *m)
{
	unsigned int v, i;
	int ret = 0;

	for (v = 0; v < m->nvec; v++) {
		unsigned int r = m->gsi_base - FIRST_MSI_GSI + v;

		routes[r].used = vec_live(m, v);
		routes[r].addr_lo = m->vec[v][MSIX_ADDR_LO];
		routes[r].addr_hi = m->vec[v][MSIX_ADDR_HI];
		routes[r].data = m->vec[v][MSIX_DATA];
	}
	if (set_routing(m->vm))
		return -1;
	for (i = 0; i < MSIX_SOURCES; i++) {
		struct msix_source *s = &m->src[i];
		bool want = s->fd >= 0 && vec_live(m, s->vec);
		unsigned int gsi = m->gsi_base + s->vec;

		if (s->attached >= 0 && (!want || s->gsi != gsi || s->attached != s->fd)) {
			ret |= irqfd(m->vm, s->attached, s->gsi, false);
			s->attached = -1;
		}
		if (want && s->attached < 0 && !irqfd(m->vm, s->fd, gsi, true)) {
			s->attached = s->fd;
			s->gsi = gsi;
		} else if (want && s->attached < 0) {
			ret = -1;
		}
	}
	return ret;
}

int msix_init(struct msix *m, struct vm *vm, unsigned int nvec)
{
	unsigned int i;

	memset(m, 0, sizeof(*m));
	if (nvec > MSIX_MAX || next_gsi + nvec > FIRST_MSI_GSI + MAX_MSI_ROUTES) {
		err("too many MSI-X vectors");
		return -1;
	}
	m->vm = vm;
	m->nvec = nvec;
	m->gsi_base = next_gsi;
	next_gsi += nvec;
	for (i = 0; i < nvec; i++)
		m->vec[i][MSIX_CTRL] = CTRL_MASKED;	/* all masked at reset */
	for (i = 0; i < MSIX_SOURCES; i++)
		m->src[i].fd = m->src[i].attached = -1;
	return 0;
}

/* The table: 16 bytes a vector, accessed 4 bytes at a time. */
void msix_table(struct msix *m, uint32_t off, bool write, uint8_t *data,
		unsigned int len)
{
	unsigned int v = off / 16, word = (off % 16) / 4;
	uint32_t *w;

	if (v >= m->nvec || len != 4 || off % 4) {
		if (!write)
			memset(data, 0xff, len);
		return;
	}
	w = &m->vec[v][word];
	if (!write) {
		memcpy(data, w, 4);
		return;
	}
	memcpy(w, data, 4);
	if (word == MSIX_CTRL)
		*w &= CTRL_MASKED;
	msix_update(m);
}

/* Pending bits: a vector that cannot fire and has an interrupt waiting. */
void msix_pba(struct msix *m, uint32_t off, uint8_t *data, unsigned int len)
{
	unsigned int i, bit;

	memset(data, 0, len);
	for (i = 0; i < MSIX_SOURCES; i++) {
		struct msix_source *s = &m->src[i];
		struct pollfd p = { .fd = s->fd, .events = POLLIN };

		if (s->fd < 0 || s->vec >= m->nvec || vec_live(m, s->vec))
			continue;
		bit = s->vec - off * 8;
		if (s->vec < off * 8 || bit >= len * 8)
			continue;
		if (poll(&p, 1, 0) == 1)
			data[bit / 8] |= 1u << (bit % 8);
	}
}

int msix_control(struct msix *m, uint16_t ctrl)
{
	m->enabled = ctrl & PCI_MSIX_FLAGS_ENABLE;
	m->fmask = ctrl & PCI_MSIX_FLAGS_MASKALL;
	return msix_update(m);
}

int msix_bind(struct msix *m, unsigned int source, int fd, unsigned int vec)
{
	if (source >= MSIX_SOURCES)
		return -1;
	m->src[source].fd = fd;
	m->src[source].vec = vec;
	return msix_update(m);
}

void msix_unbind_all(struct msix *m)
{
	unsigned int i;

	for (i = 0; i < MSIX_SOURCES; i++)
		m->src[i].fd = -1;
	msix_update(m);
}

# SPDX-License-Identifier: GPL-2.0
#
# vhx top-level Makefile.
#
#   make                 modules for KVER (default 6.1) and the userspace tools
#   make KVER=6.12       the same for Debian's 6.12 (bookworm-backports)
#   make KVER=7.3        ... or 7.3 (trixie-backports, built in a trixie root)
#   make KVER=debug      ... or the debug line: Debian's 6.1 source built here
#                        with KASAN, lockdep, kmemleak, UBSAN
#   make KDIR=/path      build against any configured kernel tree instead
#   make C=1             run sparse over the module sources while building
#   make demo            set up, build, boot a VM and show vhx at work
#   make check           every test: static checks, unit tests, VM lanes
#   make bench           benchmarks (wall clock and instruction counts)
#   make fuzz            fuzz for FUZZ_SECONDS (default 3600): the ring parser
#                        (libFuzzer) and, side by side, the ioctl fuzzer in
#                        the VM lane of FUZZ_KVER (default debug)
#   make vm TEST=...     boot the VM lane once for the given test script(s)
#   make shell           a shell inside the VM lane, modules loaded
#   make install         install vhx.ko for KREL (extra/, depmod) and the
#                        udev rule; DESTDIR= for a staging root
#
# Modules are built out of tree in build/<kernel release>/, so the kernels of
# the matrix never share objects and can be built side by side.

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))

KVER ?= 6.1
KVERS ?= 6.1 6.12 7.3 debug
# kbuild for a Debian kernel line: scripts/kmake finds its headers, on this
# host or in the line's build root (7.3, see scripts/buildroot.sh).
ifneq ($(KDIR),)
KREL ?= $(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null)
KBUILD := $(MAKE) -C $(KDIR)
else
KREL ?= $(shell $(ROOT)/scripts/kernel-release $(KVER))
KBUILD := $(ROOT)/scripts/kmake $(KVER)
endif
BUILD := $(ROOT)/build/$(KREL)
TOOLS := $(ROOT)/build/tools

MODULE_SRCS := $(wildcard $(ROOT)/drivers/vhost/*.[ch]) $(ROOT)/drivers/vhost/Kbuild

.PHONY: all modules tools setup check demo bench fuzz vm shell install clean help

all: modules tools

modules:
	@if [ -z "$(KREL)" ]; then \
		echo "vhx: no kernel headers for KVER=$(KVER) (run: make setup KVERS=$(KVER))" >&2; \
		exit 1; \
	fi
	@mkdir -p $(BUILD)
	@find $(BUILD) -maxdepth 1 -xtype l -delete
	@ln -sf $(MODULE_SRCS) $(BUILD)/
	+$(KBUILD) M=$(BUILD) modules

tools:
	$(MAKE) -C $(ROOT)/tools/vhost-test O=$(TOOLS)
	$(MAKE) -C $(ROOT)/tools/launcher O=$(TOOLS)

setup:
	$(ROOT)/scripts/setup.sh $(KVERS)

check:
	@$(ROOT)/scripts/setup.sh $(KVERS)
	@$(ROOT)/scripts/check.sh $(KVERS)

demo:
	@$(ROOT)/scripts/setup.sh $(KVER)
	@$(ROOT)/scripts/demo.sh $(KVER)

# A long fuzz run (FUZZ_SECONDS, default an hour), both fuzzers at once
# (one core each): the ring parser under libFuzzer, and vhx-fuzz (ioctls,
# lifecycles) in a VM of FUZZ_KVER from FUZZ_SEED (default: drawn).
FUZZ_SECONDS ?= 3600
FUZZ_KVER ?= debug
FUZZ_SEED ?= $(shell od -An -N4 -tx4 /dev/urandom | tr -d ' ')
fuzz:
	@$(ROOT)/scripts/setup.sh $(FUZZ_KVER)
	@$(MAKE) -s KVER=$(FUZZ_KVER) modules tools >/dev/null
	@$(ROOT)/scripts/fuzz.sh $(FUZZ_SECONDS) & ring=$$!; \
	$(ROOT)/tools/vhost-test/host/vm-run --kver $(FUZZ_KVER) --tag fuzz \
		--timeout $$(($(FUZZ_SECONDS) + 1800)) --out $(ROOT)/build/vm/fuzz \
		--env VHX_FUZZ_SECONDS=$(FUZZ_SECONDS) --env VHX_FUZZ_SEED=0x$(FUZZ_SEED) \
		$(ROOT)/tools/vhost-test/tests/fuzz.sh; vm=$$?; \
	wait $$ring; r=$$?; [ $$vm -eq 0 ] && [ $$r -eq 0 ]

# Benchmarks (never pass/fail tests): see Documentation/benchmarks.md.
bench:
	@$(ROOT)/scripts/setup.sh $(KVER)
	@$(ROOT)/scripts/bench.sh $(KVER)

vm: modules tools
	$(ROOT)/tools/vhost-test/host/vm-run --kver $(KVER) $(TEST)

shell: modules tools
	$(ROOT)/tools/vhost-test/host/vm-run --kver $(KVER) --shell

# Like any out-of-tree module: into the kernel's extra/, then depmod, so
# that "modprobe vhx" works; the udev rule opens /dev/vhx-net to group kvm.
# For the running kernel: make install KDIR=/lib/modules/$$(uname -r)/build
install: modules
	install -D -m 0644 $(BUILD)/vhx.ko $(DESTDIR)/lib/modules/$(KREL)/extra/vhx.ko
	install -D -m 0644 $(ROOT)/scripts/udev/60-vhx.rules $(DESTDIR)/etc/udev/rules.d/60-vhx.rules
	@# A staging root without the kernel's own modules cannot be depmod'ed.
	@if [ -z "$(DESTDIR)" ] || [ -f $(DESTDIR)/lib/modules/$(KREL)/modules.builtin ]; then \
		echo "depmod -a $(if $(DESTDIR),-b $(DESTDIR)) $(KREL)"; \
		depmod -a $(if $(DESTDIR),-b $(DESTDIR)) $(KREL); \
	else \
		echo "vhx: $(DESTDIR) holds no kernel modules: run depmod there later"; \
	fi
	@if [ -z "$(DESTDIR)" ] && command -v udevadm >/dev/null; then \
		udevadm control --reload 2>/dev/null || true; \
	fi
	@echo "vhx: installed for $(KREL); load it with: modprobe vhx"

clean:
	rm -rf $(ROOT)/build

help:
	@sed -n '/^# Modules/q;3,$$s/^# \{0,1\}//p' $(ROOT)/Makefile

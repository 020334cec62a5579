# boxcar: build/stub (the static launcher, payload reader and runtime) and
# build/boxcar (the packer CLI, which carries the stub's bytes).
# build.sh passes PREFIX (static deps) and KINC (kernel headers for musl).
PREFIX ?= build/deps/prefix
KINC ?= build/deps/kinc
CC = musl-gcc
WARN = -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-truncation -Wno-format-nonliteral -Wno-unused-parameter -Wvla
CFLAGS = -std=gnu11 -Os -g0 -ffunction-sections -fdata-sections $(WARN) \
	 -D_GNU_SOURCE -isystem $(KINC) -I$(PREFIX)/include
LDFLAGS = -static -Wl,--gc-sections -s -L$(PREFIX)/lib
LIBS_STUB = -larchive -lzstd -lz -lnettle -lcjson
LIBS_PACK = -larchive -lzstd -lz -lnettle -lcjson

COMMON = $(wildcard common/*.c)
RUNNER = $(wildcard runner/*.c)
STUB = $(wildcard stub/*.c)
PACK = $(wildcard pack/*.c)
HDRS = $(wildcard common/*.h runner/*.h stub/*.h pack/*.h)

obj = $(patsubst %.c,build/obj/%.o,$(1))

all: build/boxcar

build/obj/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

build/stub: $(call obj,$(COMMON) $(RUNNER) $(STUB))
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_STUB)

build/obj/stub_blob.S: build/stub
	printf '\t.section .rodata\n\t.global boxcar_stub_start, boxcar_stub_end\n\t.balign 16\nboxcar_stub_start:\n\t.incbin "%s"\nboxcar_stub_end:\n\t.section .note.GNU-stack,"",@progbits\n' "$(abspath build/stub)" > $@

build/obj/stub_blob.o: build/obj/stub_blob.S build/stub
	$(CC) -c $< -o $@

build/boxcar: $(call obj,$(COMMON) $(PACK)) build/obj/stub_blob.o
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_PACK)

clean:
	rm -rf build/obj build/stub build/boxcar

.PHONY: all clean

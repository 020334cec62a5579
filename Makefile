# boxcar: $(B)/stub (the static launcher: payload reader, cache, runtime)
# and $(B)/boxcar (the packer CLI, which carries the stub's bytes).
# build.sh passes PREFIX (static deps) and KINC (kernel headers for musl), and
# records in VERSIONS the Debian source version each library was built from.
#   make            static musl build in build/
#   make asan       ASan+UBSan build (glibc, Debian's -dev libraries) in build/asan/
PREFIX ?= build/deps/prefix
KINC ?= build/deps/kinc
VERSIONS ?= build/deps/versions
B ?= build
WARN = -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-truncation \
       -Wno-format-nonliteral -Wno-unused-parameter -Wvla
ifeq ($(SAN),1)
CC = gcc
CFLAGS = -std=gnu11 -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	 -fno-sanitize-recover=undefined $(WARN) -D_GNU_SOURCE
LDFLAGS = -fsanitize=address,undefined
GMP = -lgmp
CURL = -lcurl
else
CC = musl-gcc
CFLAGS = -std=gnu11 -Os -g0 -ffunction-sections -fdata-sections $(WARN) \
	 -D_GNU_SOURCE -isystem $(KINC) -I$(PREFIX)/include
LDFLAGS = -static -Wl,--gc-sections -s -L$(PREFIX)/lib
CURL = -lcurl -lmbedtls -lmbedx509 -lmbedcrypto
endif
CFLAGS += -I$(B)/obj
# (hogweed: ed25519 for signed files; nettle's own mini-gmp in the static build)
LIBS = -larchive -lzstd -lz -lhogweed $(GMP) -lnettle -lcjson -lseccomp

# One static archive per module; a binary names its entry object and the modules
# it may use, in the order of the arrows (docs/architecture.md), and the linker
# takes from each only what is called.
MODULES = cli builder containers pack stub runner common
src = $(filter-out $(2),$(wildcard $(1)/*.c))
ENTRY = cli/main.c stub/main.c
HDRS = $(wildcard $(addsuffix /*.h,$(MODULES)))
obj = $(patsubst %.c,$(B)/obj/%.o,$(1))

all: $(B)/boxcar

$(B)/obj/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

# the default seccomp filters, compiled to BPF once here (runner/filter.h), by
# a generator that runs on the build host (BPFGEN_CC), for BPF_ARCH (empty:
# the host's; stub-arm64 names aarch64)
BPFGEN_CC ?= $(CC) $(CFLAGS) $(LDFLAGS)
BPF_ARCH ?=
$(B)/obj/seccomp_bpf.h: tools/bpfgen.c runner/filter.c runner/filter.h
	@mkdir -p $(dir $@)
	$(BPFGEN_CC) -o $(B)/obj/bpfgen tools/bpfgen.c runner/filter.c -lseccomp
	$(B)/obj/bpfgen $(BPF_ARCH) > $@.tmp && mv $@.tmp $@
$(B)/obj/runner/security.o: $(B)/obj/seccomp_bpf.h

# the libraries' versions (common/version.h): "NAME VERSION" lines -> LIB(...) lines;
# curl and mbedtls are boxcar's alone (the stub has no registry client)
$(B)/obj/libversions.h: $(wildcard $(VERSIONS))
	@mkdir -p $(dir $@)
	awk 'NF == 2 && $$2 ~ /^[A-Za-z0-9.+~:-]+$$/ { printf "LIB(\"%s\", \"%s\", %d)\n", $$1, $$2, \
	    !($$1 == "curl" || $$1 == "mbedtls") }' $(or $(wildcard $(VERSIONS)),/dev/null) > $@.tmp
	mv $@.tmp $@
$(B)/obj/common/version.o: $(B)/obj/libversions.h

.SECONDEXPANSION:
$(B)/obj/lib%.a: $$(call obj,$$(call src,$$*,$(ENTRY)))
	rm -f $@ && ar rcs $@ $^
lib = $(patsubst %,$(B)/obj/lib%.a,$(1))
# (objects are kept: they are not intermediate files to delete)
.SECONDARY:

$(B)/stub: $(call obj,stub/main.c) $(call lib,stub runner common)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# the stub's bytes, linked into boxcar
$(B)/obj/stub_blob.o: $(B)/stub
	printf '\t.section .rodata\n\t.global boxcar_stub_start, boxcar_stub_end\n\t.balign 16\nboxcar_stub_start:\n\t.incbin "%s"\nboxcar_stub_end:\n\t.section .note.GNU-stack,"",@progbits\n' "$(abspath $(B)/stub)" > $(B)/obj/stub_blob.S
	$(CC) -c $(B)/obj/stub_blob.S -o $@

# (boxcar alone pulls from registries: curl stays out of the stub)
$(B)/boxcar: $(call obj,cli/main.c) $(B)/obj/stub_blob.o $(call lib,cli builder containers pack stub runner common)
	$(CC) $(LDFLAGS) -o $@ $^ $(CURL) $(LIBS)

# The arm64 stub (build/stub-arm64): the same sources cross-compiled with
# Debian's aarch64 musl wrapper against build/deps-arm64 (build.sh builds both),
# its seccomp filters compiled for aarch64 by the host's bpfgen. boxcar finds
# it beside itself (docs/architecture.md says why it is not embedded).
ARM64_CC ?= aarch64-linux-musl-gcc
ARM64_DEPS ?= build/deps-arm64
stub-arm64: $(B)/stub-arm64
$(B)/stub-arm64: FORCE
	$(MAKE) B=$(B)/arm64 CC=$(ARM64_CC) PREFIX=$(ARM64_DEPS)/prefix KINC=$(ARM64_DEPS)/kinc \
		BPF_ARCH=aarch64 BPFGEN_CC="$(CC) $(CFLAGS) $(LDFLAGS)" $(B)/arm64/stub
	cmp -s $(B)/arm64/stub $@ || cp $(B)/arm64/stub $@
FORCE:

# The SPANK plugin (contrib/slurm/README.md): a shared object slurmstepd loads,
# built with the host's gcc against Debian's libslurm-dev (spank.h); the
# stub it runs stays static.
SPANK_CFLAGS = -std=gnu11 -O2 -g -fPIC -shared $(WARN) -D_GNU_SOURCE -I$(PREFIX)/include
SPANK_SRC = contrib/slurm/spank_boxcar.c contrib/slurm/spank_args.c contrib/slurm/spank_env.c
spank: $(B)/spank_boxcar.so
$(B)/spank_boxcar.so: $(SPANK_SRC) $(wildcard contrib/slurm/*.h) contrib/slurm/spank_boxcar.map common/payload.h
	gcc $(SPANK_CFLAGS) -Wl,--version-script=contrib/slurm/spank_boxcar.map -o $@ $(SPANK_SRC)

asan:
	$(MAKE) SAN=1 B=build/asan VERSIONS=build/asan/versions

clean:
	rm -rf build/obj build/stub build/boxcar build/asan build/arm64 build/stub-arm64 build/spank_boxcar.so

.PHONY: all asan clean stub-arm64 spank FORCE

# libFuzzer targets (clang): make fuzz; run with tests/fuzz/run.sh
FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Ibuild/obj
FUZZ_SRC = $(wildcard common/*.c) stub/user.c stub/layer.c stub/tree.c runner/profile.c runner/security.c runner/tracepath.c \
	   runner/filter.c $(filter-out pack/writer.c pack/save.c,$(wildcard pack/*.c)) \
	   builder/ignore.c builder/dockerfile.c builder/expand.c
FUZZ_LIBS = $(LIBS) -lgmp -lcurl
FUZZERS = payload user oci docker layer profile registry ignore dockerfile ldcache tracepath
build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_util.h $(FUZZ_SRC) $(HDRS) build/obj/seccomp_bpf.h build/obj/libversions.h
	@mkdir -p build/fuzz
	clang $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_SRC) $(FUZZ_LIBS)

fuzz: $(patsubst %,build/fuzz/fuzz_%,$(FUZZERS))
.PHONY: fuzz

# SPDX-License-Identifier: GPL-3.0-or-later
# bptt — make builds, make check tests, make plots draws, make debug builds
# with AddressSanitizer + UndefinedBehaviorSanitizer.
#
# `make check` and `make plots` first make sure the Debian packages they need
# are installed (scripts/deps.sh installs them as root, otherwise it stops
# with the apt-get line to run).

CC ?= cc
CSTD = -std=c11 -Wall -Wextra -Wpedantic
OPT ?= -O2 -g
CPPFLAGS += -D_POSIX_C_SOURCE=200809L -Isrc
PKG_CONFIG ?= pkg-config
comma := ,

# V=1 shows the full commands; by default one short line per file.
V ?= 0
ifeq ($(V),1)
Q :=
say :=
else
Q := @
say = @printf '  %-6s %s\n' '$(1)' '$(2)';
endif

# Every query below is silent: before the dependency step has installed a
# compiler, pkg-config or the libraries, they just come out empty (the
# targets that compile run in a second make, after that step).
sh = $(shell $(1) 2>/dev/null)
UNAME := $(call sh,uname -s)

# PORTABLE=1: a plain build, for any C11 compiler and C library, and the
# proof that the fallbacks compute the same gradients (make check builds it
# and runs its tests): no static linking, no libmvec, no AVX2 kernels, no
# huge-page advice, no heap set-up, GSL's CBLAS (or the CBLAS pkg-config
# names). Off Linux it is the default. Speed devices: docs/speed.md.
PORTABLE ?= $(if $(filter Linux,$(UNAME)),0,1)

GSL_CFLAGS := $(call sh,$(PKG_CONFIG) --cflags gsl)
GSL_LDIRS := $(call sh,$(PKG_CONFIG) --libs-only-L gsl)
CHECK_CFLAGS := $(call sh,$(PKG_CONFIG) --cflags check)
CHECK_LIBS := $(call sh,$(PKG_CONFIG) --libs check)

ifeq ($(PORTABLE),1)
CPPFLAGS += -DBT_PORTABLE
GSL_LIBS := $(or $(call sh,$(PKG_CONFIG) --libs gsl),-lgsl -lgslcblas -lm)
CLI_LIBS := $(GSL_LIBS)
CLI_DYNAMIC_LIBS := $(GSL_LIBS)
CLI_LDFLAGS :=
NO_PIE :=
else
# GSL linked against OpenBLAS's CBLAS when it is installed, GSL's own
# otherwise; glibc's vector math library for the gates (src/base/vmath.c).
BLAS_LIBS := $(or $(call sh,$(PKG_CONFIG) --libs openblas),-lgslcblas)
MVEC_SO := $(wildcard $(call sh,$(CC) -print-file-name=libmvec.so))
MVEC_LIB := $(if $(MVEC_SO),-lmvec)
CPPFLAGS += $(if $(MVEC_SO),-DBT_HAVE_MVEC)
GSL_LIBS := $(GSL_LDIRS) -lgsl $(BLAS_LIBS) $(MVEC_LIB) -lm
# The command: GSL's archive and Debian's single-threaded OpenBLAS archive
# where they are, position-dependent, and static where glibc's static
# libraries are too (a faster start; docs/speed.md). libgfortran only when
# its development link is there (--as-needed drops it anyway).
MULTIARCH := $(call sh,$(CC) -print-multiarch)
OPENBLAS_SERIAL_A := $(wildcard /usr/lib/$(MULTIARCH)/openblas-serial/libopenblas.a)
GSL_A := $(filter /%,$(call sh,$(CC) -print-file-name=libgsl.a))
GSL_A := $(wildcard $(GSL_A))
CLI_GSL := $(or $(GSL_A),$(GSL_LDIRS) -lgsl)
NO_PIE ?= -no-pie
GFORTRAN_SO := $(wildcard $(call sh,$(CC) -print-file-name=libgfortran.so))
GFORTRAN_LIB := $(if $(GFORTRAN_SO),-Wl$(comma)--as-needed -lgfortran -Wl$(comma)--no-as-needed)
ifneq ($(OPENBLAS_SERIAL_A),)
CLI_LIBS := $(CLI_GSL) $(OPENBLAS_SERIAL_A) $(GFORTRAN_LIB) $(MVEC_LIB) -lm
else
CLI_LIBS := $(CLI_GSL) $(BLAS_LIBS) $(MVEC_LIB) -lm
endif
# Static with both archives and glibc's libc.a (not under the sanitizers,
# which need the dynamic loader; STATIC= links dynamically). valgrind
# cannot follow malloc in a static executable: tests/leaks.sh runs
# $(B)/bptt-dynamic, the same objects linked dynamically.
LIBC_A := $(filter /%,$(call sh,$(CC) -print-file-name=libc.a))
LIBC_A := $(wildcard $(LIBC_A))
STATIC ?= -static
CLI_LDFLAGS := $(NO_PIE)
CLI_DYNAMIC_LIBS := $(CLI_LIBS)
ifneq ($(and $(OPENBLAS_SERIAL_A),$(GSL_A),$(LIBC_A),$(STATIC)),)
ifneq ($(SANITIZE),1)
CLI_LDFLAGS := $(STATIC)
CLI_LIBS := $(GSL_A) $(OPENBLAS_SERIAL_A) $(MVEC_LIB) -lm
endif
endif
endif

B ?= build
SAN =
ifeq ($(SANITIZE),1)
B = build/debug
SAN = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
OPT = -O1 -g
else ifeq ($(PORTABLE),1)
ifeq ($(filter Linux,$(UNAME)),Linux)
B = build/portable
endif
endif
CFLAGS ?= $(OPT)
# the checker's threads (bt_check_options.threads)
PTHREAD = -pthread
ALL_CFLAGS = $(CSTD) $(CFLAGS) $(SAN) $(PTHREAD) $(GSL_CFLAGS) -MMD -MP

# The layers of src/, each using only those before it (tests/layers.sh).
LAYERS := base cells core io inspect train
CLI_SRC := $(wildcard src/cli/*.c)
LIB_SRC := $(foreach l,$(LAYERS),$(wildcard src/$(l)/*.c))
LIB_OBJ := $(LIB_SRC:src/%.c=$(B)/src/%.o)
LIB := $(B)/libbptt.a
VERSION := $(shell sed -n 's/^\#define BT_VERSION "\(.*\)"/\1/p' src/bt.h)

# The shared library, for Python (python/) and programs that link it
# dynamically: the library's sources compiled again as position-independent
# code under $(B)/pic/ (the normal build is position-dependent, for speed),
# linked as $(B)/libbptt.so.VERSION with the soname libbptt.so.ABI and the
# links libbptt.so.ABI and libbptt.so beside it (make shared). ABI is the
# major version, and before 1.0 the minor one too (0.1, 0.2, … may differ
# in their structures).
VERSION_WORDS = $(subst ., ,$(VERSION))
SO_ABI = $(if $(filter 0,$(word 1,$(VERSION_WORDS))),0.$(word 2,$(VERSION_WORDS)),$(word 1,$(VERSION_WORDS)))
SONAME = libbptt.so.$(SO_ABI)
SO := $(B)/libbptt.so.$(VERSION)
PIC_OBJ := $(LIB_SRC:src/%.c=$(B)/pic/src/%.o)
TEST_SRC := $(wildcard tests/test_*.c)
TEST_BIN := $(TEST_SRC:tests/%.c=$(B)/tests/%)
LESSON_SRC := $(wildcard lessons/[0-9]*.c)
LESSON_BIN := $(LESSON_SRC:lessons/%.c=$(B)/lessons/%)
BIN := $(if $(filter build,$(B)),bptt,$(B)/bptt)

.PHONY: all check plots slides fig table debug clean numio-table deps deps-plots deps-fuzz deps-coverage coverage fuzz fuzz-textio fuzz-cli fuzz-ci test-run debug-test bench demo install uninstall grade grade-build
BENCH_BIN := $(patsubst bench/%.c,$(B)/bench/%,$(wildcard bench/*.c))
all: $(BIN) $(LIB) $(LESSON_BIN) $(BENCH_BIN)

$(B)/src/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(call say,AR,$@)
	$(Q)ar rcs $@ $^

$(BIN): $(CLI_SRC:src/%.c=$(B)/src/%.o) $(LIB)
	$(call say,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(CLI_LDFLAGS) -o $@ $^ $(CLI_LIBS)

$(B)/bptt-dynamic: $(CLI_SRC:src/%.c=$(B)/src/%.o) $(LIB)
	$(call say,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(NO_PIE) -o $@ $^ $(CLI_DYNAMIC_LIBS)

$(B)/tests/%: tests/%.c $(LIB) tests/testutil.h tests/reference.h tests/memcount.h
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(CHECK_CFLAGS) -o $@ $< $(LIB) $(CHECK_LIBS) $(GSL_LIBS)

# the lessons' --help is filled like the command's (src/cli/fill.c); they
# write to this repository's plots/out by default, from any directory
# (LESSON_ROOT: the repository, for a lesson that reads a file of it)
$(B)/lessons/%: lessons/%.c lessons/lesson.h $(LIB) $(B)/src/cli/fill.o
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) -DLESSON_OUT='"$(CURDIR)/plots/out"' -DLESSON_ROOT='"$(CURDIR)"' $(ALL_CFLAGS) -o $@ $< $(B)/src/cli/fill.o $(LIB) $(GSL_LIBS)

$(B)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< $(LIB) $(GSL_LIBS)

# Auto-graded exercises (lessons/exercises/README.md):
#     make grade EX=rnn|gru|lstm|orthogonal|attention|tbptt [MODE=derive|guided] [HINTS=0..3]
#                [FORMAT=text|gradescope|junit] [STUDENT=file.c] [RESULT=file] [SANITIZE=1]
# links the student's file (default lessons/exercises/ex_EX.c, or
# lessons/exercises/guided/ex_EX.c for MODE=guided) with the grader and the
# library, twice (the second under AddressSanitizer, to name the line of a
# crash), and runs it; exit 0 only at full marks.
EX ?=
MODE ?= derive
HINTS ?= 1
FORMAT ?= text
STUDENT ?= lessons/exercises/$(if $(filter guided,$(MODE)),guided/)ex_$(EX).c
GRADE_BIN ?= $(B)/grade/grade-$(EX)
GRADE_CPPFLAGS = $(CPPFLAGS) -Ilessons/exercises
GRADE_OBJS = $(B)/grade/grade.o $(B)/grade/grade_out.o
GRADE_ASAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
GRADE_ASAN = $(if $(filter 1,$(SANITIZE)),$(GRADE_BIN),$(GRADE_BIN)-asan)
# GRADE_ASAN_BUILD=0: no AddressSanitizer twin (tests that need no crash report)
GRADE_ASAN_BUILD ?= 1

$(B)/grade/%.o: lessons/exercises/%.c lessons/exercises/grade.h lessons/exercises/exercise.h src/bt.h src/cells/cell.h
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(GRADE_CPPFLAGS) $(CSTD) $(CFLAGS) $(SAN) $(PTHREAD) $(GSL_CFLAGS) -c $< -o $@

grade: grade-build
	@$(GRADE_BIN) --exercise $(EX) --file "$(STUDENT)" --mode $(MODE) --hints $(HINTS) \
		--format $(FORMAT) --asan $(GRADE_ASAN) $(if $(RESULT),--result "$(RESULT)")

# Only builds the grader for one file, as GRADE_BIN and GRADE_BIN-asan (for
# tests and scripts).
grade-build: $(GRADE_OBJS) $(LIB)
	@case "$(EX)" in rnn|gru|lstm|orthogonal|attention|tbptt) ;; \
	*) echo "usage: make grade EX=rnn|gru|lstm|orthogonal|attention|tbptt [MODE=derive|guided] [HINTS=0..3] [FORMAT=text|gradescope|junit] [STUDENT=file.c] [RESULT=file]" >&2; exit 2 ;; esac
	@case "$(MODE)" in derive|guided) ;; *) echo "make grade: MODE=derive or MODE=guided, not '$(MODE)'" >&2; exit 2 ;; esac
	@test -f "$(STUDENT)" || { echo "make grade: no file $(STUDENT)" >&2; exit 2; }
	@mkdir -p $(dir $(GRADE_BIN))
	@$(CC) $(GRADE_CPPFLAGS) $(CSTD) $(CFLAGS) $(SAN) $(PTHREAD) $(GSL_CFLAGS) -o $(GRADE_BIN) \
		"$(STUDENT)" $(GRADE_OBJS) $(LIB) $(GSL_LIBS)
	@$(if $(filter 1,$(SANITIZE))$(filter 0,$(GRADE_ASAN_BUILD)),true,$(CC) $(GRADE_CPPFLAGS) $(CSTD) $(GRADE_ASAN_FLAGS) $(PTHREAD) $(GSL_CFLAGS) \
		-o $(GRADE_BIN)-asan "$(STUDENT)" $(GRADE_OBJS) $(LIB) $(GSL_LIBS))

# The table of powers of five behind src/io/numio.c (checked entry by entry in
# tests/test_numio.c): `make numio-table` writes it again.
numio-table:
	@mkdir -p build
	$(CC) -std=c11 -Wall -Wextra -Wpedantic -O2 -o build/gen_pow5 scripts/gen_pow5.c
	./build/gen_pow5 > src/io/numio_pow5.h

deps:
	@sh scripts/deps.sh check
deps-plots:
	@sh scripts/deps.sh plots

# The test command: unit tests and the command's end-to-end tests, then the
# same under AddressSanitizer + UndefinedBehaviorSanitizer.
check: deps
	@echo "== the build (-O2)"
	@$(MAKE) --no-print-directory -j2 test-run
	@echo "== the build with AddressSanitizer and UndefinedBehaviorSanitizer"
	@$(MAKE) --no-print-directory -j2 SANITIZE=1 test-run
	@echo "== the portable build (PORTABLE=1: no speed devices)"
	@$(MAKE) --no-print-directory -j2 PORTABLE=1 test-run
	@echo "== fuzzing (bounded)"
	@$(MAKE) --no-print-directory fuzz-ci
	@sh scripts/summary.sh build/results.txt build/debug/results.txt build/portable/results.txt build/fuzz/results.txt

# A bounded fuzz run for the test command: the text reader for 25 s and the
# command line for 30 s, at the same time (one core each; FUZZ_CI_TIME sets
# the second, the first is 5 s less). A crash fails it: the input is kept
# under build/fuzz/ and belongs in fuzz/regressions/ or fuzz/regressions-cli/.
FUZZ_CI_TIME ?= 30
fuzz-ci:
	@mkdir -p build/fuzz
	@rm -f build/fuzz/rc-textio.txt build/fuzz/rc-cli.txt
	@$(MAKE) --no-print-directory -j2 -k fuzz-textio fuzz-cli \
		FUZZ_TIME_TEXTIO=$$(( $(FUZZ_CI_TIME) - 5 )) FUZZ_TIME_CLI=$(FUZZ_CI_TIME) > build/fuzz/log.txt 2>&1; \
	p=0; f=0; \
	if [ "$$(cat build/fuzz/rc-textio.txt 2>/dev/null)" = 0 ]; then \
		p=$$((p + 1)); echo "fuzz-textio: ok ($$(grep -o 'Done [0-9]* runs' build/fuzz/run.txt))"; \
	else f=$$((f + 1)); echo "fuzz-textio: FAILED"; tail -40 build/fuzz/log.txt; fi; \
	if [ "$$(cat build/fuzz/rc-cli.txt 2>/dev/null)" = 0 ]; then \
		p=$$((p + 1)); echo "fuzz-cli: ok ($$(grep -o 'Done [0-9]* runs' build/fuzz/run-cli.txt))"; \
	else f=$$((f + 1)); echo "fuzz-cli: FAILED"; tail -40 build/fuzz/log.txt; fi; \
	echo "fuzz: $$p passed, $$f failed"; echo "$$p $$f" > build/fuzz/results.txt

FULL_RUN := $(if $(filter 1,$(PORTABLE)),,yes)
test-run: $(BIN) $(TEST_BIN) $(if $(FULL_RUN),$(LESSON_BIN)) $(if $(and $(FULL_RUN),$(filter build,$(B))),$(B)/bptt-dynamic $(SO))
	@SANITIZE=$(SANITIZE) PORTABLE=$(PORTABLE) bash scripts/run-tests.sh $(B) $(BIN) $(TEST_BIN)

debug:
	@$(MAKE) --no-print-directory SANITIZE=1 all

# The benchmarks: bench_bptt (full and truncated BPTT, Jacobians, Lyapunov
# exponents), then bench/speed.sh (bench_speed: rnn, gru, lstm at n = 16,
# 64, 256, B = 1 and 32, against single-thread BLAS, PyTorch if it is
# installed, and `bptt grad` as a whole process); BENCH_FULL=1 for more
# repeats. docs/speed.md says how to read them. PyTorch is optional: as
# root the first run tries to install python3-torch, nothing fails without.
bench: all
	-@sh scripts/deps.sh torch
	./$(B)/bench/bench_bptt
	./$(B)/bench/bench_train
	@sh bench/speed.sh $(B) $(BIN)

# The main job: every lesson, every figure (PNG and SVG; SLIDES=1: also a
# 16:9 PDF slide each), and plots/out/index.html.
SLIDES ?= 0
plots: deps-plots
	@$(MAKE) --no-print-directory -j2 all
	@SLIDES=$(SLIDES) sh scripts/plots.sh $(B)

# Every figure also as a PDF slide (16:9, fonts of 18 pt and more).
slides:
	@$(MAKE) --no-print-directory plots SLIDES=1

# One lesson again with other knobs, and its figures:
#     make fig F=02 ARGS="--scales 0.3,0.95,2"
F ?=
ARGS ?=
fig: $(patsubst lessons/%.c,$(B)/lessons/%,$(wildcard lessons/$(or $(F),none)*.c))
	@SLIDES=$(SLIDES) sh scripts/fig.sh $(B) "$(F)" $(ARGS)

# The table of docs/adding.md: every architecture on the adding problem at
# T = 50, 100, 200 with `bptt train` (not part of check or plots).
table: deps-plots
	@$(MAKE) --no-print-directory -j2 all
	@sh scripts/adding-table.sh ./bptt

# The short demo of the command: init, grad, check and a figure of |dL/dh_t|.
demo: all
	@sh scripts/demo.sh

# The shared library (SO, SONAME and PIC_OBJ above).
$(B)/pic/src/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -fPIC -c $< -o $@

$(SO): $(PIC_OBJ)
	$(call say,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -shared -Wl,-soname,$(SONAME) -Wl,--no-undefined -o $@ $^ $(GSL_LIBS)
	$(Q)ln -sf $(notdir $@) $(B)/$(SONAME)
	$(Q)ln -sf $(SONAME) $(B)/libbptt.so

shared: $(SO)
.PHONY: shared python deps-python

# Python and Jupyter (python/README.md): NumPy, nbconvert and a python3
# kernel, matplotlib, and PyTorch when the mirror has it (optional: the
# comparison with it is skipped without), then the shared library, the
# command and lesson 2 (which the tests compare with), and the Python tests
# with the notebooks.
deps-python:
	@sh scripts/deps.sh python
python: deps-python
	-@sh scripts/deps.sh torch
	@$(MAKE) --no-print-directory -j2 $(SO) $(BIN) $(B)/lessons/02_vanishing
	@BPTT_PYTHON_STRICT=1 bash tests/python.sh $(B)

# Installation: PREFIX (default /usr/local) and DESTDIR are honoured.
PREFIX ?= /usr/local
BINDIR = $(DESTDIR)$(PREFIX)/bin
LIBDIR = $(DESTDIR)$(PREFIX)/lib
INCDIR = $(DESTDIR)$(PREFIX)/include/bptt
PCDIR = $(LIBDIR)/pkgconfig
SHAREDIR = $(DESTDIR)$(PREFIX)/share/bptt
MANDIR = $(DESTDIR)$(PREFIX)/share/man
COMPDIR = $(DESTDIR)$(PREFIX)/share/bash-completion/completions
INSTALLED = $(BINDIR)/bptt $(LIBDIR)/libbptt.a $(LIBDIR)/libbptt.so.$(VERSION) $(LIBDIR)/$(SONAME) \
	$(LIBDIR)/libbptt.so $(INCDIR)/bt.h $(PCDIR)/bptt.pc \
	$(MANDIR)/man1/bptt.1 $(MANDIR)/man5/bptt-files.5 $(COMPDIR)/bptt

# bptt(1) and the bash completion are written by the command itself from the
# table that gives its --help, so they cannot drift apart.
build/man/bptt.1: bptt
	@mkdir -p $(dir $@)
	./bptt --man > $@
build/bptt.bash: bptt
	./bptt --completion > $@

install: all $(SO) build/man/bptt.1 build/bptt.bash
	install -d $(BINDIR) $(LIBDIR) $(INCDIR) $(PCDIR) $(SHAREDIR)/lessons $(SHAREDIR)/plots $(SHAREDIR)/examples \
		$(MANDIR)/man1 $(MANDIR)/man5 $(COMPDIR)
	install -m 644 build/man/bptt.1 $(MANDIR)/man1/bptt.1
	install -m 644 man/bptt-files.5 $(MANDIR)/man5/bptt-files.5
	install -m 644 build/bptt.bash $(COMPDIR)/bptt
	printf 'prefix=%s\nincludedir=$${prefix}/include/bptt\nlibdir=$${prefix}/lib\n# the static library instead of the shared one:\n#     cc prog.c $$(pkg-config --cflags bptt) $$(pkg-config --variable=static_libs bptt)\nstatic_libs=$${libdir}/libbptt.a %s %s\n\nName: bptt\nDescription: exact gradients of recurrent networks by backpropagation through time\nVersion: %s\nCflags: -I$${includedir} %s\nLibs: -L$${libdir} -lbptt %s\nLibs.private: %s\n' \
		'$(PREFIX)' '$(GSL_LIBS)' '$(PTHREAD)' '$(VERSION)' '$(GSL_CFLAGS)' '$(GSL_LIBS)' '$(PTHREAD)' > $(B)/bptt.pc
	install -m 755 bptt $(BINDIR)/bptt
	install -m 644 $(LIB) $(LIBDIR)/libbptt.a
	install -m 755 $(SO) $(LIBDIR)/libbptt.so.$(VERSION)
	ln -sf libbptt.so.$(VERSION) $(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(LIBDIR)/libbptt.so
	install -m 644 src/bt.h $(INCDIR)/bt.h
	install -m 644 $(B)/bptt.pc $(PCDIR)/bptt.pc
	install -m 644 lessons/*.md $(SHAREDIR)/lessons/
	install -m 644 plots/*.gp plots/header.awk $(SHAREDIR)/plots/
	install -m 644 examples/*.c $(SHAREDIR)/examples/
	install -d $(SHAREDIR)/python/bptt
	install -m 644 python/bptt/*.py $(SHAREDIR)/python/bptt/

uninstall:
	rm -f $(INSTALLED)
	rm -rf $(SHAREDIR)
	-rmdir $(INCDIR) 2>/dev/null

clean:
	rm -rf build bptt plots/out

-include $(LIB_OBJ:.o=.d) $(PIC_OBJ:.o=.d) $(CLI_SRC:src/%.c=$(B)/src/%.d) $(TEST_BIN:=.d)

# Fuzzing with libFuzzer (clang): `make fuzz FUZZ_TIME=600` runs each target
# for FUZZ_TIME seconds. fuzz_textio reads any input as a model, data and a
# gradient file; its corpus starts from fuzz/seeds/ and files the command
# writes. fuzz_cli runs any argument vector through the command (a forked
# child per input, fuzz/fuzz_cli.c); its corpus starts from fuzz/seeds-cli/,
# with a dictionary of the command's words. Inputs that once failed are in
# fuzz/regressions/ and fuzz/regressions-cli/, read first on every run.
FUZZ_TIME ?= 60
FUZZ_TIME_TEXTIO ?= $(FUZZ_TIME)
FUZZ_TIME_CLI ?= $(FUZZ_TIME)
FUZZ_CC ?= clang
FUZZ_FLAGS = -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all $(PTHREAD) -D_POSIX_C_SOURCE=200809L -Isrc $(GSL_CFLAGS)
build/fuzz/fuzz_textio: fuzz/fuzz_textio.c $(LIB_SRC) $(wildcard src/*.h src/*/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ fuzz/fuzz_textio.c $(LIB_SRC) $(GSL_LIBS)
build/fuzz/fuzz_cli: fuzz/fuzz_cli.c $(LIB_SRC) $(CLI_SRC) $(wildcard src/*.h src/*/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -DBPTT_NO_MAIN -o $@ fuzz/fuzz_cli.c $(CLI_SRC) $(LIB_SRC) $(GSL_LIBS)

fuzz: fuzz-textio fuzz-cli

fuzz-textio: deps-fuzz build/fuzz/fuzz_textio bptt
	@mkdir -p build/fuzz/corpus
	@cp fuzz/seeds/* build/fuzz/corpus/
	@for a in rnn gru lstm attention orthogonal; do ./bptt init --arch $$a --input 2 --hidden 2 --output 1 -o build/fuzz/corpus/init_$$a.txt; done
	@./bptt data --input 2 --output 1 --length 3 --mask -o build/fuzz/corpus/data.txt
	@./bptt grad --model build/fuzz/corpus/init_gru.txt --data build/fuzz/corpus/data.txt -o build/fuzz/corpus/grad.txt
	@echo "fuzzing the text reader for $(FUZZ_TIME_TEXTIO) s"
	@cd build/fuzz && { ./fuzz_textio -max_total_time=$(FUZZ_TIME_TEXTIO) -max_len=4096 -rss_limit_mb=4096 \
		-print_final_stats=1 corpus ../../fuzz/regressions > run.txt 2>&1; rc=$$?; echo $$rc > rc-textio.txt; \
		tail -12 run.txt; exit $$rc; }

# The dictionary: every subcommand and option (from the table behind
# --help, through --completion), the fixture files, numbers at the edges.
build/fuzz/cli.dict: bptt
	@mkdir -p $(dir $@)
	@{ ./bptt --completion | sed -n 's/.*compgen -W "\([^"]*\)".*/\1/p' | tr ' ' '\n' | grep . | sort -u; \
	  ls fuzz/cli-files; printf '%s\n' -o - /dev/null /dev/full 0 1 2 -1 1e308 1e-308 nan inf 100000 100001 \
		100000000 18446744073709551616 0x10 1,2,3 ,; } | \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' | awk '{ print "\"" $$0 "\""; print "\"\\x0a" $$0 "\\x0a\"" }' > $@

fuzz-cli: deps-fuzz build/fuzz/fuzz_cli build/fuzz/cli.dict
	@mkdir -p build/fuzz/corpus-cli
	@cp fuzz/seeds-cli/* build/fuzz/corpus-cli/
	@echo "fuzzing the command line for $(FUZZ_TIME_CLI) s"
	@cd build/fuzz && { FUZZ_CLI_FILES=../../fuzz/cli-files ./fuzz_cli -max_total_time=$(FUZZ_TIME_CLI) -max_len=512 \
		-rss_limit_mb=4096 -timeout=30 -dict=cli.dict -print_final_stats=1 -artifact_prefix=$$PWD/ corpus-cli ../../fuzz/regressions-cli \
		> run-cli.txt 2>&1; rc=$$?; echo $$rc > rc-cli.txt; tail -12 run-cli.txt; exit $$rc; }

deps-fuzz:
	@sh scripts/deps.sh check
deps-coverage:
	@sh scripts/deps.sh coverage

# Line and branch coverage of src/ by the unit tests and the command's
# end-to-end tests (cli.sh, man.sh): everything built with --coverage (-O0) under build/cov/,
# the tests run, then gcovr writes build/coverage/index.html (a page per
# file) and build/coverage/summary.txt, and prints the summary.
COV = build/cov
coverage: deps-coverage
	@rm -rf $(COV) build/coverage
	@$(MAKE) --no-print-directory B=$(COV) OPT="-O0 -g --coverage" BIN=$(COV)/bptt $(COV)/bptt $(TEST_SRC:tests/%.c=$(COV)/tests/%) >/dev/null
	@for t in $(TEST_SRC:tests/%.c=$(COV)/tests/%); do $$t 2>&1 | grep -E '^[0-9]+%: Checks' | sed "s|^|$$(basename $$t): |"; done
	@bash tests/cli.sh $(COV)/bptt | tail -1
	@bash tests/man.sh $(COV)/bptt | tail -1
	@mkdir -p build/coverage
	@gcovr -r . --filter 'src/' --html-details build/coverage/index.html --html-title "bptt: coverage of src/" \
		$(COV) >/dev/null
	@gcovr -r . --filter 'src/' --branches $(COV) > build/coverage/branches.txt
	@gcovr -r . --filter 'src/' $(COV) > build/coverage/lines.txt
	@gcovr -r . --filter 'src/' --print-summary $(COV) -o /dev/null | tee build/coverage/summary.txt
	@echo "report: build/coverage/index.html (per file: build/coverage/lines.txt, branches.txt)"

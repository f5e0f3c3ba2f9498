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

# GSL linked against OpenBLAS's CBLAS when it is installed, GSL's own otherwise.
HAVE_OPENBLAS := $(shell $(PKG_CONFIG) --exists openblas 2>/dev/null && echo yes)
ifeq ($(HAVE_OPENBLAS),yes)
BLAS_LIBS := $(shell $(PKG_CONFIG) --libs openblas)
else
BLAS_LIBS := -lgslcblas
endif
GSL_CFLAGS := $(shell $(PKG_CONFIG) --cflags gsl 2>/dev/null)
GSL_LIBS := -lgsl $(BLAS_LIBS) -lm
CHECK_CFLAGS := $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS := $(shell $(PKG_CONFIG) --libs check 2>/dev/null)

B ?= build
SAN =
ifeq ($(SANITIZE),1)
B = build/debug
SAN = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
OPT = -O1 -g
endif
CFLAGS ?= $(OPT)
ALL_CFLAGS = $(CSTD) $(CFLAGS) $(SAN) $(GSL_CFLAGS) -MMD -MP

CLI_SRC := src/cli.c $(wildcard src/cli_*.c)
LIB_SRC := $(filter-out $(CLI_SRC),$(wildcard src/*.c))
LIB_OBJ := $(LIB_SRC:src/%.c=$(B)/src/%.o)
LIB := $(B)/libbptt.a
TEST_SRC := $(wildcard tests/test_*.c)
TEST_BIN := $(TEST_SRC:tests/%.c=$(B)/tests/%)
LESSON_SRC := $(wildcard lessons/[0-9]*.c)
LESSON_BIN := $(LESSON_SRC:lessons/%.c=$(B)/lessons/%)
BIN := $(if $(filter 1,$(SANITIZE)),$(B)/bptt,bptt)

.PHONY: all check plots debug clean deps deps-plots test-run debug-test bench demo
all: $(BIN) $(LIB) $(LESSON_BIN) $(B)/bench/bench_bptt

$(B)/src/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(CLI_SRC:src/%.c=$(B)/src/%.o) $(LIB)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(GSL_LIBS)

$(B)/tests/%: tests/%.c $(LIB) tests/testutil.h tests/reference.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(CHECK_CFLAGS) -o $@ $< $(LIB) $(CHECK_LIBS) $(GSL_LIBS)

$(B)/lessons/%: lessons/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< $(LIB) $(GSL_LIBS)

$(B)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< $(LIB) $(GSL_LIBS)

deps:
	@sh scripts/deps.sh build
deps-plots:
	@sh scripts/deps.sh plots

# The test command: unit tests and the command's end-to-end tests, then the
# same under AddressSanitizer + UndefinedBehaviorSanitizer.
check: deps
	@$(MAKE) --no-print-directory test-run
	@$(MAKE) --no-print-directory SANITIZE=1 test-run
	@sh scripts/summary.sh build/results.txt build/debug/results.txt

test-run: $(BIN) $(TEST_BIN)
	@sh scripts/run-tests.sh $(B) $(BIN) $(TEST_BIN)

debug:
	@$(MAKE) --no-print-directory SANITIZE=1 all

bench: all
	./$(B)/bench/bench_bptt

# The main job. Until the lessons exist: a short demo of init, grad, check
# and one figure of ‖∂L/∂h_t‖ over t.
plots: deps-plots
	@$(MAKE) --no-print-directory all
	@sh scripts/demo.sh

clean:
	rm -rf build bptt plots/out

-include $(LIB_OBJ:.o=.d) $(CLI_SRC:src/%.c=$(B)/src/%.d) $(TEST_BIN:=.d)

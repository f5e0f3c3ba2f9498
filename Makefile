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

CLI_SRC := $(wildcard src/cli*.c)
LIB_SRC := $(filter-out $(CLI_SRC),$(wildcard src/*.c))
LIB_OBJ := $(LIB_SRC:src/%.c=$(B)/src/%.o)
LIB := $(B)/libbptt.a
TEST_SRC := $(wildcard tests/test_*.c)
TEST_BIN := $(TEST_SRC:tests/%.c=$(B)/tests/%)
LESSON_SRC := $(wildcard lessons/[0-9]*.c)
LESSON_BIN := $(LESSON_SRC:lessons/%.c=$(B)/lessons/%)
BIN := $(if $(filter 1,$(SANITIZE)),$(B)/bptt,bptt)

.PHONY: all check plots debug clean deps deps-plots test-run debug-test bench demo grade grade-build
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

$(B)/lessons/%: lessons/%.c lessons/lesson.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< $(LIB) $(GSL_LIBS)

$(B)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< $(LIB) $(GSL_LIBS)

# Auto-graded exercises (lessons/exercises/README.md):
#     make grade EX=rnn|gru|lstm|tbptt [STUDENT=file.c] [RESULT=file] [SANITIZE=1]
# links the student's file (default lessons/exercises/ex_EX.c) with the
# grader and the library, and runs it; exit 0 when every block passes.
EX ?=
STUDENT ?= lessons/exercises/ex_$(EX).c
GRADE_BIN ?= $(B)/grade/grade-$(EX)
GRADE_CPPFLAGS = $(CPPFLAGS) -Ilessons/exercises

$(B)/grade/grade.o: lessons/exercises/grade.c lessons/exercises/exercise.h src/bt.h src/cell.h
	@mkdir -p $(dir $@)
	$(CC) $(GRADE_CPPFLAGS) $(CSTD) $(CFLAGS) $(SAN) $(GSL_CFLAGS) -c $< -o $@

grade: grade-build
	@$(GRADE_BIN) --exercise $(EX) --file "$(STUDENT)" $(if $(RESULT),--result "$(RESULT)")

# Only builds the grader for one file, as GRADE_BIN (for tests and scripts).
grade-build: $(B)/grade/grade.o $(LIB)
	@case "$(EX)" in rnn|gru|lstm|tbptt) ;; \
	*) echo "usage: make grade EX=rnn|gru|lstm|tbptt [STUDENT=file.c] [RESULT=file]" >&2; exit 2 ;; esac
	@test -f "$(STUDENT)" || { echo "make grade: no file $(STUDENT)" >&2; exit 2; }
	@mkdir -p $(dir $(GRADE_BIN))
	@$(CC) $(GRADE_CPPFLAGS) $(CSTD) $(CFLAGS) $(SAN) $(GSL_CFLAGS) -o $(GRADE_BIN) \
		"$(STUDENT)" $(B)/grade/grade.o $(LIB) $(GSL_LIBS)

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

test-run: $(BIN) $(TEST_BIN) $(LESSON_BIN)
	@sh scripts/run-tests.sh $(B) $(BIN) $(TEST_BIN)

debug:
	@$(MAKE) --no-print-directory SANITIZE=1 all

bench: all
	./$(B)/bench/bench_bptt

# The main job: every lesson, every figure (PNG and SVG), and
# plots/out/index.html.
plots: deps-plots
	@$(MAKE) --no-print-directory all
	@sh scripts/plots.sh $(B)

# The short demo of the command: init, grad, check and a figure of |dL/dh_t|.
demo: all
	@sh scripts/demo.sh

clean:
	rm -rf build bptt plots/out

-include $(LIB_OBJ:.o=.d) $(CLI_SRC:src/%.c=$(B)/src/%.d) $(TEST_BIN:=.d)

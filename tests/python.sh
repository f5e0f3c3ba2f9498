#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# python.sh BUILD_DIR — the Python bridge (python/): its unittest suite
# (python/tests: the layout of the structures, the views, the files and
# numbers of the command, the errors, and the gradients of every
# architecture against PyTorch where it is installed), then every notebook
# of python/notebooks executed headless by nbconvert in a python3 kernel of
# the same interpreter, failing on any cell's error. Debian's packages
# install into /usr/bin/python3, which is used when it exists (another
# python3 first on the PATH may lack them). Without nbconvert and ipykernel
# the notebooks are skipped with a message, unless BPTT_PYTHON_STRICT=1
# (make python), where they count as failures; so does a missing NumPy.
set -u
dir=${1:-build}
passed=0; failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
bad() { echo "not ok - $1"; [ -n "${2:-}" ] && echo "$2" | sed 's/^/# /'; failed=$((failed + 1)); }
finish() { echo "python: $passed passed, $failed failed"; [ "$failed" = 0 ]; exit; }
strict=${BPTT_PYTHON_STRICT:-0}
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3 || true)
if [ -z "$py" ]; then bad "a python3 interpreter" "none found"; finish; fi
if ! "$py" -c 'import numpy' 2> /dev/null; then
	if [ "$strict" = 1 ]; then bad "NumPy for $py" "sh scripts/deps.sh python installs python3-numpy"
	else echo "# skipped: NumPy is not installed for $py (sh scripts/deps.sh check installs python3-numpy)"; fi
	finish
fi
so=$dir/libbptt.so
if [ ! -e "$so" ]; then bad "the shared library $so" "make shared builds it"; finish; fi
export BPTT_LIBRARY=$PWD/$so BPTT_COMMAND=$PWD/bptt BPTT_BUILD=$dir
export PYTHONPATH=$PWD/python${PYTHONPATH:+:$PYTHONPATH}
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 PYTHONDONTWRITEBYTECODE=1
[ "$dir" = build ] || BPTT_COMMAND=$PWD/$dir/bptt
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# the suite, one line per test
(cd python/tests && "$py" -m unittest discover -v -p 'test_*.py') > "$tmp/unit.log" 2>&1
rc=$?
while IFS= read -r line; do
	name=$(echo "$line" | sed -n 's/^[^ ]* (\(.*\)) \.\.\. .*/\1/p')
	case $line in
	*" ... ok") ok "$name" ;;
	*" ... skipped "*) echo "# skipped: $name: ${line#* ... skipped }" ;;
	*" ... FAIL" | *" ... ERROR") bad "$name" ;;
	esac
done < <(grep -E ' \.\.\. (ok|FAIL|ERROR|skipped)' "$tmp/unit.log")
if [ "$rc" != 0 ]; then
	bad "the unittest suite exits 0" "$(grep -A30 -E '^(FAIL|ERROR):' "$tmp/unit.log" | head -60)"
fi

# the notebooks, in a kernel of this interpreter (its own kernel spec)
if ! "$py" -c 'import nbconvert, ipykernel' 2> /dev/null; then
	msg="nbconvert and ipykernel are not installed for $py (sh scripts/deps.sh python installs them)"
	if [ "$strict" = 1 ]; then bad "the notebooks" "$msg"; else echo "# skipped: the notebooks: $msg"; fi
	finish
fi
mkdir -p "$tmp/jupyter/kernels/bptt-python3"
printf '{"argv": ["%s", "-m", "ipykernel_launcher", "-f", "{connection_file}"], "display_name": "bptt", "language": "python"}\n' \
	"$py" > "$tmp/jupyter/kernels/bptt-python3/kernel.json"
for nb in python/notebooks/*.ipynb; do
	[ -e "$nb" ] || continue
	name=$(basename "$nb")
	if JUPYTER_PATH=$tmp/jupyter "$py" -m nbconvert --to notebook --execute \
		--ExecutePreprocessor.kernel_name=bptt-python3 --ExecutePreprocessor.timeout=300 \
		--output-dir "$tmp/out" "$nb" > "$tmp/nb.log" 2>&1; then
		ok "notebook $name executes without an error"
	else
		bad "notebook $name executes without an error" "$(grep -v '^\[NbConvertApp\]' "$tmp/nb.log" | tail -25)"
	fi
done
finish

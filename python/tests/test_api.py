# SPDX-License-Identifier: GPL-3.0-or-later
"""test_api — the Python bridge against the library and the command:
the structures have C's layout, the arrays are views of the library's
buffers, what Python writes is what the command writes (bit for bit), the
instruments give the command's numbers, bptt.read reads every kind of
file, and a refused file raises an exception naming file and line."""
import os
import shutil
import subprocess
import tempfile
import unittest

import numpy as np

import bptt
from bptt import _lib

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
COMMAND = os.environ.get("BPTT_COMMAND", os.path.join(ROOT, "bptt"))
HAVE_COMMAND = os.access(COMMAND, os.X_OK)
LESSONS = os.path.join(ROOT, os.environ.get("BPTT_BUILD", "build"), "lessons")
no_command = unittest.skipUnless(HAVE_COMMAND, f"no bptt command at {COMMAND} (make builds it)")


def run(*args):
    return subprocess.run([COMMAND, *map(str, args)], check=True, capture_output=True, text=True)


class Temp(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="bptt-python-")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def path(self, name):
        return os.path.join(self.dir, name)

    def bytes_of(self, name):
        with open(self.path(name), "rb") as f:
            return f.read()


class TestLayout(Temp):
    """Every structure passed through ctypes has the size and field offsets C gives it."""

    STRUCTS = ["bt_error", "bt_dims", "bt_block", "bt_model", "bt_init_options", "bt_data",
               "bt_task_options", "bt_task_info", "bt_check_options", "bt_check_block",
               "bt_check_result", "bt_jacobian_result", "bt_lyapunov_options",
               "bt_lyapunov_result", "bt_bias_scalar_result", "bt_bias_result",
               "bt_flow_result", "bt_fault"]

    def test_sizes_and_offsets(self):
        cc = shutil.which("cc")
        if not cc:
            self.skipTest("no C compiler")
        gsl = subprocess.run(["pkg-config", "--cflags", "gsl"], capture_output=True, text=True).stdout.split()
        lines = ['#include <stddef.h>', '#include <stdio.h>', '#include "bt.h"', "int main(void) {"]
        expect = []
        for s in self.STRUCTS:
            t = getattr(_lib, s)
            lines.append(f'printf("%zu\\n", sizeof({s}));')
            expect.append(f"{s} size {__import__('ctypes').sizeof(t)}")
            for fname, *_ in t._fields_:
                cname = "pass" if fname == "pass_" else fname
                lines.append(f'printf("%zu\\n", offsetof({s}, {cname}));')
                expect.append(f"{s}.{cname} offset {getattr(t, fname).offset}")
        lines.append("return 0; }")
        src = self.path("layout.c")
        with open(src, "w") as f:
            f.write("\n".join(lines) + "\n")
        subprocess.run([cc, "-std=c11", "-I" + os.path.join(ROOT, "src"), *gsl, src, "-o",
                        self.path("layout")], check=True)
        got = subprocess.run([self.path("layout")], capture_output=True, text=True,
                             check=True).stdout.split()
        for e, g in zip(expect, got):
            self.assertEqual(e.split()[-1], g, e)
        self.assertEqual(len(expect), len(got))


class TestViews(unittest.TestCase):
    def test_params_are_views_of_theta(self):
        model = bptt.Model.init("gru", 3, 5, 2, seed=4)
        blocks = model.blocks
        self.assertEqual([b[0] for b in blocks], ["W_z", "U_z", "b_z", "W_r", "U_r", "b_r",
                                                  "W_h", "U_h", "b_h", "V", "b_y"])
        for name, rows, cols, off in blocks:
            view = model.params[name]
            self.assertEqual(view.shape, (rows, cols))
            self.assertTrue(np.shares_memory(view, model.theta))
            self.assertEqual(view.__array_interface__["data"][0],
                             model.theta.__array_interface__["data"][0] + 8 * off)

    def test_writing_a_view_changes_what_the_library_computes(self):
        model = bptt.Model.init("rnn", 2, 4, 1, seed=1)
        data = bptt.Data.random(2, 1, 10, seed=2)
        before = bptt.loss(model, data)
        model.params["b_y"][0, 0] += 1.0
        self.assertNotEqual(bptt.loss(model, data), before)
        model.params["b_y"][0, 0] -= 1.0
        self.assertEqual(bptt.loss(model, data), before)
        data.X[3, 1] += 1.0
        self.assertNotEqual(bptt.loss(model, data), before)

    def test_views_outlive_their_model(self):
        W = bptt.Model.init("rnn", 2, 3, 1, seed=1).params["W"]
        X = bptt.Data.random(2, 1, 5, seed=1).X
        import gc
        gc.collect()
        self.assertEqual(W.shape, (3, 3))
        self.assertTrue(np.all(np.isfinite(W)) and np.all(np.isfinite(X)))

    def test_data_from_arrays(self):
        X = np.arange(6.0).reshape(3, 2)
        data = bptt.Data(X, np.ones((3, 1)), M=[1, 0, 1])
        self.assertEqual((data.T, data.d, data.m), (3, 2, 1))
        np.testing.assert_array_equal(data.X, X)
        np.testing.assert_array_equal(data.M, [1, 0, 1])
        with self.assertRaises(bptt.ArgumentError):
            bptt.Data(X, np.ones((3, 1)), M=[1, 0.5, 1])


class TestLoss(Temp):
    def test_cross_entropy_model(self):
        m = bptt.Model.init("gru", 2, 3, 4, loss="cross-entropy")
        self.assertEqual(m.loss, "cross-entropy")
        m.save(self.path("ce.model"))
        self.assertIn(b"\nloss cross-entropy\n", self.bytes_of("ce.model"))
        self.assertEqual(bptt.Model.load(self.path("ce.model")).loss, "cross-entropy")
        self.assertEqual(bptt.Model.init("gru", 2, 3, 4).loss, "squared")
        with self.assertRaises(ValueError):
            bptt.Model.init("gru", 2, 3, 4, loss="hinge")


class TestErrors(Temp):
    def test_a_refused_file_names_file_and_line(self):
        p = self.path("bad.txt")
        with open(p, "w") as f:
            f.write("bptt-model 1\narch rnn\ndims 1 2 1\nW 2 2\n0.5 x\n")
        with self.assertRaises(bptt.FileError) as cm:
            bptt.read(p)
        e = cm.exception
        self.assertEqual(e.file, p)
        self.assertEqual(e.line, 5)
        self.assertTrue(str(e).startswith(f"{p}:5: "), str(e))
        self.assertEqual(e.status, _lib.EFORMAT)

    @no_command
    def test_the_message_is_the_commands(self):
        p = self.path("bad.txt")
        with open(p, "w") as f:
            f.write("bptt-data 1\nX 2 1\n1\n2\nY 2 1\n1\n")
        run("init", "--arch", "rnn", "--input", 1, "--hidden", 2, "--output", 1, "-o", self.path("m.txt"))
        r = subprocess.run([COMMAND, "grad", "--model", self.path("m.txt"), "--data", p],
                           capture_output=True, text=True)
        with self.assertRaises(bptt.FileError) as cm:
            bptt.Data.load(p)
        self.assertIn(str(cm.exception), r.stderr)

    def test_a_missing_file(self):
        with self.assertRaises(bptt.FileError) as cm:
            bptt.read(self.path("none.txt"))
        self.assertIn("none.txt", str(cm.exception))

    def test_arguments(self):
        with self.assertRaisesRegex(bptt.ArgumentError, "unknown architecture 'lstn'"):
            bptt.Model.init("lstn", 1, 2, 1)
        with self.assertRaisesRegex(bptt.ArgumentError, "takes no activation"):
            bptt.Model.init("gru", 1, 2, 1, activation="relu")
        with self.assertRaises(bptt.ArgumentError):
            bptt.Model.init("rnn", 0, 2, 1)
        model = bptt.Model.init("rnn", 2, 3, 1)
        with self.assertRaisesRegex(bptt.ArgumentError, "do not fit"):
            bptt.grad(model, bptt.Data.random(3, 1, 5))

    def test_a_non_finite_value_says_where(self):
        model = bptt.Model.init("rnn", 1, 2, 1, activation="identity", scale=1e200)
        data = bptt.Data.random(1, 1, 20, seed=1)
        with self.assertRaisesRegex(bptt.NumericError, r"forward pass, step \d+"):
            bptt.grad(model, data)


class TestSameAsTheCommand(Temp):
    """Python and the command write the same bytes and the same numbers."""

    @no_command
    def test_init_data_grad_files(self):
        for arch in bptt.architectures():
            with self.subTest(arch=arch):
                run("init", "--arch", arch, "--input", 3, "--hidden", 4, "--output", 2,
                    "--seed", 17, "-o", self.path("m.txt"))
                run("data", "--input", 3, "--output", 2, "--length", 12, "--seed", 5,
                    "-o", self.path("d.txt"))
                run("grad", "--model", self.path("m.txt"), "--data", self.path("d.txt"),
                    "--truncate", 3, "-o", self.path("g.txt"))
                model = bptt.Model.init(arch, 3, 4, 2, seed=17)
                data = bptt.Data.random(3, 2, 12, seed=5)
                model.save(self.path("pm.txt"))
                data.save(self.path("pd.txt"))
                bptt.grad(model, data, truncate=3).save(self.path("pg.txt"))
                self.assertEqual(self.bytes_of("pm.txt"), self.bytes_of("m.txt"))
                self.assertEqual(self.bytes_of("pd.txt"), self.bytes_of("d.txt"))
                self.assertEqual(self.bytes_of("pg.txt"), self.bytes_of("g.txt"))

    @no_command
    def test_read_gives_the_files_content(self):
        run("init", "--arch", "lstm", "--input", 2, "--hidden", 3, "--output", 1,
            "-o", self.path("m.txt"))
        run("data", "--input", 2, "--output", 1, "--length", 9, "--mask", "-o", self.path("d.txt"))
        run("grad", "--model", self.path("m.txt"), "--data", self.path("d.txt"), "-o", self.path("g.txt"))
        model, data, g = (bptt.read(self.path(f)) for f in ("m.txt", "d.txt", "g.txt"))
        self.assertIsInstance(model, bptt.Model)
        self.assertIsInstance(data, bptt.Data)
        self.assertIsInstance(g, bptt.Gradient)
        self.assertEqual(model.arch, "lstm")
        self.assertIsNotNone(data.M)
        mine = bptt.grad(model, data)
        self.assertEqual(g.loss, mine.loss)
        for name in mine.keys():
            np.testing.assert_array_equal(g[name], mine[name])

    @no_command
    def test_instruments(self):
        run("init", "--arch", "gru", "--input", 2, "--hidden", 4, "--output", 1, "--seed", 3,
            "-o", self.path("m.txt"))
        run("data", "--input", 2, "--output", 1, "--length", 40, "--seed", 8, "-o", self.path("d.txt"))
        model, data = bptt.read(self.path("m.txt")), bptt.read(self.path("d.txt"))
        io = ["--model", self.path("m.txt"), "--data", self.path("d.txt"), "-o"]

        run("jacobian", *io, self.path("j.dat"))
        f, r = bptt.read(self.path("j.dat"))[0], bptt.jacobian(model, data)
        for col in ("lag", "log10_norm2", "log10_normF", "log10_bound", "log10_prod_steps"):
            np.testing.assert_array_equal(f[col], r[col], col)
        # the command's row for lag τ shows step t = T − τ + 1
        np.testing.assert_array_equal(f["t"], r.t[::-1])
        np.testing.assert_array_equal(f["log10_step_norm2"], r.log10_step[::-1])

        run("lyapunov", *io, self.path("l.dat"), "--count", 3)
        f, r = bptt.read(self.path("l.dat"))[0], bptt.lyapunov(model, data, count=3)
        np.testing.assert_array_equal(f["exponent"], r.exponent)
        np.testing.assert_array_equal(f["stderr"], r.std_error)

        run("bias", *io, self.path("b.dat"), "--k", "1,2,5")
        f, r = bptt.read(self.path("b.dat"))[0], bptt.bias(model, data, [1, 2, 5])
        for col in f.columns:
            np.testing.assert_array_equal(f[col], r[col], col)

        run("flow", *io, self.path("f.dat"), "--lags", "--truncate", 4)
        sets, r = bptt.read(self.path("f.dat")), bptt.flow(model, data, truncate=4)
        self.assertEqual(list(sets.keys()), [0, "steps", "lag_profile", "lag_gradient"])
        np.testing.assert_array_equal(sets["steps"]["log10_dh_trunc"], r.log10_dh_trunc)
        np.testing.assert_array_equal(sets["lag_profile"]["log10_dx"], r.lag_dx[:40])
        np.testing.assert_array_equal(sets["lag_gradient"]["log10_W_h"],
                                      r.lag_grad_block[:, r.blocks.index("W_h")])

    @no_command
    def test_bias_scalar(self):
        run("bias", "--scalar", "--a", 0.5, "--k", "1,2", "--length", 50, "--sequences", 20,
            "-o", self.path("s.dat"))
        f = bptt.read(self.path("s.dat"))[0]
        r = bptt.bias_scalar(0.5, [1, 2], T=50, sequences=20)
        for col in ("k", "closed_form", "monte_carlo", "stderr", "sequences", "burn_in"):
            np.testing.assert_array_equal(f[col], np.broadcast_to(r[col], f[col].shape), col)


class TestColumnFiles(Temp):
    def write(self, text):
        with open(self.path("c.dat"), "w") as f:
            f.write(text)
        return self.path("c.dat")

    def test_names_columns_and_values(self):
        p = self.write("# param n = 32\n# first\n# label: s = 0.5\n# lag value\n1 NaN\n2 -inf\n\n\n"
                       "# radius\n# radius\n0.5\n\n\n# archs\n# index name\n0 rnn # a comment\n1 gru\n")
        sets = bptt.read(p)
        self.assertEqual(list(sets), ["first", "radius", "archs"])
        self.assertEqual(sets["first"].columns, ["lag", "value"])
        self.assertEqual(sets["first"].comments, ["param n = 32", "label: s = 0.5"])
        self.assertTrue(np.isnan(sets["first"]["value"][0]))
        self.assertEqual(sets["first"]["value"][1], -np.inf)
        self.assertEqual(sets["radius"]["radius"].tolist(), [0.5])
        self.assertEqual(sets["archs"]["name"].tolist(), ["rnn", "gru"])
        self.assertIs(sets[1], sets["radius"])

    def test_an_unnamed_first_dataset(self):
        p = self.write("# backpropagated gradient norms, arch rnn, T 2\n# t norm_dh\n1 0.5\n2 0.25\n"
                       "\n\n# steps\n# t x\n1 2\n")
        sets = bptt.read(p)
        self.assertEqual(list(sets), [0, "steps"])
        self.assertEqual(sets[0]["norm_dh"].tolist(), [0.5, 0.25])

    def test_a_short_row_is_refused_with_its_line(self):
        p = self.write("# d\n# a b\n1 2\n3\n")
        with self.assertRaises(bptt.FileError) as cm:
            bptt.read(p)
        self.assertEqual(cm.exception.line, 4)
        self.assertTrue(str(cm.exception).startswith(p + ":4: "))


class TestCheck(unittest.TestCase):
    def test_the_exact_gradient_passes_and_a_wrong_block_fails(self):
        model = bptt.Model.init("lstm", 2, 3, 1, seed=2)
        data = bptt.Data.random(2, 1, 8, seed=3)
        report = bptt.check(model, data, threads=1)
        rows = report.to_dict("records") if hasattr(report, "to_dict") else report
        ok = report.attrs["ok"] if hasattr(report, "attrs") else report.ok
        self.assertTrue(ok)
        self.assertEqual([r["name"] for r in rows], [b[0] for b in model.blocks] + ["X"])
        g = bptt.grad(model, data)
        g["U_i"][1, 0] *= 1.01
        rows = bptt.check(model, data, grad=g, threads=1)
        rows = rows.to_dict("records") if hasattr(rows, "to_dict") else rows
        self.assertEqual([r["name"] for r in rows if not r["ok"]], ["U_i"])
        self.assertEqual(next(r["worst"] for r in rows if r["name"] == "U_i"), 1 * 2 + 0)


class TestLessonFiles(Temp):
    lesson = os.path.join(LESSONS, "02_vanishing")

    @unittest.skipUnless(os.access(lesson, os.X_OK), "lesson 2 is not built (make builds it)")
    def test_lesson_2_datasets_are_the_jacobian_of_the_same_models(self):
        subprocess.run([self.lesson, "--hidden", "6", "--length", "30", "--scales", "0.9,1.5",
                        "--out", self.dir], check=True, capture_output=True)
        sets = bptt.read(self.path("02_vanishing.dat"))
        self.assertEqual(list(sets.keys()), ["tanh-0.9", "tanh-1.5", "linear-1.1"])
        data = bptt.Data.random(4, 2, 30, seed=8)
        data.X[...] *= 0.3
        for s in (0.9, 1.5):
            model = bptt.Model.init("rnn", 4, 6, 2, seed=7, orthogonal=True, scale=s)
            r = bptt.jacobian(model, data)
            np.testing.assert_array_equal(sets[f"tanh-{s}"]["log10_norm2"], r.log10_norm2)
            np.testing.assert_array_equal(sets[f"tanh-{s}"]["log10_bound"], r.log10_bound)


if __name__ == "__main__":
    unittest.main()

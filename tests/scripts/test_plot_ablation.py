"""scripts/plot_ablation.py's grouping on a hand-made results database (no plotting)."""
import json
import os
import sqlite3
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts"))
import plot_ablation  # noqa: E402


class Series(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.db = os.path.join(self.dir.name, "t.db")
        con = sqlite3.connect(self.db)
        con.executescript(
            "CREATE TABLE studies (id INTEGER PRIMARY KEY, name TEXT);"
            "CREATE TABLE trials (id INTEGER PRIMARY KEY, study_id INTEGER, status TEXT, overrides_json TEXT);"
            "CREATE TABLE metrics (trial_id INTEGER, name TEXT, step INTEGER, value REAL);"
            "INSERT INTO studies VALUES (1, 'a'), (2, 'b');")
        trials = [
            (1, 1, "COMPLETE", ["seed=0", "method.s=0.5", "method.r=4"]),
            (2, 1, "COMPLETE", ["seed=0", "method.s=0.5", "method.r=1"]),
            (3, 1, "COMPLETE", ["seed=0", "method.s=0.75", "+method.r=2"]),
            (4, 1, "FAILED", ["seed=0", "method.s=0.75", "method.r=8"]),
            (5, 1, "COMPLETE", ["seed=0", "method.s=0.75"]),  # no x: left out
            (6, 2, "COMPLETE", ["method.r=3"]),  # another study
            (7, 2, "COMPLETE", ["method.r=often"]),
        ]
        for trial, study, status, overrides in trials:
            con.execute("INSERT INTO trials VALUES (?, ?, ?, ?)", (trial, study, status, json.dumps(overrides)))
        # err per trial; trial 1 has two steps of 'err' (averaged) and no 'other'
        for trial, step, value in [(1, 0, 0.2), (1, 1, 0.4), (2, 0, 0.1), (3, 0, 0.5), (4, 0, 9.0), (5, 0, 9.0), (6, 0, 9.0)]:
            con.execute("INSERT INTO metrics VALUES (?, 'err', ?, ?)", (trial, step, value))
        con.execute("INSERT INTO metrics VALUES (2, 'other', 0, 7.0)")
        con.commit()
        con.close()

    def tearDown(self):
        self.dir.cleanup()

    def test_groups_by_the_varying_overrides_and_sorts_by_x(self):
        data = plot_ablation.series(self.db, "a", "method.r", ["err", "other"])
        self.assertEqual(set(data), {"method.s=0.5", "method.s=0.75"})
        err = data["method.s=0.5"]["err"]
        self.assertEqual([x for x, _ in err], [1.0, 4.0])
        self.assertAlmostEqual(err[0][1], 0.1)
        self.assertAlmostEqual(err[1][1], 0.3)  # the mean of its two steps
        self.assertEqual(data["method.s=0.5"]["other"], [(1.0, 7.0)])
        self.assertEqual(data["method.s=0.75"], {"err": [(2.0, 0.5)]})  # '+' dropped; failed and x-less trials left out

    def test_errors_name_what_is_wrong(self):
        with self.assertRaisesRegex(ValueError, "sets method.q"):
            plot_ablation.series(self.db, "a", "method.q", ["err"])
        with self.assertRaisesRegex(ValueError, "no complete trial of study 'nope'"):
            plot_ablation.series(self.db, "nope", "seed", ["err"])
        with self.assertRaisesRegex(ValueError, "records any of nope"):
            plot_ablation.series(self.db, "a", "method.r", ["nope"])
        with self.assertRaisesRegex(ValueError, "trial 7: method.r=often is not a number"):
            plot_ablation.series(self.db, "b", "method.r", ["err"])

    def test_parse_overrides(self):
        self.assertEqual(plot_ablation.parse_overrides(["a=1", "++b=x=y", "~c", "a=2"]), {"a": "2", "b": "x=y", "c": ""})


if __name__ == "__main__":
    unittest.main()

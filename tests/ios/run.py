#!/usr/bin/env python3
"""The iOS app's checks that need no Swift compiler (`make test-ios`).

Runs every `test_*` function of the `test_*.py` modules beside this file, each on its own: a
failing assertion (or any exception) fails that test only. The last line,
`ios: N passed, M failed`, is what tests/summary.sh adds up. `LENS_IOS_TESTS=name,...` runs
only the modules or functions named.
"""

import importlib
import os
import pathlib
import sys
import traceback

HERE = pathlib.Path(__file__).resolve().parent


def selected(module, function):
    wanted = [w for w in os.environ.get("LENS_IOS_TESTS", "").split(",") if w]
    return not wanted or module in wanted or function in wanted


def main():
    sys.path.insert(0, str(HERE))
    passed = failed = 0
    for path in sorted(HERE.glob("test_*.py")):
        module = importlib.import_module(path.stem)
        for name, test in sorted(vars(module).items()):
            if not (name.startswith("test_") and callable(test)) or not selected(path.stem, name):
                continue
            try:
                test()
            except AssertionError as e:
                failed += 1
                print(f"FAIL {path.stem}.{name}:\n{e}")
            except Exception:
                failed += 1
                print(f"FAIL {path.stem}.{name}:\n{traceback.format_exc()}")
            else:
                passed += 1
                print(f"ok   {path.stem}.{name}")
    print(f"ios: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

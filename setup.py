"""Only what pyproject.toml cannot say: the wheel's labs carry their visible checks only.

Every `netdojo/_data/labs/*/checks.py` in a built wheel is rewritten with its hidden checks cut
out (src/netdojo/labs/visible.py, loaded by path: the build may not have netdojo's
dependencies).  An editable install reads the checkout in place and is left whole: that is an
instructor's or a developer's copy.  tests/integration/test_packaging.py opens the wheel."""

import importlib.util
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


def _visible():
    spec = importlib.util.spec_from_file_location(
        "netdojo_visible", HERE / "src" / "netdojo" / "labs" / "visible.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.visible_checks


class BuildWithoutHiddenChecks(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        visible = _visible()
        for path in Path(self.build_lib, "netdojo", "_data", "labs").glob("*/checks.py"):
            path.write_text(visible(path.read_text())[0])


setup(cmdclass={"build_py": BuildWithoutHiddenChecks})

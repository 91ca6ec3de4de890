"""The class secret: it changes every student's values, is never printed, never overwritten."""

import stat

import pytest

from netdojo.cli.main import main
from netdojo.errors import NetdojoError
from netdojo.labs import class_secret
from netdojo.labs.catalog import find_lab
from netdojo.labs.values import draw


@pytest.fixture
def no_class(monkeypatch):
    """No class secret, and none left behind: class_secret.use() sets os.environ itself, so
    each variable is set through monkeypatch first, which then restores it afterwards."""
    for var in (class_secret.FILE_ENV, class_secret.SECRET_ENV):
        monkeypatch.setenv(var, "")
        monkeypatch.delenv(var)


def test_a_class_secret_changes_the_values_only_its_holder_can_draw(no_class, monkeypatch, tmp_path):
    lab = find_lab("lan-man-wan")
    students = [f"s{i:03d}" for i in range(20)]
    public = [draw(lab, s) for s in students]
    assert public == [draw(lab, s) for s in students]  # the same student, the same values
    class_secret.init(tmp_path / "c.yaml")
    class_secret.use(tmp_path / "c.yaml")
    keyed = [draw(lab, s) for s in students]
    assert keyed == [draw(lab, s) for s in students]
    assert sum(a != b for a, b in zip(public, keyed, strict=True)) >= 15  # computable from code: no longer
    class_secret.init(tmp_path / "other.yaml")
    class_secret.use(tmp_path / "other.yaml")
    assert [draw(lab, s) for s in students] != keyed  # another class, other values


def test_class_file_is_private_never_overwritten_and_never_printed(no_class, tmp_path, capsys):
    path = tmp_path / "c.yaml"
    assert main(["class", "init", str(path)]) == 0
    secret = class_secret.read(path).decode()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    before = path.read_text()
    assert main(["class", "init", str(path)]) == 2
    assert path.read_text() == before
    out = capsys.readouterr()
    assert secret not in out.out + out.err
    assert "already exists" in out.err


def test_a_file_without_a_secret_is_one_line(no_class, tmp_path):
    bad = tmp_path / "c.yaml"
    bad.write_text("name: x\n")
    with pytest.raises(NetdojoError, match="no class_secret in it"):
        class_secret.use(bad)


def test_the_secret_from_the_environment(no_class, monkeypatch):
    lab = find_lab("arp-routing")
    monkeypatch.setenv(class_secret.SECRET_ENV, "0123456789abcdef" * 4)
    values = [draw(lab, f"s{i}") for i in range(10)]
    monkeypatch.delenv(class_secret.SECRET_ENV)
    assert values != [draw(lab, f"s{i}") for i in range(10)]

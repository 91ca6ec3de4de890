"""The /etc/hosts and /etc/resolv.conf a container node gets from its run (pure logic: the
files written and the bind mounts asked of the engine; integration: test_services.py)."""

from netdojo.net import containers, engine


def _spec(tmp_path, **kw):
    return {"name": "nd1-pc", "node": "pc", "etc_dir": tmp_path / "etc" / "pc", **kw}


def test_hosts_and_resolver_written_and_bound_in(tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "is_podman", lambda: False)
    monkeypatch.setattr(engine, "sees_our_files", lambda: True)
    mounts = containers._lab_files(_spec(tmp_path, hosts={"web": "10.1.0.2", "ns1": "10.1.0.3"},
                                         dns=["10.1.0.3"]))
    d = tmp_path / "etc" / "pc"
    hosts = (d / "hosts").read_text().splitlines()
    assert hosts[0] == "127.0.0.1\tlocalhost"
    assert "10.1.0.2\tweb" in hosts and "10.1.0.3\tns1" in hosts
    assert (d / "resolv.conf").read_text() == "nameserver 10.1.0.3\nsearch lab.example\n"
    assert mounts == {str(d / "hosts"): {"bind": "/etc/hosts", "mode": "rw"},
                      str(d / "resolv.conf"): {"bind": "/etc/resolv.conf", "mode": "rw"}}
    assert (d / "hosts").stat().st_mode & 0o777 == 0o644


def test_a_lab_without_a_resolver_names_none_and_not_the_hosts(tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "is_podman", lambda: False)
    monkeypatch.setattr(engine, "sees_our_files", lambda: True)
    containers._lab_files(_spec(tmp_path))
    text = (tmp_path / "etc" / "pc" / "resolv.conf").read_text()
    assert "nameserver" not in text and text.startswith("#")


def test_podman_no_folder_or_an_engine_elsewhere_keeps_the_engines_own_files(tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "is_podman", lambda: True)
    assert containers._lab_files(_spec(tmp_path)) is None
    monkeypatch.setattr(engine, "is_podman", lambda: False)
    monkeypatch.setattr(engine, "sees_our_files", lambda: True)
    assert containers._lab_files({"name": "x", "node": "pc"}) is None
    # netdojo in a container of its own: the engine would not find the run's folder
    monkeypatch.setattr(engine, "sees_our_files", lambda: False)
    assert containers._lab_files(_spec(tmp_path)) is None
    assert not (tmp_path / "etc").exists()

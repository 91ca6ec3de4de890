"""A known-wrong submission per lab loses exactly its points (the labs of chapter 1.3 on, and
the service labs), and bad input costs only the
checks that depend on it; the lab commands around a check (start, Ctrl-C, capture) — with
nothing left running afterwards."""

from __future__ import annotations

import pytest

from netdojo.labs.catalog import find_lab
from netdojo.labs.runner import LabSession
from netdojo.labs.values import draw
from netdojo.topo.addressing import plan_addresses

from .lab_helpers import check, check_edited, scores, solution_copy
from .test_services import _docker_ready


@pytest.fixture
def docker(caps):
    _docker_ready(caps)


# ----- lan-man-wan -----------------------------------------------------------------------------
def test_lan_man_wan_lan_and_man_swapped_loses_exactly_two_thirds_of_the_class_points(
        tmp_path, nothing_left):
    sub = solution_copy(tmp_path, "lan-man-wan")
    script = sub / "measure.sh"
    script.write_text(script.read_text().replace('(r < 1) ? "lan" : (r < 20) ? "man"',
                                                 '(r < 1) ? "man" : (r < 20) ? "lan"'))
    rep = check("lan-man-wan", "alice", sub)
    assert scores(rep)["classify"] == pytest.approx(2 / 3, abs=0.001)
    assert rep.score == pytest.approx(10 - 4 / 3, abs=0.002), [(r.name, r.score, r.message)
                                                                for r in rep.results]


# ----- topologies ------------------------------------------------------------------------------
def test_topologies_wrong_bottleneck_and_wrong_star_prediction_lose_exactly_their_points(
        tmp_path, nothing_left):
    sub = solution_copy(tmp_path, "topologies")
    script = sub / "measure.sh"
    text = script.read_text()
    # the link one before the real one (or after it, at the path's start)
    text = text.replace('link = ["src", *path][first] + "-" + path[first]',
                        'k = first - 1 if first else 1\n'
                        'link = ["src", *path][k] + "-" + path[k]')
    # predicting that the star survives anything: wrong for every student's star failure
    text = text.replace('print(f"{t}:\\n  predicted: {text}',
                        'pred = json.dumps([[f"{t}{i}" for i in range(1, 5)]]) '
                        'if t == "star" else text\n'
                        '    print(f"{t}:\\n  predicted: {pred}')
    assert text != script.read_text()
    script.write_text(text)
    rep = check("topologies", "alice", sub)
    s = scores(rep)
    assert s["bottleneck_link"] == 0 and s["predict"] == pytest.approx(5 / 6 * 2, abs=0.01)
    assert rep.score == pytest.approx(14 - 2 - 1 / 3, abs=0.01), [
        (r.name, r.score, r.message) for r in rep.results]


# ----- dns -------------------------------------------------------------------------------------
def test_dns_ptr_without_its_final_dot_loses_exactly_that_point(tmp_path, docker, nothing_left):
    rep = check_edited(tmp_path, "dns", "make-zones.sh", "IN PTR   www.$LAB_DOMAIN.",
                       "IN PTR   www.$LAB_DOMAIN")
    s = scores(rep)
    assert s["ptr"] == 0 and rep.score == 11, [(r.name, r.score, r.message) for r in rep.results]
    assert "in-addr.arpa" in next(r.message for r in rep.results if r.name == "ptr")


def test_dns_zone_refused_by_named_checkzone_costs_only_its_checks(tmp_path, docker,
                                                                  nothing_left):
    sub = solution_copy(tmp_path, "dns")
    (sub / "measure.sh").unlink()
    (sub / "db.zone").write_text("$TTL 300\n@ IN SOA ns hostmaster 1 3600 600 86400 60\n"
                                 "@ IN NS ns\nns IN A 10.1.2.300\n")
    p = draw(find_lab("dns"), "alice")
    cities = p["route"].split(",")
    # the resolution path's addresses, planned from alice's topology (no kernel needed)
    topo = LabSession(find_lab("dns"), "alice", sub, lambda m: None).topo
    addrs = ", ".join(str(plan_addresses(topo).primary_ip(n)) for n in ("res", "root", "ns1"))
    (sub / "answers.yaml").write_text(
        f"aa: {{ns1: true, res: false, ns1_ttl: {p['www_ttl']}}}\n"
        f"resolution_path: [res, root, ns1]\nresolution_addresses: [{addrs}]\n"
        f"web_hops: [{', '.join(cities)}]\nweb_city: {cities[-1]}\n"
        f"geoip_prefix: 10.{p['net']}.200.0/24\n")
    rep = check("dns", "alice", sub)
    err = rep.files["db.zone"]["error"]
    assert "db.zone:4: near '10.1.2.300': bad dotted quad" in err, err  # named-checkzone's words
    s = scores(rep)
    for name in ("a_record", "cname", "mx", "txt", "alias_end_to_end"):
        assert s[name] == 0 and "bad dotted quad" in next(r.message for r in rep.results
                                                           if r.name == name)
    # the reverse zone was still served, and the answers were judged on the running network;
    # `aa` also asks for the TTL ns1 gives www, which a refused zone has not got to give
    assert s["aa"] == 0 and "TTL None" in next(r.message for r in rep.results if r.name == "aa")
    assert s["ptr"] == 1 and s["resolution_path"] == 2 and s["locate"] == 2 and rep.score == 5, [
        (r.name, r.score, r.message) for r in rep.results]


# ----- addressing-dhcp-nat ---------------------------------------------------------------------
def test_addressing_reservation_for_the_wrong_mac_loses_exactly_its_points(tmp_path, docker,
                                                                          nothing_left):
    rep = check_edited(tmp_path, "addressing-dhcp-nat", "make-kea.sh", '"hw-address": "$mac"',
                       '"hw-address": "02:00:00:00:00:01"')
    s = scores(rep)
    assert s["reservation"] == 0 and rep.score == 13, [(r.name, r.score, r.message)
                                                       for r in rep.results]
    assert "printer leased 10." in next(r.message for r in rep.results if r.name == "reservation")


def test_addressing_kea_config_refused_costs_only_the_dhcp_checks(tmp_path, docker, nothing_left):
    sub = solution_copy(tmp_path, "addressing-dhcp-nat")
    (sub / "kea-dhcp4.conf").write_text('{"Dhcp4": {"subnet4": [{"id": 1, "subnet": "10.0.0.0/24",'
                                        ' "pools": [{"pool": "10.0.0.9 - "}]}]}}\n')
    rep = check("addressing-dhcp-nat", "alice", sub)
    err = rep.files["kea-dhcp4.conf"]["error"]
    assert "kea-dhcp4" in err and "pool" in err, err  # Kea's own words
    s = scores(rep)
    assert s["lease_pool"] == s["reservation"] == s["options"] == 0
    assert rep.score == 11, [(r.name, r.score, r.message) for r in rep.results]


# ----- devices ---------------------------------------------------------------------------------
def test_devices_l7_without_http_health_checks_loses_exactly_one_point(tmp_path, docker,
                                                                      nothing_left):
    sub = solution_copy(tmp_path, "devices")
    script = sub / "make-l7.sh"
    text = "\n".join(ln for ln in script.read_text().splitlines()
                     if "httpchk" not in ln and "http-check" not in ln)
    script.write_text(text + "\n")
    rep = check("devices", "alice", sub)
    s = scores(rep)
    assert s["health_503"] == 1 and rep.score == 11, [(r.name, r.score, r.message)
                                                        for r in rep.results]
    assert "lb7 failed 0" not in next(r.message for r in rep.results if r.name == "health_503")


# ----- diagnostics -----------------------------------------------------------------------------
def test_diagnostics_wrong_slow_link_loses_exactly_one_point(tmp_path, docker, nothing_left):
    sub = solution_copy(tmp_path, "diagnostics")
    script = sub / "measure.sh"
    text = script.read_text().replace(
        "where: {before}-{after}", "where: {'r2-r3' if {before, after} == {'r1', 'r2'} else 'r1-r2'}")
    assert text != script.read_text()
    script.write_text(text)
    rep = check("diagnostics", "alice", sub)
    s = scores(rep)
    assert s["slow_hop"] == 1 and rep.score == 12, [(r.name, r.score, r.message)
                                                    for r in rep.results]


# ----- http-versions ---------------------------------------------------------------------------
def test_http_versions_wrong_cause_and_count_lose_exactly_their_points(tmp_path, docker,
                                                                        nothing_left):
    sub = solution_copy(tmp_path, "http-versions")
    script = sub / "measure.sh"
    text = (script.read_text().replace('"http1.1": n + 2,', '"http1.1": n + 1,')
            .replace('"http2_loss": "c"', '"http2_loss": "a"'))
    assert text.count("n + 1,") == 1 and '"http2_loss": "a"' in text
    script.write_text(text)
    rep = check("http-versions", "alice", sub)
    s = scores(rep)
    # six of seven counts right (HTTP/1.0's, which depends on N, among them): 6/7 of 2 points
    assert s["round_trip_counts"] == pytest.approx(12 / 7, abs=0.01) and s["why"] == 3, [
        (r.name, r.score, r.message) for r in rep.results]
    assert rep.score == pytest.approx(24 - 2 / 7 - 1, abs=0.01), [
        (r.name, r.score, r.message) for r in rep.results]


# ----- ssh-mail --------------------------------------------------------------------------------
def test_ssh_mail_sent_to_the_backup_exchanger_loses_exactly_the_delivery(tmp_path, docker,
                                                                          nothing_left):
    sub = solution_copy(tmp_path, "ssh-mail")
    script = sub / "send-mail.sh"
    script.write_text(script.read_text().replace("sort -n |", "sort -rn |"))
    rep = check("ssh-mail", "alice", sub)
    assert scores(rep) == {"key_login": 3, "seen_from": 1, "exchangers_known": 2, "delivered": 0,
                           "one_copy": 1}, [(r.name, r.score, r.message) for r in rep.results]
    assert "no mail with your subject" in next(r for r in rep.results
                                               if r.name == "delivered").message



# ----- ipv6 ------------------------------------------------------------------------------------
def test_ipv6_a_48_advertised_makes_no_address_and_costs_what_depends_on_one(tmp_path, docker,
                                                                              nothing_left):
    """SLAAC needs a /64: radvd takes a /48, the hosts make no address of it, and the checks
    that need one say why (the answers here are guesses: they earn nothing either)."""
    sub = solution_copy(tmp_path, "ipv6")
    conf = sub / "radvd.conf"
    conf.write_text(conf.read_text().replace("fd5e:c7a1:42b0:1::/64", "fd5e:c7a1:42b0::/48"))
    (sub / "measure.sh").unlink()
    (sub / "answers.yaml").write_text("h1_link_local: fe80::1\nh1_global: fd5e:c7a1:42b0::1\n"
                                      "router: fe80::2\nh2_global: fd5e:c7a1:42b0::2\n")
    rep = check("ipv6", "alice", sub)
    s = scores(rep)
    assert s["radvd"] == 0 and s["global_address"] == 0 and s["h2_global"] == 0, \
        [(r.name, r.message) for r in rep.results]
    radvd = next(r for r in rep.results if r.name == "radvd")
    assert "no global address" in radvd.message and "AdvAutonomous" in radvd.message
